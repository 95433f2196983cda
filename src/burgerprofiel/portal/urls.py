from django.urls import path

from burgerprofiel.portal import views

app_name = "portal"

urlpatterns = [
    path("aanmelden", views.login, name="login"),
    path("afmelden", views.logout, name="logout"),
]
