"""Reads of DOSIS dossiers, always scoped: to the calling agency, or to the citizen and their mandates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from burgerprofiel.agencies.selectors import SUSPENDED, AgencyDataSuspended, agencies_not_processing, agency_names
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import NotFound
from burgerprofiel.dossiers.models import DosisSource, Dossier, DossierOwner, DossierStatus, DossierUpload, Phase

RESULTS_LIMIT = 1000


# --- agency side ----------------------------------------------------------------------------------


def dosis_sources_for_agency(*, agency_id: int) -> list[DosisSource]:
    return list(DosisSource.objects.filter(agency_id=agency_id).order_by("uri"))


def dosis_source_for_agency(*, agency_id: int, uri: str) -> DosisSource:
    source = DosisSource.objects.filter(agency_id=agency_id, uri=uri).first()
    if source is None:
        raise NotFound("Onbekende bron voor uw instantie.", extra={"bron": uri})
    return source


def upload_results_for_dossier(*, agency_id: int, bron: str, number: str) -> list[DossierUpload]:
    source = dosis_source_for_agency(agency_id=agency_id, uri=bron)
    return list(
        DossierUpload.objects.select_related("source")
        .filter(source=source, dossier_number=number)
        .order_by("-pk")[:RESULTS_LIMIT]
    )


def upload_results_by_upload_id(*, agency_id: int, upload_id: str) -> list[DossierUpload]:
    return list(
        DossierUpload.objects.select_related("source")
        .filter(agency_id=agency_id, upload_id=upload_id)
        .order_by("-pk")[:RESULTS_LIMIT]
    )


def upload_failures_for_source(*, agency_id: int, bron: str) -> list[DossierUpload]:
    source = dosis_source_for_agency(agency_id=agency_id, uri=bron)
    return list(
        DossierUpload.objects.select_related("source")
        .filter(source=source, state=DossierUpload.State.FAILED)
        .order_by("-pk")[:RESULTS_LIMIT]
    )


def upload_result_out(upload: DossierUpload) -> dict[str, Any]:
    errors = list(upload.errors or [])
    failed = upload.state == DossierUpload.State.FAILED
    return {
        "Identificatie": {"Bron": upload.source.uri, "DossierNummer": upload.dossier_number},
        "UploadId": upload.upload_id,
        "TijdstipVerwerking": upload.processed_at,
        "Succes": None if upload.state == DossierUpload.State.PENDING else not failed,
        "Fout": errors[0]["Omschrijving"] if failed and errors else None,
        "Fouten": errors,
        "VerwerktVoorOpvraging": upload.state == DossierUpload.State.DONE,
    }


# --- citizen side ---------------------------------------------------------------------------------


def mandated_kbos(*, citizen: Citizen) -> frozenset[str]:
    """The KBO numbers this citizen may act for: the extension point for organisation dossiers.

    The platform does not guess: without a mandate source configured (``DOSIS_MANDATE_PROVIDER``,
    the dotted path of a callable ``(citizen) -> iterable of ten-digit KBO numbers``, e.g. backed by
    the Flemish mandate service), a citizen sees no organisation dossiers at all.
    """
    path = getattr(settings, "DOSIS_MANDATE_PROVIDER", "")
    if not path:
        return frozenset()
    provider: Callable[[Citizen], Iterable[str]] = import_string(path)
    return frozenset(str(kbo) for kbo in provider(citizen))


class DossierFilter:
    OPEN = "open"
    CLOSED = "gesloten"
    ALL = "alle"
    CHOICES = (OPEN, CLOSED, ALL)


def _for_citizen(citizen: Citizen) -> QuerySet[Dossier]:
    owned = Q(owners__kind=DossierOwner.Kind.INSZ, owners__key=citizen.insz_index)
    kbos = mandated_kbos(citizen=citizen)
    if kbos:
        owned |= Q(owners__kind=DossierOwner.Kind.KBO, owners__key__in=sorted(kbos))
    # A subquery rather than a join with DISTINCT: a dossier owned by two matching owners shows once.
    return Dossier.objects.filter(pk__in=Dossier.objects.filter(owned).values("pk")).select_related("agency")


def _not_processing(citizen: Citizen) -> dict[int, str]:
    """The agencies with dossiers of this citizen that may not be shown now (charter 2.3)."""
    return agencies_not_processing(agency_ids=_for_citizen(citizen).values_list("agency_id", flat=True).distinct())


def dossiers_for_citizen(*, citizen: Citizen, state: str = DossierFilter.OPEN) -> list[Dossier]:
    """The citizen's dossiers: those needing an action first, then the most recently changed.

    Without the dossiers of an agency whose order is suspended or ended: showing them is
    processing (charter 2.3). ``dossier_agencies_suspended_for_citizen`` names the suspended ones.
    """
    dossiers = _for_citizen(citizen).exclude(agency_id__in=list(_not_processing(citizen)))
    if state == DossierFilter.OPEN:
        dossiers = dossiers.exclude(current_phase=Phase.AFGEROND)
    elif state == DossierFilter.CLOSED:
        dossiers = dossiers.filter(current_phase=Phase.AFGEROND)
    return list(dossiers.order_by("-action_needed", "-current_modified_at", "-pk"))


def dossier_agencies_suspended_for_citizen(*, citizen: Citizen) -> list[str]:
    """The names of the agencies whose dossiers of this citizen are withheld while their order is suspended."""
    stopped = _not_processing(citizen)
    return agency_names(agency_ids=[agency_id for agency_id, why in stopped.items() if why == SUSPENDED])


def dossier_for_citizen(*, citizen: Citizen, dossier_id: int) -> Dossier:
    """One of the citizen's dossiers; ``AgencyDataSuspended`` while its agency's order is suspended."""
    dossier = _for_citizen(citizen).filter(pk=dossier_id).first()
    if dossier is None:
        raise NotFound("Dit dossier bestaat niet of is niet van u.")
    stopped = agencies_not_processing(agency_ids=[dossier.agency_id]).get(dossier.agency_id)
    if stopped == SUSPENDED:
        raise AgencyDataSuspended(dossier.agency.name)
    if stopped is not None:
        raise NotFound("Dit dossier bestaat niet of is niet van u.")
    return dossier


@dataclass(frozen=True)
class TimelineStep:
    phase: str
    state: str  # done | current | next
    statuses: list[DossierStatus]


def dossier_history(*, dossier: Dossier) -> list[DossierStatus]:
    return list(dossier.statuses.select_related("agency").order_by("-modified_at"))


def dossier_timeline(*, dossier: Dossier, history: list[DossierStatus]) -> list[TimelineStep]:
    """The six phases: where the dossier stands, what came before, what may still come.

    ``Beroep`` (appeal) only happens when someone appeals: shown when it occurred, else not as a
    step to come.
    """
    order = list(Phase.values)
    current = order.index(dossier.current_phase)
    seen = {s.phase for s in history}
    steps = []
    for index, phase in enumerate(order):
        statuses = [s for s in history if s.phase == phase]
        if index == current:
            state = "current"
        elif index < current:
            if phase == Phase.BEROEP and phase not in seen:
                continue
            state = "done"
        else:
            if phase == Phase.BEROEP:
                continue
            state = "next"
        steps.append(TimelineStep(phase=phase, state=state, statuses=statuses))
    return steps


def dossier_owner_keys() -> QuerySet[Any]:
    """The blind indexes by which dossiers name their INSZ owners (a subquery: citizens still referred to)."""
    return DossierOwner.objects.filter(kind=DossierOwner.Kind.INSZ).values("key")
