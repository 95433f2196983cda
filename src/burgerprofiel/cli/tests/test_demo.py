"""``burgerprofiel demo seed``: the demo agency and citizens for ``make run``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from burgerprofiel.agencies.models import Agency

pytestmark = pytest.mark.django_db


def test_demo_seed_is_repeatable_and_gives_the_first_demo_citizen_two_dossiers():
    from burgerprofiel.citizens.selectors import citizen_by_insz
    from burgerprofiel.cli.management.commands.demo import DEMO_CITIZENS
    from burgerprofiel.dossiers.selectors import dossiers_for_citizen

    call_command("demo", "seed", stdout=io.StringIO())
    call_command("demo", "seed", stdout=io.StringIO())
    assert Agency.objects.count() == 1
    citizen = citizen_by_insz(insz=DEMO_CITIZENS[0])
    dossiers = list(dossiers_for_citizen(citizen=citizen))
    assert len(dossiers) == 2
    assert dossiers[0].action_needed  # the dossier waiting for the citizen comes first
