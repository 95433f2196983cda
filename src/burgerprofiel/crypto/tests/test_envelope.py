from __future__ import annotations

import base64
import json
import os
import uuid

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from burgerprofiel.agencies.models import Agency, ContactPerson
from burgerprofiel.agencies.services import contact_person_add
from burgerprofiel.audit.keys import data_key_destroy
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.crypto import keyring, keystore, signing
from burgerprofiel.crypto.fields import UNREADABLE, Sealers, blind_index, encrypted_field, key_id_of
from burgerprofiel.crypto.models import DataKey, SigningKey
from burgerprofiel.crypto.services import (
    PRIME_COLUMNS,
    KeyUnavailable,
    data_key_create,
    data_key_material,
    data_keys_prime,
    data_keys_rewrap,
    forget_cached_keys,
)

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _person(agency_id: int, name: str, email: str) -> ContactPerson:
    return contact_person_add(
        agency=Agency.objects.get(pk=agency_id), name=name, email=email, role="DPO", actor=TEST_ACTOR
    )


def test_personal_data_is_stored_encrypted_and_reads_back_in_clear(agency):
    person = _person(agency.agency_id, "An Peeters", "an.peeters@example.be")
    stored = _raw("agencies_contactperson", "email", person.pk)
    assert "an.peeters" not in stored
    assert stored.startswith("bp3:")
    agency_key = Agency.objects.get(pk=agency.agency_id).data_key_id
    assert stored.split(":")[1] == agency_key.hex
    assert ContactPerson.objects.get(pk=person.pk).email == "an.peeters@example.be"


def test_the_same_value_encrypts_differently_each_time(agency):
    first = _person(agency.agency_id, "Jan", "jan@example.be")
    second = _person(agency.agency_id, "Jan", "jan@example.be")
    assert _raw("agencies_contactperson", "name", first.pk) != _raw("agencies_contactperson", "name", second.pk)


def test_destroying_one_agencys_key_makes_only_its_data_unreadable(agency, other_agency):
    mine = _person(agency.agency_id, "Els Maes", "els@example.be")
    theirs = _person(other_agency.agency_id, "Tom Claes", "tom@example.be")
    key = Agency.objects.get(pk=agency.agency_id).data_key
    data_key_destroy(key=key, reason="Verwerkingsopdracht beëindigd, charter 12.2", actor=TEST_ACTOR)
    forget_cached_keys()

    gone = ContactPerson.objects.get(pk=mine.pk)
    assert gone.email is UNREADABLE and gone.name is UNREADABLE
    assert str(gone.email) == "[onleesbaar: sleutel vernietigd]"
    kept = ContactPerson.objects.get(pk=theirs.pk)
    assert kept.email == "tom@example.be" and kept.name == "Tom Claes"
    destroyed = DataKey.objects.get(pk=key.pk)
    assert destroyed.wrapped_key is None and destroyed.destroyed_at is not None
    assert AuditEvent.objects.filter(action="crypto.data_key.destroy", object_id=str(key.pk)).exists()


def test_a_value_sealed_for_a_row_written_without_the_orm_reads_back_through_its_field(agency):
    """What COPY writes comes from the field's own ``stored``, with the row's key context in place of
    the instance: the ORM then reads it like any saved value."""
    key = Agency.objects.get(pk=agency.agency_id).data_key_id
    field = encrypted_field(ContactPerson, "email")
    seal_id = uuid.uuid4()
    stored = field.stored("an.peeters@example.be", row={"agency.data_key_id": key}, sealers=Sealers(), row_id=seal_id)

    assert key_id_of(stored) == key and "an.peeters" not in stored
    assert field.from_stored(stored, seal_id) == "an.peeters@example.be"
    assert field.stored(None, row={}) is None


def test_a_row_context_without_the_key_its_field_names_is_refused(agency):
    field = encrypted_field(ContactPerson, "email")
    with pytest.raises(KeyError):
        field.stored("an.peeters@example.be", row={"citizen.data_key_id": uuid.uuid4()}, row_id=uuid.uuid4())


def test_encrypted_fields_cannot_be_queried_in_clear(agency):
    _person(agency.agency_id, "Els", "els@example.be")
    with pytest.raises(TypeError):
        list(ContactPerson.objects.filter(email="els@example.be"))


def test_a_new_kek_wraps_new_keys_old_keks_still_unwrap_and_rewrap_moves_everything(agency, settings):
    person = _person(agency.agency_id, "Lies", "lies@example.be")
    signing.current_signing_key()  # made under the old KEK
    old = settings.KEY_ENCRYPTION_KEYS
    new = "rot2:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    with override_settings(KEY_ENCRYPTION_KEYS=f"{new},{old}"):
        forget_cached_keys()
        assert ContactPerson.objects.get(pk=person.pk).email == "lies@example.be"
        moved = data_keys_rewrap()
        assert moved >= 2  # the agency's data key and the platform signing key
        # KEK-wrapped keys (citizens') move; an agency's key stays wrapped by its key-store secret,
        # and that secret's file is what moves to the new KEK.
        assert set(DataKey.objects.filter(destroyed_at__isnull=True).values_list("kek_id", flat=True)) <= {
            "rot2",
            keystore.MARKER,
        }
        assert DataKey.objects.get(pk=Agency.objects.get(pk=agency.agency_id).data_key_id).kek_id == keystore.MARKER
        assert (
            json.loads(
                (keystore.directory() / f"{Agency.objects.get(pk=agency.agency_id).data_key_id}.json").read_text()
            )["kek_id"]
            == "rot2"
        )
        assert set(SigningKey.objects.values_list("kek_id", flat=True)) == {"rot2"}
        assert data_keys_rewrap() == 0  # safe to run twice
    # With only the new KEK configured, everything still reads: the old one can be retired.
    with override_settings(KEY_ENCRYPTION_KEYS=new):
        forget_cached_keys()
        assert ContactPerson.objects.get(pk=person.pk).email == "lies@example.be"
        assert signing.sign_jwt({"sub": "x"}).count(".") == 2


