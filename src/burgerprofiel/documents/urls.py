"""Portal pages of documents (mounted under the portal's root)."""

from django.urls import path

from burgerprofiel.documents import views

app_name = "documents"

urlpatterns = [
    path("attesten", views.certificates, name="list"),
    path("attesten/<int:source_id>/<int:year>/<str:language>/download", views.certificate_file, name="download"),
]
