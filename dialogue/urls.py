from django.urls import path

from . import embed, views

urlpatterns = [
    path("dialogues/<slug:slug>/", views.dialogue_detail, name="dialogue_detail"),
    path("dialogues/<slug:slug>/states/<str:code>/", views.state_detail, name="state_detail"),
    path(
        "dialogues/<slug:slug>/announcements/",
        views.announcement_list,
        name="announcement_list",
    ),
    path("dialogues/<slug:slug>/embed/", embed.embed_help, name="embed_help"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
]
