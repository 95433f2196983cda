"""Portal pages of notifications (mounted under the portal's root)."""

from django.urls import path

from burgerprofiel.notifications import views

app_name = "notifications"

urlpatterns = [
    path("meldingen", views.notification_list, name="list"),
    path("meldingen/alles-gelezen", views.notification_read_all, name="read_all"),
    path("meldingen/<uuid:pk>", views.notification_detail, name="detail"),
    path("meldingen/<uuid:pk>/gelezen", views.notification_read, name="read"),
]
