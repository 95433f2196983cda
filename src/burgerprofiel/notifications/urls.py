"""Portal pages of notifications (mounted under the portal's root)."""

from django.urls import URLPattern

app_name = "notifications"

urlpatterns: list[URLPattern] = []
