from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One act on personal data, one authentication, one back-office change or one refusal.

    Append-only: the database refuses UPDATE and DELETE (triggers, see migration 0002). No
    personal data in clear lives here: objects are named by type and id, never by content.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Geslaagd"
        REFUSED = "refused", "Geweigerd"
        FAILURE = "failure", "Mislukt"

    occurred_at = models.DateTimeField(_("tijdstip"), db_index=True)
    actor_type = models.CharField(_("soort actor"), max_length=20)
    actor_id = models.CharField(_("actor-id"), max_length=128, blank=True)
    agency_id = models.BigIntegerField(_("instantie-id"), null=True, blank=True)  # indexed with occurred_at (Meta)
    order_version_id = models.BigIntegerField(_("id van de opdrachtversie"), null=True, blank=True)
    action = models.CharField(_("actie"), max_length=80)  # indexed in Meta
    outcome = models.CharField(_("uitkomst"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    object_type = models.CharField(_("soort object"), max_length=80, blank=True)
    object_id = models.CharField(_("object-id"), max_length=128, blank=True)
    purpose = models.CharField(_("doel"), max_length=200, blank=True)
    request_id = models.CharField(_("request-id"), max_length=128, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)
    leaf_hash = models.CharField(_("bladhash"), max_length=64)

    class Meta:
        verbose_name = _("auditgebeurtenis")
        verbose_name_plural = _("auditgebeurtenissen")
        ordering = ["id"]
        # Every event is written once and read rarely: no index more than the readers need. An index
        # declared here, unlike db_index on a CharField, has no second "_like" copy on PostgreSQL
        # (nothing searches actions by prefix).
        indexes = [
            models.Index(fields=["agency_id", "occurred_at"]),  # also serves agency_id alone
            models.Index(fields=["action"], name="audit_event_action"),
            # "Wie bekeek mijn gegevens": every event about one citizen, newest first.
            models.Index(fields=["object_type", "object_id", "occurred_at"], name="audit_event_object_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} ({self.outcome})"


class AuditLeaf(models.Model):
    """The position of an event in the Merkle tree, assigned by the sealing task. Append-only."""

    index = models.BigIntegerField(_("positie"), primary_key=True)
    event = models.OneToOneField(
        AuditEvent, verbose_name=_("gebeurtenis"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="leaf"
    )
    leaf_hash = models.CharField(_("bladhash"), max_length=64)

    class Meta:
        ordering = ["index"]
        verbose_name = _("blad van de auditboom")
        verbose_name_plural = _("bladen van de auditboom")

    def __str__(self) -> str:
        return f"leaf {self.index}"


class AuditNode(models.Model):
    """The hash of a perfect subtree of the Merkle tree (2^level leaves, level >= 1), written by the
    sealing task when its last leaf is appended; append-only. Proofs read O(log n) of these instead of
    every leaf (``merkle.proof_from_ranges``). Named by its flat-tree position (``merkle.position``)."""

    position = models.BigIntegerField(_("positie"), primary_key=True)
    node_hash = models.CharField(_("knoophash"), max_length=64)

    class Meta:
        ordering = ["position"]
        verbose_name = _("knoop van de auditboom")
        verbose_name_plural = _("knopen van de auditboom")

    def __str__(self) -> str:
        return f"node {self.position}"


class TreeHead(models.Model):
    """A signed tree head: the root of the first ``tree_size`` leaves, signed by the platform."""

    tree_size = models.BigIntegerField(_("boomgrootte"), unique=True)
    root_hash = models.CharField(_("wortelhash"), max_length=64)
    signed_at = models.DateTimeField(_("ondertekend op"))
    signature = models.TextField(_("handtekening"))  # compact JWS over the canonical tree head
    key_id = models.CharField(_("sleutel-id"), max_length=64)
    frontier = models.JSONField(_("rand van de boom"))

    class Meta:
        ordering = ["tree_size"]
        verbose_name = _("ondertekende boomkop")
        verbose_name_plural = _("ondertekende boomkoppen")

    def __str__(self) -> str:
        return f"size {self.tree_size} root {self.root_hash[:12]}"


class WitnessedHead(models.Model):
    """A signed tree head an agency has seen and reported: the agency keeps its own copy (a witness).

    The platform keeps what was reported too, so that ``audit verify`` checks the tree against heads
    signed before any later rewrite, and so that an agency can fetch back what it reported.
    """

    agency_id = models.BigIntegerField(_("instantie-id"))
    tree_size = models.BigIntegerField(_("boomgrootte"))
    root_hash = models.CharField(_("wortelhash"), max_length=64)
    signed_tree_head = models.TextField(_("ondertekende boomkop"))  # the compact JWS as the agency holds it
    recorded_at = models.DateTimeField(_("geregistreerd op"))
    # Whether the platform's own head of that size had this root when the agency reported it.
    matched = models.BooleanField(_("komt overeen"))

    class Meta:
        ordering = ["agency_id", "tree_size"]
        constraints = [
            models.UniqueConstraint(fields=["agency_id", "tree_size", "root_hash"], name="audit_witnessed_head_once"),
        ]
        verbose_name = _("door een instantie geziene boomkop")
        verbose_name_plural = _("door instanties geziene boomkoppen")

    def __str__(self) -> str:
        return f"agency {self.agency_id} saw size {self.tree_size} root {self.root_hash[:12]}"


class FailureTally(models.Model):
    """Repeated failed authentications of one caller in one window, counted instead of recorded one
    by one (``audit.failures``). A working table, not evidence: the first failure of a window is an
    audit event at once, the count of the rest becomes one more when the window closes."""

    key = models.CharField(_("sleutel"), max_length=64, unique=True)  # a digest of action, caller and window
    window_start = models.DateTimeField(_("begin van het venster"), db_index=True)
    action = models.CharField(_("actie"), max_length=80)
    actor_type = models.CharField(_("soort actor"), max_length=20)
    actor_id = models.CharField(_("actor-id"), max_length=128, blank=True)
    agency_id = models.BigIntegerField(_("instantie-id"), null=True, blank=True)
    # a keyed hash of the caller's address, never the address
    address = models.CharField(_("adres"), max_length=64, blank=True)
    count = models.PositiveIntegerField(_("aantal"), default=1)
    reasons = models.JSONField(_("redenen"), default=dict)

    class Meta:
        verbose_name = _("telling van mislukte aanmeldingen")
        verbose_name_plural = _("tellingen van mislukte aanmeldingen")

    def __str__(self) -> str:
        return f"{self.action} x{self.count} from {self.window_start:%H:%M}"
