"""Keys in the back-office: which exist, under which KEK, which were destroyed. Never key material.

Read-only: keys are created by the services that need them, moved by ``keys rewrap`` and
destroyed by crypto-shredding (charter 12.2), each of which keeps its own invariants and audit.
"""

from __future__ import annotations

from django.contrib import admin

from burgerprofiel.backoffice.admin.base import ReadOnlyModelAdmin
from burgerprofiel.backoffice.site import site
from burgerprofiel.crypto.models import DataKey, SigningKey

_DATA_KEY_FIELDS = (
    "id",
    "owner_type",
    "kek_id",
    "created_at",
    "rewrapped_at",
    "destroyed_at",
    "destroyed_reason",
)

_SIGNING_KEY_FIELDS = (
    "kid",
    "algorithm",
    "public_jwk",
    "kek_id",
    "created_at",
    "retired_at",
)


@admin.register(DataKey, site=site)
class DataKeyAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "owner_type", "kek_id", "created_at", "rewrapped_at", "destroyed_at"]
    list_filter = ["owner_type", "kek_id"]
    search_fields = ["id__exact"]
    ordering = ["-created_at"]
    # wrapped_key is deliberately absent: wrapped or not, key material stays out of the back-office.
    fields = _DATA_KEY_FIELDS
    readonly_fields = _DATA_KEY_FIELDS


@admin.register(SigningKey, site=site)
class SigningKeyAdmin(ReadOnlyModelAdmin):
    list_display = ["kid", "algorithm", "kek_id", "created_at", "retired_at"]
    fields = _SIGNING_KEY_FIELDS
    readonly_fields = _SIGNING_KEY_FIELDS
