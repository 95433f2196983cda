"""The back-office login form: password plus a TOTP code (django-otp); both count as failed logins."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from burgerprofiel.staff.services import staff_otp_enrolment_device

# Set once the password was right for a member whose device was reset (``staff_otp_reset``): this
# browser may open the page that sets up the new device (backoffice.admin.staff) for ten minutes.
ENROL_SESSION_KEY = "bp_otp_enrol"
ENROL_SECONDS = 600


class BackofficeAuthenticationForm(OTPAdminAuthenticationForm):
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": "Geef de verificatiecode uit uw authenticator-app.",
        "invalid_token": "Die verificatiecode klopt niet. Probeer het opnieuw met een nieuwe code.",
        "device_required": "Kies het toestel waarmee u zich aanmeldt.",
        "verification_not_allowed": "Aanmelden met dit toestel is tijdelijk geblokkeerd.",
        "not_interactive": "Dit toestel kan geen code sturen; gebruik uw authenticator-app.",
        "enrolment_required": "Uw tweestapsverificatie werd opnieuw ingesteld. Stel eerst uw nieuwe toestel in "
        "(QR-code), daarna meldt u zich aan met een code.",
    }
    enrolment_required = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["otp_token"].label = "Verificatiecode"
        self.fields["otp_token"].widget.attrs.update({"autocomplete": "one-time-code", "inputmode": "numeric"})
        self.fields["otp_device"].label = "Toestel"

    def clean_otp(self, user: Any) -> None:
        """A right password with a wrong or missing code is a failed login too (django-axes counts it).

        A right password of a member whose device was reset (``staff_otp_reset``) leads to setting up a
        new one: this browser may open the QR-code page for a few minutes.
        """
        if staff_otp_enrolment_device(user) is not None and self.request is not None:
            self.request.session[ENROL_SESSION_KEY] = {"user": user.pk, "until": int(time.time()) + ENROL_SECONDS}
            self.enrolment_required = True
            raise ValidationError(self.otp_error_messages["enrolment_required"], code="enrolment_required")
        try:
            super().clean_otp(user)
        except ValidationError:
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=self.request)
            raise

    @property
    def offers_device_choice(self) -> bool:
        return len(self.fields["otp_device"].widget.choices) > 1

    def _chosen_device(self, user: Any) -> Any:
        """The device picked in the form, or else the user's only TOTP device.

        Staff get exactly one TOTP device from ``burgerprofiel staff create``; making them pick it
        from a list after a first failed round trip serves nobody. django-otp refuses to try every
        device in turn (failures would throttle unrelated devices); choosing the single TOTP
        device does not do that.
        """
        device = super()._chosen_device(user)
        if device is None:
            totp = list(TOTPDevice.objects.devices_for_user(user, confirmed=True)[:2])
            if len(totp) == 1:
                device = totp[0]
        return device
