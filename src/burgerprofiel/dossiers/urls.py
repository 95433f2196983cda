"""Portal pages of dossiers (mounted under the portal's root)."""

from django.urls import path

from burgerprofiel.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("mijn-dossiers/", views.dossier_list, name="list"),
    path("mijn-dossiers/<int:dossier_id>/", views.dossier_detail, name="detail"),
]
