"""Portal pages of preferences (mounted under the portal's root)."""

from django.urls import path

from burgerprofiel.preferences import views

app_name = "preferences"

urlpatterns = [
    path("contactvoorkeuren", views.index, name="index"),
    path("contactvoorkeuren/e-mail", views.email, name="email"),
    path("contactvoorkeuren/e-mail/bevestigen/<str:token>", views.email_confirm, name="email_confirm"),
    path("contactvoorkeuren/gsm", views.mobile, name="mobile"),
    path("contactvoorkeuren/gsm/bevestigen", views.mobile_confirm, name="mobile_confirm"),
    path("contactvoorkeuren/<str:channel>/verwijderen", views.contact_remove, name="remove"),
    path("contactvoorkeuren/rekeningnummer", views.iban, name="iban"),
    path("contactvoorkeuren/toestemming", views.consent, name="consent"),
    path("contactvoorkeuren/uitschrijven/<str:token>", views.unsubscribe, name="unsubscribe"),
]
