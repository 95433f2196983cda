"""Portal pages of documents (mounted under the portal's root)."""

from django.urls import URLPattern

app_name = "documents"

urlpatterns: list[URLPattern] = []
