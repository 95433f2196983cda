"""DOSIS: dossiers pushed by agencies, their owners and status history (charter 1.1, Bijlage 1 DOSIS).

Free text (names, status detail, action text, the dossier manager's contact) is encrypted with the
agency's data key (DESIGN rule 3). Owners are found through the INSZ blind index that the citizen
model uses too, so the INSZ is never stored in clear here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.models import Agency
from burgerprofiel.crypto.fields import EncryptedJSONField, EncryptedTextField, SealedRow


class Phase(models.TextChoices):
    """The six DOSIS phases, in the order a dossier goes through them."""

    SAMENSTELLING = "Samenstelling", "Samenstelling"
    BEHANDELING = "Behandeling", "Behandeling"
    BESLISSING = "Beslissing", "Beslissing"
    BEROEP = "Beroep", "Beroep"
    UITVOERING = "Uitvoering", "Uitvoering"
    AFGEROND = "Afgerond", "Afgerond"


class DosisSource(models.Model):
    """A DOSIS ``Bron``: the URI an agency's connector names its dossiers under. One agency owns it."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="dosis_sources"
    )
    uri = models.CharField(_("bron-URI"), max_length=500, unique=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("DOSIS-bron")
        verbose_name_plural = _("DOSIS-bronnen")
        ordering = ["uri"]

    def __str__(self) -> str:
        return self.uri


class Dossier(SealedRow):
    agency = models.ForeignKey(Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="dossiers")
    source = models.ForeignKey(DosisSource, verbose_name=_("bron"), on_delete=models.CASCADE, related_name="dossiers")
    number = models.CharField(_("dossiernummer"), max_length=200)
    name = EncryptedTextField(_("naam"), key_from="agency.data_key_id")
    ipdc_product = models.CharField(_("IPDC-product"), max_length=100, blank=True)
    type_code = models.CharField(_("type dossier"), max_length=100, blank=True)
    redirect_url = models.URLField(_("doorverwijzing"), max_length=2000, blank=True)
    # Naam, Dienst, Telefoon, Email, Website, Adres as the upload carried them.
    manager = EncryptedJSONField(_("dossierbeheerder"), key_from="agency.data_key_id", null=True, blank=True)
    # Denormalised from the current status, for the portal's ordering and the retention purge.
    current_phase = models.CharField(_("huidige fase"), max_length=20, choices=Phase.choices)
    current_code = models.CharField(_("huidige statuscode"), max_length=200)
    current_modified_at = models.DateTimeField(_("huidige status gewijzigd op"))
    action_needed = models.BooleanField(_("actie vereist"), default=False)
    closed_at = models.DateTimeField(
        _("afgesloten op"), null=True, blank=True, help_text="Wanneer de fase Afgerond werd."
    )
    # Keyed hash of the dossier-level fields: an identical re-upload is recognised without decrypting.
    content_hash = models.CharField(_("inhoudshash"), max_length=64)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        constraints = [models.UniqueConstraint(fields=["source", "number"], name="dossier_unique_source_number")]
        indexes = [models.Index(fields=["closed_at"], name="dossier_closed_at")]

    def __str__(self) -> str:
        return f"Dossier {self.pk}"


class DossierOwner(models.Model):
    """An ``Agent`` with access: a citizen (INSZ blind index) or an organisation (KBO number)."""

    class Kind(models.TextChoices):
        INSZ = "insz", "Burger (INSZ)"
        KBO = "kbo", "Organisatie (KBO)"

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="owners")
    kind = models.CharField(_("soort"), max_length=4, choices=Kind.choices)
    # For INSZ: the citizens app's blind index; for KBO: the ten digits (an organisation, not a person).
    key = models.CharField(_("sleutel"), max_length=64)

    class Meta:
        verbose_name = _("dossierhouder")
        verbose_name_plural = _("dossierhouders")
        constraints = [models.UniqueConstraint(fields=["dossier", "kind", "key"], name="dossier_owner_unique")]
        indexes = [models.Index(fields=["kind", "key"], name="dossier_owner_lookup")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} van dossier {self.dossier_id}"


