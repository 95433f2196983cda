"""Portal pages of dossiers (mounted under the portal's root)."""

from django.urls import URLPattern

app_name = "dossiers"

urlpatterns: list[URLPattern] = []
