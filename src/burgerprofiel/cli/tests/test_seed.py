"""``burgerprofiel seed``: realistic test citizens and dossiers in bulk, as the platform stores them."""

from __future__ import annotations

import io
import json
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum.be import bis, nn

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.insz import insz_normalise
from burgerprofiel.cli.seeding import People, insz_make

pytestmark = pytest.mark.django_db


def _seed(**options):
    out = io.StringIO()
    call_command("seed", no_progress=True, stdout=out, **options)
    return json.loads(out.getvalue())


def test_insz_numbers_are_valid_for_births_before_and_after_2000_and_for_bis_numbers():
    people = People(random.Random(1))  # noqa: S311 - test data
    numbers = [next(people).insz for _ in range(3000)]
    assert len(set(numbers)) == len(numbers)
    assert all(insz_normalise(n) == n for n in numbers)
    bis_numbers = [n for n in numbers if int(n[2:4]) > 12]
    assert bis_numbers and all(bis.is_valid(n) for n in bis_numbers)
    assert {int(n[2:4]) // 20 for n in bis_numbers} == {1, 2}  # month + 20 and month + 40
    national = [n for n in numbers if n not in bis_numbers]
    assert all(nn.is_valid(n) for n in national)
    # born from 2000 on: only valid with the leading 2 in the check
    assert any(nn.get_birth_date(n).year >= 2000 for n in national)
    assert any(nn.get_birth_date(n).year < 2000 for n in national)


def test_insz_make_computes_the_check_digits_with_a_2_for_births_from_2000():
    import datetime as dt

    assert insz_make(born=dt.date(1985, 7, 30), serial=33) == "85073003328"
    assert insz_normalise(insz_make(born=dt.date(2001, 1, 1), serial=1)) == "01010100126"


def test_seeded_citizens_see_their_dossiers_in_the_portal_selectors():
    from burgerprofiel.citizens.selectors import citizen_by_insz
    from burgerprofiel.dossiers.selectors import DossierFilter, dossier_history, dossiers_for_citizen

    result = _seed(citizens=9, dossiers_per_citizen=3, random_seed=5)
    assert result["citizens"] == 9
    assert result["dossiers"] == 27
    people = People(random.Random(5))  # noqa: S311 - the same seed gives the same people
    persons = [next(people) for _ in range(9)]
    for i, person in enumerate(persons):
        citizen = citizen_by_insz(insz=person.insz)
        assert citizen is not None
        assert citizen.insz == person.insz  # sealed with the citizen's own key, reads back
        seen = dossiers_for_citizen(citizen=citizen, state=DossierFilter.ALL)
        shared = 3 if i + 1 < len(persons) and (i + 1) % 8 == 0 else 0  # the next one shares theirs
        assert len(seen) == 3 + shared
        for dossier in seen:
            history = dossier_history(dossier=dossier)
            assert history and history[0].modified_at == dossier.current_modified_at
            assert isinstance(dossier.name, str) and dossier.name
            assert dossier.manager["Dienst"]


def test_each_seed_batch_is_audited():
    _seed(citizens=5, dossiers_per_citizen=2, batch=2)
    events = AuditEvent.objects.filter(action=AuditAction.DOSSIERS_SEEDED)
    assert events.count() == 3
    assert sum(e.detail["count"] for e in events) == 10


def test_seeding_twice_adds_dossiers_for_the_same_citizens():
    from burgerprofiel.citizens.models import Citizen

    _seed(citizens=3, dossiers_per_citizen=1)
    result = _seed(citizens=3, dossiers_per_citizen=1)
    assert result["dossiers"] == 3
    assert Citizen.objects.count() == 3


def test_seed_is_refused_in_production(settings):
    from burgerprofiel.citizens.models import Citizen

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="productie"):
        _seed(citizens=1, dossiers_per_citizen=1)
    assert not Citizen.objects.exists()
