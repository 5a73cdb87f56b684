from django.urls import path

from . import embed, knowledge, views

urlpatterns = [
    path(
        "dialogues/<slug:slug>/embed/documents/",
        embed.embedded_documents,
        name="embed_documents",
    ),
    path("meetings/<int:pk>/documents/", views.meeting_documents, name="meeting_documents"),
    path(
        "meetings/<int:pk>/documents/new/",
        views.document_create_for_meeting,
        name="meeting_document_create",
    ),
    path("meetings/<int:pk>/statements/new/", views.statement_create, name="statement_create"),
    path("meetings/<int:pk>/documents.zip", views.meeting_zip, name="meeting_documents_zip"),
    path("meetings/<int:pk>/circulate/", views.circulate_for_meeting, name="meeting_circulate"),
    path(
        "meetings/<int:pk>/circulations/", views.meeting_circulations, name="meeting_circulations"
    ),
    path("dialogues/<slug:slug>/documents/", views.library, name="document_library"),
    path("dialogues/<slug:slug>/knowledge/", knowledge.knowledge, name="dialogue_knowledge"),
    path("dialogues/<slug:slug>/documents/new/", views.document_create, name="document_create"),
    path(
        "dialogues/<slug:slug>/circulate/", views.circulate_for_dialogue, name="dialogue_circulate"
    ),
    path(
        "dialogues/<slug:slug>/circulations/",
        views.dialogue_circulations,
        name="dialogue_circulations",
    ),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/upload/", views.revision_create, name="revision_create"),
    path("documents/<int:pk>/edit/", views.document_edit, name="document_edit"),
    path("documents/<int:pk>/withdraw/", views.document_withdraw, name="document_withdraw"),
    path("documents/<int:pk>/<str:language>/", views.download_latest, name="document_download"),
    path(
        "documents/<int:pk>/<str:language>/r<int:number>/",
        views.download_revision,
        name="revision_download",
    ),
    path("circulations/<int:pk>/", views.circulation_detail, name="circulation_detail"),
    path(
        "circulations/<int:pk>/receipts/", views.circulation_receipts, name="circulation_receipts"
    ),
    path(
        "circulations/<int:pk>/acknowledge/",
        views.circulation_acknowledge,
        name="circulation_acknowledge",
    ),
    path("circulations/<int:pk>/remind/", views.circulation_remind, name="circulation_remind"),
]
