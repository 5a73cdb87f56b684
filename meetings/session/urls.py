from django.urls import path

from . import views

urlpatterns = [
    path("meetings/<int:pk>/now/", views.session_now, name="session_now"),
    path("meetings/<int:pk>/session/", views.session_section, name="session_section"),
    path("meetings/<int:pk>/session/chair/", views.session_chair, name="session_chair"),
    path("meetings/<int:pk>/session/floor/", views.session_floor, name="session_floor"),
    path(
        "meetings/<int:pk>/session/interventions/",
        views.session_interventions,
        name="session_interventions",
    ),
    path(
        "meetings/<int:pk>/session/participation/",
        views.session_participation,
        name="session_participation",
    ),
    path(
        "meetings/<int:pk>/session/attendance/",
        views.session_attendance,
        name="session_attendance",
    ),
    path(
        "meetings/<int:pk>/online/<int:link_pk>/",
        views.session_online_link,
        name="session_online_link",
    ),
]
