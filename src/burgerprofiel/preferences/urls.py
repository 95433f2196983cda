"""Portal pages of preferences (mounted under the portal's root)."""

from django.urls import URLPattern

app_name = "preferences"

urlpatterns: list[URLPattern] = []
