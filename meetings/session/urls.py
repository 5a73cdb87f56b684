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
]
