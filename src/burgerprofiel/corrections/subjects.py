"""What a citizen may report an error on, looked up as they saw it (never as they claim it).

An item of "Uw gegevens" is not stored: it is read back from the answer the citizen's session was
just shown (the pull's short per-session cache; a fresh pull when it expired), by source and the
contract's ``items[].id``. A dossier is read through the dossiers capability, scoped to the citizen.
"""

from __future__ import annotations

from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import NotFound
from burgerprofiel.corrections.models import SubjectKind
from burgerprofiel.corrections.services import Subject
from burgerprofiel.dossiers.selectors import dossier_for_citizen
from burgerprofiel.personal_data.services import personal_data_pull


def subject_for_item(*, citizen: Citizen, session_key: str, source_id: int, item_id: str) -> Subject:
    for theme in personal_data_pull(citizen=citizen, session_key=session_key):
        for result in theme.results:
            if result.source_id != source_id:
                continue
            for item in result.items:
                if item.id == item_id:
                    return Subject(
                        kind=SubjectKind.GEGEVEN,
                        agency_id=result.agency_id,
                        label=item.label,
                        shown_value=item.value,
                        source_id=source_id,
                        item_id=item.id,
                        extra={"agency_name": result.agency_name, "theme": theme.name},
                    )
    raise NotFound("Dit gegeven bestaat niet (meer) of is nu niet beschikbaar.")


def subject_for_dossier(*, citizen: Citizen, dossier_id: int) -> Subject:
    dossier = dossier_for_citizen(citizen=citizen, dossier_id=dossier_id)
    return Subject(
        kind=SubjectKind.DOSSIER,
        agency_id=dossier.agency_id,
        label=str(dossier.name),
        shown_value=dossier.current_code,
        dossier_id=dossier.pk,
        dossier_number=dossier.number,
        extra={"agency_name": dossier.agency.name},
    )