class DossierStatus(SealedRow):
    """One entry of a dossier's history; the one with the newest ``modified_at`` is current."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="statuses")
    agency = models.ForeignKey(Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="+")
    phase = models.CharField(_("fase"), max_length=20, choices=Phase.choices)
    code = models.CharField(_("statuscode"), max_length=200)
    detail = EncryptedTextField(_("detail"), key_from="agency.data_key_id", blank=True, default="")
    action_needed = models.BooleanField(_("actie vereist"), default=False)
    action_text = EncryptedTextField(_("vereiste actie"), key_from="agency.data_key_id", blank=True, default="")
    modified_at = models.DateTimeField(_("wijzigingsdatum"))
    content_hash = models.CharField(_("inhoudshash"), max_length=64)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossierstatus")
        verbose_name_plural = _("dossierstatussen")
        ordering = ["-modified_at"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "modified_at"], name="dossier_status_unique_modified_at")
        ]

    def __str__(self) -> str:
        return f"{self.phase} / {self.code}"


class DossierUpload(SealedRow):
    """An accepted upload: the queue of the processing task and, afterwards, the agency's result.

    The payload is kept (encrypted) only until it is processed; the result row carries no personal
    data beyond the dossier's identification, and goes when the dossier goes.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Te verwerken"
        DONE = "done", "Verwerkt"
        FAILED = "failed", "Mislukt"

    # Both keys lead an index in Meta, which serves them alone too: no separate index per key.
    agency = models.ForeignKey(
        Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="dosis_uploads", db_index=False
    )
    source = models.ForeignKey(
        DosisSource, verbose_name=_("bron"), on_delete=models.CASCADE, related_name="uploads", db_index=False
    )
    dossier_number = models.CharField(_("dossiernummer"), max_length=200)
    upload_id = models.CharField(_("upload-id"), max_length=100)
    client_id = models.CharField(_("client-id"), max_length=64)
    order_version_id = models.BigIntegerField(_("id van de opdrachtversie"), null=True)
    payload = EncryptedJSONField(_("inhoud"), key_from="agency.data_key_id", null=True, blank=True)
    state = models.CharField(_("toestand"), max_length=8, choices=State.choices, default=State.PENDING)
    errors = models.JSONField(
        _("fouten"), default=list, blank=True, help_text="Omschrijvingen zonder persoonsgegevens."
    )
    outcome = models.CharField(_("uitkomst"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("ontvangen op"), auto_now_add=True)
    processed_at = models.DateTimeField(_("verwerkt op"), null=True, blank=True)
    # What the audit event of a single upload's acceptance names: it is written in the same statement
    # as this row, before the database has given the row its id.
    ref = models.UUIDField(_("referentie"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("DOSIS-upload")
        verbose_name_plural = _("DOSIS-uploads")
        indexes = [
            # The queue: only pending rows, so that it stays as small as the queue whatever the table
            # holds (results are kept, and a bulk request writes its rows done: ``filing_inline``).
            models.Index(fields=["id"], name="dosis_upload_queue", condition=models.Q(state="pending")),
            models.Index(fields=["source", "dossier_number"], name="dosis_upload_dossier"),
            models.Index(fields=["agency", "upload_id"], name="dosis_upload_upload_id"),
        ]

    def __str__(self) -> str:
        return f"Upload {self.upload_id}"


class DossierStatusChange(models.Model):
    """Outbox of real status changes, one row per owner a melding can reach, for the notifications capability.

    The notifications worker claims unprocessed rows (``processed_at`` empty), resolves the owner
    (an INSZ owner's ``key`` equals ``Citizen.insz_index``) and sets ``processed_at``.
    """

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="status_changes"
    )
    owner = models.ForeignKey(
        DossierOwner, verbose_name=_("eigenaar"), on_delete=models.CASCADE, related_name="status_changes"
    )
    # No database constraint: the status history is partitioned by month on PostgreSQL, and a key into
    # a partitioned table would need the partition key too (migration 0004). Deletes still cascade.
    status = models.ForeignKey(
        DossierStatus, verbose_name=_("status"), on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    agency = models.ForeignKey(Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    processed_at = models.DateTimeField(_("verwerkt op"), null=True, blank=True)

    class Meta:
        verbose_name = _("statuswijziging (outbox)")
        verbose_name_plural = _("statuswijzigingen (outbox)")
        indexes = [models.Index(fields=["processed_at", "id"], name="dossier_change_outbox")]

    def __str__(self) -> str:
        return f"Statuswijziging {self.pk}"
