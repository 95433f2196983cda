"""An agency's DOSIS sources (``Bron`` URIs): registered by the operator, looked up per agency.

Design note. A Bron names whose dossiers an upload is about, so it belongs to one agency, and every
lookup is scoped to the calling agency: another agency's Bron answers exactly as an unknown one does
(404, DESIGN rule 6), so an agency cannot learn which sources others have.
"""

from __future__ import annotations

from django.db import transaction

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import NotFound, ValidationError
from burgerprofiel.dossiers.models import DosisSource


class UnknownSource(NotFound):
    code = "bron-onbekend"


def dosis_source_register(*, agency: Agency, uri: str, actor: Actor) -> DosisSource:
    uri = uri.strip()
    if not uri or len(uri) > 500:
        raise ValidationError("Een bron-URI telt 1 tot 500 tekens.", extra={"field": "uri"})
    with transaction.atomic():
        existing = DosisSource.objects.filter(uri=uri).first()
        if existing is not None:
            if existing.agency_id != agency.pk:
                raise ValidationError("Deze bron behoort al tot een andere instantie.", extra={"field": "uri"})
            return existing
        source = DosisSource.objects.create(agency=agency, uri=uri)
        audit_record(
            actor=actor,
            action=AuditAction.DOSIS_SOURCE_REGISTERED,
            agency_id=agency.pk,
            target=source,
            detail={"uri": uri},
        )
    return source


def source_of(*, agency_id: int, uri: str) -> DosisSource:
    """The agency's own source, else ``UnknownSource``: another agency's is as unknown as a missing one."""
    source = DosisSource.objects.filter(uri=uri, agency_id=agency_id).first()
    if source is None:
        raise UnknownSource("Onbekende bron voor uw instantie.", extra={"bron": uri})
    return source


def source_ids_of(*, agency_id: int) -> dict[str, int]:
    """The agency's sources, URI to id: one read for a bulk request's lines."""
    return dict(DosisSource.objects.filter(agency_id=agency_id).values_list("uri", "pk"))
