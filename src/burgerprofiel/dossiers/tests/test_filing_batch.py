"""Set-based filing (``filing_batch``) keeps the outcomes of filing one upload at a time.

A batch files several uploads of one dossier (a new dossier, a newer status, an older one arriving
late, an identical re-upload, an owner change) with a handful of statements; the dossier, its
history, owners, outbox and each upload's outcome must be what filing them one per batch gives.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection

from burgerprofiel.citizens.insz import insz_index
from burgerprofiel.dossiers.models import Dossier, DossierOwner, DossierStatus, DossierStatusChange, DossierUpload
from burgerprofiel.dossiers.schemas import RAADPLEGER, DossierUploadIn
from burgerprofiel.dossiers.services import dossier_uploads_process
from burgerprofiel.dossiers.services.filing_parts import Claimed, filing_values
from burgerprofiel.dossiers.tests.conftest import KBO_OWNER, PARENT_1, PARENT_2, Upload, full_payload, status

SEQUENCE = [
    full_payload(UploadId="a"),
    full_payload(UploadId="b", WijzigingsDatum="2026-11-10T14:00:00+01:00", Status=status("Beslissing", "Goedgekeurd")),
    full_payload(
        UploadId="c",
        Naam="Te laat",
        WijzigingsDatum="2026-10-01T08:00:00+02:00",
        Status=status("Samenstelling", "Ontvangen"),
    ),
    full_payload(UploadId="d", WijzigingsDatum="2026-11-10T14:00:00+01:00", Status=status("Beslissing", "Goedgekeurd")),
    full_payload(
        UploadId="e",
        WijzigingsDatum="2026-11-12T10:00:00+01:00",
        Status=status("Uitvoering", "Betaling gepland", actie=True, tekst="Kijk uw rekening na."),
        Agenten=[{"Identificatie": PARENT_1, "Toegangsrechten": [{"Code": "Raadpleger"}]}],
    ),
    full_payload(
        UploadId="f", WijzigingsDatum="2026-11-02T09:30:00+01:00", Status=status("Behandeling", "Andere tekst")
    ),
]


def _filed(upload: Upload, settings: Any, *, per_batch: int) -> dict[str, Any]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for start in range(0, len(SEQUENCE), per_batch):
        for payload in SEQUENCE[start : start + per_batch]:
            assert upload(payload).status_code == 200
        assert dossier_uploads_process() == len(SEQUENCE[start : start + per_batch])
    dossier = Dossier.objects.get()
    return {
        "dossier": {
            f.attname: getattr(dossier, f.attname)
            for f in Dossier._meta.concrete_fields
            if f.attname not in ("id", "created_at", "seal_id")  # seal_id: drawn at random per run
        },
        "history": [
            (s.phase, s.code, s.detail, s.action_text, s.modified_at) for s in dossier.statuses.order_by("modified_at")
        ],
        "owners": sorted(DossierOwner.objects.values_list("kind", "key")),
        "outbox": sorted(DossierStatusChange.objects.values_list("status__phase", "status__code", "owner__key")),
        "outcomes": dict(DossierUpload.objects.values_list("upload_id", "outcome")),
        "shown": _shown(PARENT_1),
    }


def _shown(insz: str) -> list[tuple[str, str, str]]:
    """What the citizen waits for: the dossier in "Mijn dossiers" (the list the page reads), its
    name decrypted (the COPY path seals it as the ORM path does)."""
    from burgerprofiel.citizens.services import citizen_get_or_create
    from burgerprofiel.dossiers.services import dossier_list_read

    citizen = citizen_get_or_create(insz=insz)
    return [(d.number, d.name, d.current_phase) for d in dossier_list_read(citizen=citizen)]


def test_a_batch_of_one_dossiers_uploads_files_as_one_upload_per_batch_would(
    upload: Upload, settings: Any, known_owners: None
) -> None:
    alone = _filed(upload, settings, per_batch=1)
    for model in (DossierStatusChange, DossierOwner, DossierStatus, Dossier, DossierUpload):
        model.objects.all().delete()

    together = _filed(upload, settings, per_batch=len(SEQUENCE))

    assert together == alone
    assert alone["outcomes"] == {
        "a": "created",
        "b": "updated",
        "c": "history",
        "d": "unchanged",
        "e": "updated",
        "f": "history",
    }
    assert [phase for phase, *_ in alone["history"]] == ["Samenstelling", "Behandeling", "Beslissing", "Uitvoering"]
    assert alone["owners"] == [("insz", insz_index(PARENT_1))]
    assert alone["outbox"]  # both parents are known: the real changes wrote outbox rows, compared above
    dossier = alone["dossier"]
    assert alone["shown"] == [(dossier["number"], dossier["name"], "Uitvoering")]  # compared above too


def test_only_owners_a_melding_can_reach_get_an_outbox_row(upload: Upload, settings: Any) -> None:
    """An organisation and a citizen the platform never saw get no melding: no outbox row is written
    for them (one query per batch decides), yet they own the dossier, which "Mijn dossiers" shows."""
    from burgerprofiel.citizens.services import citizen_get_or_create

    citizen_get_or_create(insz=PARENT_1)  # known; PARENT_2 is not
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    agents = [
        {"Identificatie": insz, "Toegangsrechten": [{"Code": RAADPLEGER}]} for insz in (PARENT_1, PARENT_2, KBO_OWNER)
    ]
    assert upload(full_payload(Agenten=agents)).status_code == 200
    assert dossier_uploads_process() == 1

    assert sorted(DossierOwner.objects.values_list("kind", "key")) == sorted(
        [("insz", insz_index(PARENT_1)), ("insz", insz_index(PARENT_2)), ("kbo", KBO_OWNER)]
    )
    assert list(DossierStatusChange.objects.values_list("owner__key", flat=True)) == [insz_index(PARENT_1)]
    # No melding for PARENT_2, yet the dossier waits in "Mijn dossiers" at their first login.
    number = Dossier.objects.get().number
    assert [n for n, *_ in _shown(PARENT_1)] == [number]
    assert [n for n, *_ in _shown(PARENT_2)] == [number]


def test_a_batch_is_filed_in_a_handful_of_statements_whatever_its_size(
    upload: Upload, settings: Any, django_assert_max_num_queries: Any, known_owners: None
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the set-based statements are PostgreSQL's; SQLite writes the same plan with the ORM")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for i in range(40):
        payload = full_payload(
            UploadId=f"n-{i}", Identificatie={"Bron": SEQUENCE[0]["Identificatie"]["Bron"], "DossierNummer": f"N-{i}"}
        )
        assert upload(payload).status_code == 200
    assert (
        upload(
            full_payload(UploadId="n-0-again", Identificatie=SEQUENCE[0]["Identificatie"] | {"DossierNummer": "N-0"})
        ).status_code
        == 200
    )

    with django_assert_max_num_queries(25):
        assert dossier_uploads_process() == 41

    assert Dossier.objects.count() == 40
    assert DossierStatusChange.objects.count() == 80
    assert set(DossierUpload.objects.values_list("outcome", flat=True)) == {"created", "unchanged"}


# --- reading the queued document ------------------------------------------------------------------


def _as_validated(upload: DossierUploadIn) -> dict[str, Any]:
    """What filing read from the validated model before it read the document itself."""
    actie = upload.Status.Actie
    owners = set()
    for agent in upload.Agenten:
        if agent.may_consult:
            owners.add(("kbo", agent.Identificatie) if agent.is_kbo else ("insz", insz_index(agent.Identificatie)))
    manager = upload.DossierBeheerder.model_dump(exclude_none=True) if upload.DossierBeheerder else None
    return {
        "modified_at": upload.WijzigingsDatum,
        "status": {
            "phase": upload.Status.VlaamsFase.value,
            "code": upload.Status.VlaamsCode,
            "detail": upload.Status.Detail1 or "",
            "action_needed": bool(actie and actie.ActieNodig),
            "action_text": (actie.Actie or "") if actie else "",
        },
        "dossier": {
            "name": upload.Naam,
            "ipdc_product": upload.Producten[0].Id if upload.Producten else "",
            "type_code": upload.TypeDossierCode or "",
            "redirect_url": upload.Doorverwijzing or "",
            "manager": manager or None,
        },
        "owners": owners,
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"Status": {"VlaamsCode": "Ontvangen", "VlaamsFase": "Samenstelling"}},
        {"Status": status("Afgerond", "Uitbetaald", actie=False)},
        {"DossierBeheerder": None, "Producten": None, "Doorverwijzing": None, "TypeDossierCode": None},
        {"DossierBeheerder": {"Naam": "Els", "Adres": {"Gemeente": "Gent"}}},
        {"DossierBeheerder": {"Adres": {}}},
        {"WijzigingsDatum": "2026-11-02T09:30:00"},
        {"WijzigingsDatum": "2026-11-02T08:30:00.123456Z"},
        {
            "Agenten": [
                {"Identificatie": KBO_OWNER, "Toegangsrechten": [{"Code": RAADPLEGER}]},
                {"Identificatie": "85.07.30-033.28", "Toegangsrechten": [{"Code": RAADPLEGER}]},
                {"Identificatie": "90011512363", "Toegangsrechten": [{"Code": "Andere"}]},
            ]
        },
    ],
)
def test_filing_reads_the_queued_document_as_the_validated_upload_says(overrides: dict[str, Any]) -> None:
    validated = DossierUploadIn.model_validate(full_payload(**overrides))
    queued = json.loads(validated.model_dump_json())  # what acceptance seals into the queue
    claimed = Claimed(
        pk=1, agency_id=1, source_id=1, dossier_number="KO-2026-0001", client_id="c", order_version_id=1, payload=queued
    )

    values = filing_values(claimed)

    expected = _as_validated(validated)
    assert values.modified_at == expected["modified_at"]
    assert values.modified_at.isoformat() == expected["modified_at"].isoformat()
    assert values.status_values == expected["status"]
    assert values.dossier_values == expected["dossier"]
    assert values.owners == expected["owners"]
