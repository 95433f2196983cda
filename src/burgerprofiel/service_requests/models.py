"""Requestable services and the requests citizens submit (charter 1.1: "een dienst aanvragen").

An agency publishes a ``RequestableService``: an IPDC product, a title and description, the form
as a JSON Schema (draft 2020-12), the minimum login level and whether a dossier follows. A
``ServiceRequest`` is one citizen's submission; its answers are encrypted with the agency's data
key. When the agency answers with its DOSIS dossier number the request shows in "Mijn dossiers".

    ingediend → dossier (the agency gave its dossier number)
"""

from __future__ import annotations

import uuid

from django.db import models

from burgerprofiel.agencies.models import Agency
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.crypto.fields import EncryptedJSONField, EncryptedTextField


class RequestableService(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="instantie")
    ipdc_product = models.CharField("IPDC-product", max_length=100)
    title = models.CharField("titel", max_length=200)
    description = models.TextField("omschrijving", blank=True)
    form_schema = models.JSONField("formulier (JSON Schema 2020-12)")
    min_acr = models.CharField("minimaal aanmeldniveau (acr)", max_length=20)
    dossier_follows = models.BooleanField("er volgt een dossier", default=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "aan te vragen dienst"
        verbose_name_plural = "aan te vragen diensten"
        ordering = ["title"]
        indexes = [models.Index(fields=["agency", "active"], name="sreq_service_agency_active")]

    def __str__(self) -> str:
        return self.title


class RequestStatus(models.TextChoices):
    INGEDIEND = "ingediend", "Ingediend"
    DOSSIER = "dossier", "Dossier aangemaakt"


class ServiceRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="instantie")
    service = models.ForeignKey(RequestableService, on_delete=models.PROTECT, related_name="requests")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+", verbose_name="burger")
    applicant_name = EncryptedTextField(key_from="agency.data_key_id")
    answers = EncryptedJSONField(key_from="agency.data_key_id")
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.INGEDIEND)
    dossier_number = models.CharField("dossiernummer", max_length=200, blank=True)
    created_at = models.DateTimeField("ingediend")
    updated_at = models.DateTimeField()
    purge_after = models.DateTimeField()

    class Meta:
        verbose_name = "aanvraag"
        verbose_name_plural = "aanvragen"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "created_at"], name="sreq_request_agency_created"),
            models.Index(fields=["citizen", "created_at"], name="sreq_request_citizen_created"),
            models.Index(fields=["purge_after"], name="sreq_request_purge"),
        ]

    def __str__(self) -> str:
        return f"Aanvraag {self.pk}"
