from django.urls import path

from burgerprofiel.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("overzicht", views.overview, name="overview"),
    path("aanmelden", views.login, name="login"),
    path("aanmelden/start", views.login_start, name="login-start"),
    path("oidc/callback", views.oidc_callback, name="oidc-callback"),
    path("afmelden", views.logout, name="logout"),
    path("afgemeld", views.logged_out, name="logged-out"),
    path("taal", views.language, name="language"),
    path("wie-bekeek-mijn-gegevens", views.access_log, name="access-log"),
]
