"""A ciphertext is bound to where it belongs: moved elsewhere, it does not decrypt (issue 11 item 12e).

The intruder of these tests can write the database (swap columns of rows) but holds no key.
"""

from __future__ import annotations

import base64
import io
import json
import os
import uuid

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.management import call_command
from django.db import connection

from burgerprofiel.agencies.models import Agency, ContactPerson
from burgerprofiel.audit.keys import data_key_destroy
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.crypto.fields import UNREADABLE
from burgerprofiel.crypto.models import DataKey
from burgerprofiel.crypto.services import ciphertexts_reseal, data_key_material

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def _write(table: str, column: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


def _legacy(plaintext: str, key_id: uuid.UUID) -> str:
    """A value as ``bp1`` sealed it: the associated data was the key id only."""
    nonce = os.urandom(12)
    sealed = AESGCM(data_key_material(key_id)).encrypt(nonce, plaintext.encode(), str(key_id).encode())
    return f"bp1:{key_id.hex}:{base64.b64encode(nonce + sealed).decode()}"


@pytest.fixture
def person(agency) -> ContactPerson:
    return ContactPerson.objects.create(
        agency_id=agency.agency_id, name="Lies Peeters", email="lies@example.be", phone="+32470000000"
    )


def test_a_ciphertext_moved_to_another_column_of_its_row_does_not_decrypt(person):
    _write("agencies_contactperson", "name", person.pk, _raw("agencies_contactperson", "email", person.pk))
    with pytest.raises(InvalidTag):
        ContactPerson.objects.get(pk=person.pk)


def test_a_ciphertext_moved_to_another_table_does_not_decrypt(agency, person):
    _write("agencies_agency", "dpo_email", agency.agency_id, _raw("agencies_contactperson", "email", person.pk))
    with pytest.raises(InvalidTag):
        Agency.objects.get(pk=agency.agency_id)


def test_a_ciphertext_moved_to_another_row_of_the_same_column_does_not_decrypt(agency, person):
    other = ContactPerson.objects.create(agency_id=agency.agency_id, name="Jan", email="jan@example.be")
    _write("agencies_contactperson", "email", other.pk, _raw("agencies_contactperson", "email", person.pk))
    with pytest.raises(InvalidTag):
        ContactPerson.objects.get(pk=other.pk)


def test_values_sealed_before_are_sealed_again_bound_to_their_column(agency, person):
    key_id = Agency.objects.get(pk=agency.agency_id).data_key_id
    _write("agencies_contactperson", "email", person.pk, _legacy("oud@example.be", key_id))
    assert ContactPerson.objects.get(pk=person.pk).email is UNREADABLE  # a bp1 value is not believed as such

    out = io.StringIO()
    call_command("keys", "reseal", stdout=out)

    assert json.loads(out.getvalue())["values_resealed"] == 1
    assert _raw("agencies_contactperson", "email", person.pk).startswith("bp3:")
    assert ContactPerson.objects.get(pk=person.pk).email == "oud@example.be"
    assert ciphertexts_reseal() == 0  # safe to run twice


def test_a_value_whose_key_was_destroyed_before_resealing_stays_unreadable(agency, person):
    key = DataKey.objects.get(pk=Agency.objects.get(pk=agency.agency_id).data_key_id)
    _write("agencies_contactperson", "email", person.pk, _legacy("oud@example.be", key.pk))
    data_key_destroy(key=key, reason="test", actor=TEST_ACTOR)

    assert ciphertexts_reseal() == 0
    assert _raw("agencies_contactperson", "email", person.pk).startswith("bp1:")
    assert ContactPerson.objects.get(pk=person.pk).email is UNREADABLE
