"""Portal pages of personal_data (mounted under the portal's root)."""

from django.urls import path

from burgerprofiel.personal_data import views

app_name = "personal_data"

urlpatterns = [
    path("uw-gegevens", views.uw_gegevens, name="uw-gegevens"),
]
