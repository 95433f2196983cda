from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st
from stdnum.be import nn

from burgerprofiel.audit.keys import data_key_destroy
from burgerprofiel.citizens.insz import insz_normalise
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.citizens.selectors import citizen_by_insz
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.crypto.fields import UNREADABLE
from burgerprofiel.crypto.services import forget_cached_keys

pytestmark = pytest.mark.django_db

# Valid test numbers: born 1985-07-30 (nn), one born after 2000 (leading 2 in the check), a BIS number.
NN_1985 = "85073003328"
BIS = "85473003317"


def test_insz_is_stored_as_blind_index_and_ciphertext_never_in_clear():
    citizen = citizen_get_or_create(insz="85.07.30-033.28")
    with connection.cursor() as cursor:
        cursor.execute("SELECT insz_index, insz FROM citizens_citizen WHERE id = %s", [citizen.pk])
        index, stored = cursor.fetchone()
    assert NN_1985 not in index and NN_1985 not in stored
    assert stored.startswith("bp3:")
    assert Citizen.objects.get(pk=citizen.pk).insz == NN_1985


def test_lookup_by_insz_finds_the_same_citizen_whatever_the_formatting():
    citizen = citizen_get_or_create(insz=NN_1985)
    assert citizen_by_insz(insz="85.07.30-033.28") == citizen
    assert citizen_get_or_create(insz="85 07 30 033 28") == citizen
    assert Citizen.objects.count() == 1


def test_a_bis_number_is_accepted():
    assert insz_normalise(BIS) == BIS


@pytest.mark.parametrize("bad", ["85073003329", "1234", "", "abcdefghijk", "85133003354"])
def test_invalid_insz_numbers_are_refused(bad):
    with pytest.raises(ValidationError):
        insz_normalise(bad)


@given(
    st.dates(min_value=__import__("datetime").date(1920, 1, 1), max_value=__import__("datetime").date(2025, 12, 31)),
    st.integers(1, 997),
)
def test_every_national_number_stdnum_accepts_normalises_to_itself(birth, serial):
    body = birth.strftime("%y%m%d") + f"{serial:03d}"
    base = ("2" + body) if birth.year >= 2000 else body
    check = 97 - int(base) % 97
    number = body + f"{check:02d}"
    assert nn.is_valid(number)
    assert insz_normalise(number) == number


def test_destroying_a_citizens_key_erases_their_identity_but_not_others():
    erased = citizen_get_or_create(insz=NN_1985)
    kept = citizen_get_or_create(insz=BIS)
    data_key_destroy(key=erased.data_key, reason="Recht op gegevenswissing", actor=TEST_ACTOR)
    forget_cached_keys()
    assert Citizen.objects.get(pk=erased.pk).insz is UNREADABLE
    assert Citizen.objects.get(pk=kept.pk).insz == BIS
