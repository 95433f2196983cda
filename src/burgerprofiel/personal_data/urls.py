"""Portal pages of personal_data (mounted under the portal's root)."""

from django.urls import URLPattern

app_name = "personal_data"

urlpatterns: list[URLPattern] = []