def test_a_wrapped_key_cannot_be_moved_to_another_key_row(agency, other_agency):
    mine = DataKey.objects.get(pk=Agency.objects.get(pk=agency.agency_id).data_key_id)
    theirs = DataKey.objects.get(pk=Agency.objects.get(pk=other_agency.agency_id).data_key_id)
    # Wrapping binds the key id as associated data: swapping ciphertexts fails to unwrap.
    assert mine.kek_id == theirs.kek_id == keystore.MARKER
    with pytest.raises(InvalidTag):
        keystore.unwrap(wrapped=bytes(mine.wrapped_key), key_id=theirs.pk)
    assert keystore.unwrap(wrapped=bytes(mine.wrapped_key), key_id=mine.pk)


def test_blind_index_is_keyed_and_separates_purposes(settings):
    a = blind_index("85073003328", purpose="insz")
    assert a == blind_index("85073003328", purpose="insz")
    assert a != blind_index("85073003328", purpose="other")
    with override_settings(BLIND_INDEX_KEY="another-key"):
        assert blind_index("85073003328", purpose="insz") != a


def test_destroying_an_agency_key_reaches_a_copy_of_the_database_made_before(agency, other_agency):
    """The database copy keeps the wrapped key and the KEK still works; the key-store secret is gone."""
    mine = _person(agency.agency_id, "An", "an@example.be")
    theirs = _person(other_agency.agency_id, "Bert", "bert@example.be")
    key_a = Agency.objects.get(pk=agency.agency_id).data_key
    backup = {row["id"]: row for row in DataKey.objects.values("id", "kek_id", "wrapped_key")}  # the "dump"

    data_key_destroy(key=key_a, reason="test: einde opdracht", actor=TEST_ACTOR)
    assert not keystore.secret_exists(key_a.pk)

    # Restore the copy: every key row as it was before the destruction, same settings (same KEK).
    for key_id, row in backup.items():
        DataKey.objects.filter(pk=key_id).update(
            kek_id=row["kek_id"], wrapped_key=row["wrapped_key"], destroyed_at=None, destroyed_reason=""
        )
    forget_cached_keys()
    assert DataKey.objects.get(pk=key_a.pk).wrapped_key  # the wrapped key is back ...
    assert ContactPerson.objects.get(pk=mine.pk).email is UNREADABLE  # ... and opens nothing
    assert ContactPerson.objects.get(pk=theirs.pk).email == "bert@example.be"  # the other agency reads


def test_an_agency_key_moved_from_the_kek_to_the_key_store_reads_the_same(agency):
    from burgerprofiel.crypto.services import data_key_to_keystore

    person = _person(agency.agency_id, "Lies", "lies@example.be")
    key = Agency.objects.get(pk=agency.agency_id).data_key
    material = keystore.unwrap(wrapped=bytes(key.wrapped_key), key_id=key.pk)
    # As an agency onboarded before the key store had it: wrapped by the KEK.
    key.kek_id, key.wrapped_key = keyring.wrap(data_key=material, key_id=str(key.pk))
    key.save()
    keystore.secret_destroy(key.pk)
    forget_cached_keys()
    assert ContactPerson.objects.get(pk=person.pk).email == "lies@example.be"
    assert data_key_to_keystore(DataKey.objects.get(pk=key.pk))
    assert not data_key_to_keystore(DataKey.objects.get(pk=key.pk))  # safe twice
    forget_cached_keys()
    assert DataKey.objects.get(pk=key.pk).kek_id == keystore.MARKER
    assert keystore.secret_exists(key.pk)
    assert ContactPerson.objects.get(pk=person.pk).email == "lies@example.be"


def test_the_system_check_refuses_a_key_store_that_holds_no_agency_secret(agency, other_agency, settings, tmp_path):
    from burgerprofiel.crypto.checks import key_store_complete

    assert key_store_complete() == []
    key_a = Agency.objects.get(pk=agency.agency_id).data_key
    keystore.secret_destroy(key_a.pk)  # as after restoring a backup from before A's deletion
    assert [m.id for m in key_store_complete()] == ["crypto.W005"]
    settings.KEY_STORE_DIR = str(tmp_path / "empty")  # not mounted: nothing there
    settings.PRODUCTION = True
    assert [m.id for m in key_store_complete()] == ["crypto.E004"]


def test_primed_keys_decrypt_without_a_query_and_absent_or_destroyed_ones_are_left_out(agency):
    live = data_key_create(owner_type=DataKey.OwnerType.CITIZEN)
    gone = data_key_create(owner_type=DataKey.OwnerType.CITIZEN)
    data_key_destroy(key=gone, reason="test", actor=TEST_ACTOR)
    forget_cached_keys()
    rows = list(DataKey.objects.filter(pk__in=[live.pk, gone.pk]).values_list(*PRIME_COLUMNS))
    data_keys_prime([*rows, (None, None, None, None)])  # a row whose LEFT JOINed key was absent

    with CaptureQueriesContext(connection) as queries:
        material = data_key_material(live.pk)
    assert len(queries) == 0 and len(material) == 32
    with pytest.raises(KeyUnavailable, match=str(gone.pk)):  # not cached: looked up, and unavailable
        data_key_material(gone.pk)
