"""The citizen portal's URLs (Dutch paths): its own pages and those of each capability.

Each area keeps its URL namespace (``portal:``, ``dossiers:``, ``notifications:``,
``preferences:``, ``personal_data:``, ``documents:``, ``corrections:``, ``service_requests:``,
``payments:``), so ``reverse("dossiers:list")`` reads the same wherever it is called from.
"""

from django.urls import include, path

from burgerprofiel.portal.views import (
    account,
    corrections,
    documents,
    dossiers,
    notifications,
    payments,
    personal_data,
    preferences,
    service_requests,
    subject_requests,
)

portal_patterns = [
    path("", account.home, name="home"),
    path("overzicht", account.overview, name="overview"),
    path("aanmelden", account.login, name="login"),
    path("aanmelden/start", account.login_start, name="login-start"),
    path("oidc/callback", account.oidc_callback, name="oidc-callback"),
    path("afmelden", account.logout, name="logout"),
    path("afgemeld", account.logged_out, name="logged-out"),
    path("taal", account.language, name="language"),
    path("wie-bekeek-mijn-gegevens", account.access_log, name="access-log"),
]

dossier_patterns = [
    path("mijn-dossiers/", dossiers.dossier_list, name="list"),
    path("mijn-dossiers/<int:dossier_id>/", dossiers.dossier_detail, name="detail"),
]

notification_patterns = [
    path("meldingen", notifications.notification_list, name="list"),
    path("meldingen/alles-gelezen", notifications.notification_read_all, name="read_all"),
    path("meldingen/<uuid:pk>", notifications.notification_detail, name="detail"),
    path("meldingen/<uuid:pk>/gelezen", notifications.notification_read, name="read"),
]

preference_patterns = [
    path("contactvoorkeuren", preferences.index, name="index"),
    path("contactvoorkeuren/e-mail", preferences.email, name="email"),
    path("contactvoorkeuren/e-mail/bevestigen/<str:token>", preferences.email_confirm, name="email_confirm"),
    path("contactvoorkeuren/gsm", preferences.mobile, name="mobile"),
    path("contactvoorkeuren/gsm/bevestigen", preferences.mobile_confirm, name="mobile_confirm"),
    path("contactvoorkeuren/<str:channel>/verwijderen", preferences.contact_remove, name="remove"),
    path("contactvoorkeuren/rekeningnummer", preferences.iban, name="iban"),
    path("contactvoorkeuren/rekeningnummer/toestemming", preferences.iban_consent, name="iban_consent"),
    path("contactvoorkeuren/toestemming", preferences.consent, name="consent"),
    path("contactvoorkeuren/uitschrijven/<str:token>", preferences.unsubscribe, name="unsubscribe"),
]

personal_data_patterns = [
    path("uw-gegevens", personal_data.uw_gegevens, name="uw-gegevens"),
]

document_patterns = [
    path("attesten", documents.certificates, name="list"),
    path("attesten/<int:source_id>/<int:year>/<str:language>/download", documents.certificate_file, name="download"),
]

correction_patterns = [
    path("uw-gegevens/fout-melden", corrections.report_on_item, name="report-item"),
    path("mijn-dossiers/<int:dossier_id>/fout-melden", corrections.report_on_dossier, name="report-dossier"),
    path("foutmeldingen/", corrections.report_list, name="list"),
    path("foutmeldingen/<uuid:report_id>/", corrections.report_detail, name="detail"),
    path("foutmeldingen/<uuid:report_id>/bericht", corrections.report_message, name="message"),
]

service_request_patterns = [
    path("aanvragen/", service_requests.service_list, name="list"),
    path("aanvragen/<uuid:service_id>/", service_requests.service_form, name="form"),
    path("aanvragen/ingediend/<uuid:request_id>/", service_requests.request_submitted, name="submitted"),
    path(
        "aanvragen/ingediend/<uuid:request_id>/ontvangstbewijs.pdf",
        service_requests.request_receipt,
        name="receipt",
    ),
]

payment_patterns = [
    path("betalingen", payments.payment_list, name="list"),
    path("betalingen/<uuid:payment_id>", payments.payment_detail, name="detail"),
    path("betalingen/<uuid:payment_id>/betalen", payments.payment_pay, name="pay"),
    path("betalingen/<uuid:payment_id>/terug", payments.payment_returned, name="returned"),
    path("betalingen/<uuid:payment_id>/betalingsbewijs.pdf", payments.payment_receipt, name="receipt"),
]

subject_request_patterns = [
    path("uw-rechten", subject_requests.index, name="index"),
    path("uw-rechten/verzoek", subject_requests.new, name="new"),
    path("uw-rechten/al-mijn-gegevens.<str:fmt>", subject_requests.export, name="export"),
    path("verwerkingscharter", subject_requests.charter, name="charter"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("", include((dossier_patterns, "dossiers"))),
    path("", include((notification_patterns, "notifications"))),
    path("", include((preference_patterns, "preferences"))),
    path("", include((personal_data_patterns, "personal_data"))),
    path("", include((document_patterns, "documents"))),
    path("", include((correction_patterns, "corrections"))),
    path("", include((service_request_patterns, "service_requests"))),
    path("", include((payment_patterns, "payments"))),
    path("", include((subject_request_patterns, "subject_requests"))),
]
