from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One act on personal data, one authentication, one back-office change or one refusal.

    Append-only: the database refuses UPDATE and DELETE (triggers, see migration 0002). No
    personal data in clear lives here: objects are named by type and id, never by content.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Geslaagd"
        REFUSED = "refused", "Geweigerd"
        FAILURE = "failure", "Mislukt"

    occurred_at = models.DateTimeField(db_index=True)
    actor_type = models.CharField(max_length=20)
    actor_id = models.CharField(max_length=128, blank=True)
    agency_id = models.BigIntegerField(null=True, blank=True)  # indexed with occurred_at (Meta)
    order_version_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=80)  # indexed in Meta
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "auditgebeurtenis"
        verbose_name_plural = "auditgebeurtenissen"
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

    index = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.DO_NOTHING, db_constraint=False, related_name="leaf")
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["index"]

    def __str__(self) -> str:
        return f"leaf {self.index}"


class AuditNode(models.Model):
    """The hash of a perfect subtree of the Merkle tree (2^level leaves, level >= 1), written by the
    sealing task when its last leaf is appended; append-only. Proofs read O(log n) of these instead of
    every leaf (``merkle.proof_from_ranges``). Named by its flat-tree position (``merkle.position``)."""

    position = models.BigIntegerField(primary_key=True)
    node_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"node {self.position}"


class TreeHead(models.Model):
    """A signed tree head: the root of the first ``tree_size`` leaves, signed by the platform."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    signature = models.TextField()  # compact JWS over the canonical tree head
    key_id = models.CharField(max_length=64)
    frontier = models.JSONField()

    class Meta:
        ordering = ["tree_size"]
        verbose_name = "ondertekende boomkop"
        verbose_name_plural = "ondertekende boomkoppen"

    def __str__(self) -> str:
        return f"size {self.tree_size} root {self.root_hash[:12]}"


class WitnessedHead(models.Model):
    """A signed tree head an agency has seen and reported: the agency keeps its own copy (a witness).

    The platform keeps what was reported too, so that ``audit verify`` checks the tree against heads
    signed before any later rewrite, and so that an agency can fetch back what it reported.
    """

    agency_id = models.BigIntegerField()
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    signed_tree_head = models.TextField()  # the compact JWS as the agency holds it
    recorded_at = models.DateTimeField()
    # Whether the platform's own head of that size had this root when the agency reported it.
    matched = models.BooleanField()

    class Meta:
        ordering = ["agency_id", "tree_size"]
        constraints = [
            models.UniqueConstraint(fields=["agency_id", "tree_size", "root_hash"], name="audit_witnessed_head_once"),
        ]
        verbose_name = "door een instantie geziene boomkop"
        verbose_name_plural = "door instanties geziene boomkoppen"

    def __str__(self) -> str:
        return f"agency {self.agency_id} saw size {self.tree_size} root {self.root_hash[:12]}"


class FailureTally(models.Model):
    """Repeated failed authentications of one caller in one window, counted instead of recorded one
    by one (``audit.failures``). A working table, not evidence: the first failure of a window is an
    audit event at once, the count of the rest becomes one more when the window closes."""

    key = models.CharField(max_length=64, unique=True)  # a digest of action, caller and window
    window_start = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=80)
    actor_type = models.CharField(max_length=20)
    actor_id = models.CharField(max_length=128, blank=True)
    agency_id = models.BigIntegerField(null=True, blank=True)
    address = models.CharField(max_length=64, blank=True)  # a keyed hash of the caller's address, never the address
    count = models.PositiveIntegerField(default=1)
    reasons = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.action} x{self.count} from {self.window_start:%H:%M}"
