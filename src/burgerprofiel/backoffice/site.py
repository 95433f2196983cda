"""The back-office: Django admin for platform staff, two-factor authentication required."""

from django_otp.admin import OTPAdminSite


class BackofficeSite(OTPAdminSite):
    site_header = "Burgerprofiel backoffice"
    site_title = "Burgerprofiel backoffice"
    index_title = "Beheer van instanties, verwerkingsopdrachten en audit"


site = BackofficeSite(name="backoffice")
