"""Contact preferences (Bijlage 1 "Contactvoorkeuren").

Contact data is the citizen's own: it is encrypted with the citizen's data key, so shredding that
key erases it everywhere. Consent has two tables: ``Consent`` is the current answer per agency ×
IPDC product × channel (what delivery reads), ``ConsentEvent`` is the append-only ledger of every
grant and withdrawal with the text version the citizen saw (what proves it; the database refuses
UPDATE on it).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.models import Agency
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.crypto.fields import EncryptedTextField, SealedRow


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Sms"


class ConsentSubject(models.TextChoices):
    """What a consent is about: a delivery channel for one IPDC product, or the IBAN for an agency.

    E-mail and SMS consent is per agency × IPDC product (which messages may be sent); the IBAN is
    consented per agency (``ipdc_product`` is empty): Bijlage 1 gives contact preferences to an
    agency only "met expliciete toestemming" of the citizen.
    """

    EMAIL = "email", "E-mail"
    SMS = "sms", "Sms"
    IBAN = "iban", "Rekeningnummer"


IBAN_SCOPE = ""  # the ``ipdc_product`` of an IBAN consent: it holds for the whole agency


class ContactPreference(SealedRow):
    citizen = models.OneToOneField(
        Citizen, verbose_name=_("burger"), on_delete=models.CASCADE, related_name="contact_preference"
    )
    email = EncryptedTextField(_("e-mailadres"), key_from="citizen.data_key_id", null=True, blank=True)
    email_verified_at = models.DateTimeField(_("e-mailadres bevestigd op"), null=True, blank=True)
    mobile = EncryptedTextField(_("gsm-nummer"), key_from="citizen.data_key_id", null=True, blank=True)
    mobile_verified_at = models.DateTimeField(_("gsm-nummer bevestigd op"), null=True, blank=True)
    iban = EncryptedTextField(_("rekeningnummer"), key_from="citizen.data_key_id", null=True, blank=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("contactvoorkeur")
        verbose_name_plural = _("contactvoorkeuren")

    def __str__(self) -> str:
        return f"Contactvoorkeuren van burger {self.citizen_id}"


class Verification(SealedRow):
    """A pending check that the citizen controls an address: a link by e-mail or a code by SMS."""

    citizen = models.ForeignKey(
        Citizen, verbose_name=_("burger"), on_delete=models.CASCADE, related_name="verifications"
    )
    channel = models.CharField(_("kanaal"), max_length=8, choices=Channel.choices)
    address = EncryptedTextField(_("adres"), key_from="citizen.data_key_id")
    secret_hash = models.CharField(_("hash van de code"), max_length=64, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    expires_at = models.DateTimeField(_("verloopt op"))
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)

    class Meta:
        verbose_name = _("verificatie")
        verbose_name_plural = _("verificaties")

    def __str__(self) -> str:
        return f"Verificatie {self.channel} van burger {self.citizen_id}"


class Consent(models.Model):
    citizen = models.ForeignKey(Citizen, verbose_name=_("burger"), on_delete=models.CASCADE, related_name="consents")
    agency = models.ForeignKey(Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="consents")
    ipdc_product = models.CharField(_("IPDC-product"), max_length=200, blank=True)
    channel = models.CharField(_("kanaal"), max_length=8, choices=ConsentSubject.choices)
    granted = models.BooleanField(_("gegeven"))
    text_version = models.CharField(_("tekstversie"), max_length=40)
    updated_at = models.DateTimeField(_("gewijzigd op"))

    class Meta:
        verbose_name = _("toestemming")
        verbose_name_plural = _("toestemmingen")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen", "agency", "ipdc_product", "channel"], name="unique_consent_scope"
            )
        ]

    def __str__(self) -> str:
        return f"Toestemming {self.channel} {self.ipdc_product} ({'ja' if self.granted else 'nee'})"


class ConsentEvent(models.Model):
    """One grant or withdrawal, as the citizen gave it. Never changed (trigger refuses UPDATE)."""

    class Action(models.TextChoices):
        GRANTED = "granted", "Gegeven"
        WITHDRAWN = "withdrawn", "Ingetrokken"

    class Method(models.TextChoices):
        PORTAL = "portal", "Via het portaal"
        ONE_CLICK = "one_click", "Uitschrijflink in e-mail (RFC 8058)"
        # ``burgerprofiel demo seed`` (development only, refused in production): a seeded fact, shown
        # as such in the citizen's ledger, never a consent a real citizen gave.
        DEMO_SEED = "demo_seed", "Demogegevens van make run, niet door de burger gegeven"

    citizen = models.ForeignKey(
        Citizen, verbose_name=_("burger"), on_delete=models.CASCADE, related_name="consent_events"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="consent_events"
    )
    ipdc_product = models.CharField(_("IPDC-product"), max_length=200, blank=True)
    channel = models.CharField(_("kanaal"), max_length=8, choices=ConsentSubject.choices)
    action = models.CharField(_("handeling"), max_length=10, choices=Action.choices)
    text_version = models.CharField(_("tekstversie"), max_length=40)
    text_sha256 = models.CharField(_("SHA-256 van de tekst"), max_length=64)
    method = models.CharField(_("wijze"), max_length=12, choices=Method.choices)
    request_id = models.CharField(_("request-id"), max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("geregistreerd op"))

    class Meta:
        verbose_name = _("toestemmingsregistratie")
        verbose_name_plural = _("toestemmingsregister")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.channel} {self.ipdc_product} op {self.recorded_at:%Y-%m-%d %H:%M}"
