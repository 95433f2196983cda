"""Encrypted values are bound to their row (issue 11 item 12e), whichever way the row was written.

The intruder of these tests can write the database (copy a ciphertext from one row into another of
the same column) but holds no key. Before ``bp3`` such a copy decrypted as the source row's value.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import uuid

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import isolate_apps
from django.utils import timezone

from burgerprofiel.agencies.models import Agency, ContactPerson
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.citizens.services import citizen_get_or_create, citizens_create_many
from burgerprofiel.crypto.checks import encrypted_rows_bound, models_without_row_identity
from burgerprofiel.crypto.fields import (
    EncryptedTextField,
    SealedRow,
    Sealer,
    SealIdField,
    SealMismatch,
    encrypted_fields_of,
    row_identity_field,
)
from burgerprofiel.crypto.services import KeyUnwrapError, ciphertexts_reseal, forget_cached_keys
from burgerprofiel.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _raw(model: type[models.Model], column: str, pk: object) -> str:
    table, pk_column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {pk_column} = %s", [_db(pk)])
        return str(cursor.fetchone()[0])


def _write(model: type[models.Model], column: str, pk: object, value: str) -> None:
    table, pk_column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s", [value, _db(pk)])


def _db(pk: object) -> object:
    """A UUID primary key as the raw cursor of the dialect compares it (SQLite: 32 hex digits)."""
    if isinstance(pk, uuid.UUID) and connection.vendor != "postgresql":
        return pk.hex
    return pk


def _copy(model: type[models.Model], column: str, source: object, target: object) -> None:
    """The attack: the source row's ciphertext written into the target row, same table and column."""
    _write(model, column, target, _raw(model, column, source))


# --- every model has a row identity ----------------------------------------------------------------


def test_every_model_with_encrypted_fields_binds_them_to_a_row_identity_known_before_the_insert():
    encrypted = [m for m in apps.get_models() if encrypted_fields_of(m)]
    assert len(encrypted) >= 15  # the walk sees the platform's models (more come with new apps)
    for model in encrypted:
        identity = row_identity_field(model)
        assert identity is not None, model
        # Made by the client (a Python default), not by the database's sequence after the INSERT.
        assert identity.has_default() and callable(identity.default), model
        assert isinstance(identity, SealIdField) or identity.primary_key, model
    assert models_without_row_identity(encrypted) == []
    assert encrypted_rows_bound() == []


@isolate_apps("burgerprofiel.crypto")
def test_a_model_with_encrypted_fields_and_no_row_identity_stops_the_platform_from_starting():
    class Unbound(models.Model):
        secret = EncryptedTextField(key_from="data_key_id")

        class Meta:
            app_label = "crypto"

    class Bound(SealedRow):
        secret = EncryptedTextField(key_from="data_key_id")

        class Meta:
            app_label = "crypto"

    class UuidKeyed(models.Model):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        secret = EncryptedTextField(key_from="data_key_id")

        class Meta:
            app_label = "crypto"

    assert models_without_row_identity([Unbound, Bound, UuidKeyed]) == [Unbound]
    [error] = encrypted_rows_bound(models=[Unbound, Bound, UuidKeyed])
    assert error.id == "crypto.E010" and error.obj is Unbound
    assert "Unbound has encrypted fields (secret) but no row identity" in error.msg
    assert "SealedRow" in (error.hint or "")


# --- the copy attack on representative models -----------------------------------------------------


def test_an_agencys_dpo_contact_copied_into_another_agency_does_not_decrypt(agency, other_agency):
    mine = Agency.objects.get(pk=agency.agency_id)
    mine.dpo_email, mine.dpo_name = "dpo@opgroeien.example", "Els Maes"
    mine.save()
    # Another agency's row: with bp2 the value named its own (still live) key and decrypted there.
    _copy(Agency, "dpo_email", mine.pk, other_agency.agency_id)

    with pytest.raises(SealMismatch, match=r"agencies\.Agency\.dpo_email .* moved here from another row"):
        Agency.objects.get(pk=other_agency.agency_id)
    assert Agency.objects.get(pk=mine.pk).dpo_email == "dpo@opgroeien.example"  # the source still reads


def test_a_contact_persons_email_copied_into_another_person_does_not_decrypt(agency):
    first = ContactPerson.objects.create(agency_id=agency.agency_id, name="An", email="an@example.be")
    second = ContactPerson.objects.create(agency_id=agency.agency_id, name="Jan", email="jan@example.be")
    _copy(ContactPerson, "email", first.pk, second.pk)

    with pytest.raises(SealMismatch):
        ContactPerson.objects.get(pk=second.pk)
    with pytest.raises(SealMismatch):  # through a relation too (select_related builds it with from_db)
        list(ContactPerson.objects.select_related("agency").filter(pk=second.pk))


def test_a_notification_message_copied_into_another_notification_does_not_decrypt(agency):
    """Notification has a UUID primary key made before the INSERT: that is its row identity."""
    citizen = citizen_get_or_create(insz="85073003328")
    now = timezone.now()

    def notify(message: str) -> Notification:
        return Notification.objects.create(
            agency_id=agency.agency_id,
            citizen=citizen,
            ipdc_product="1502",
            message=message,
            created_at=now,
            purge_after=now + dt.timedelta(days=30),
        )

    first, second = notify("Uw rijbewijs is klaar."), notify("Uw attest is verstuurd.")
    assert row_identity_field(Notification) is Notification._meta.pk
    _copy(Notification, "message", first.pk, second.pk)

    with pytest.raises(SealMismatch, match=r"notifications\.Notification\.message"):
        Notification.objects.get(pk=second.pk)
    assert Notification.objects.get(pk=first.pk).message == "Uw rijbewijs is klaar."


def test_copying_the_seal_id_along_with_the_value_is_not_enough_to_move_a_value_silently(agency):
    """The seal id is a column like any other: copied too, the target becomes a copy of the source
    row's sealed values, which is what row binding cannot stop by itself. But then the target's other
    encrypted values, sealed for its own seal id, no longer decrypt: the swap does not go unseen."""
    first = ContactPerson.objects.create(agency_id=agency.agency_id, name="An", email="an@example.be")
    second = ContactPerson.objects.create(agency_id=agency.agency_id, name="Jan", email="jan@example.be")
    _copy(ContactPerson, "email", first.pk, second.pk)
    _write(ContactPerson, "seal_id", second.pk, _raw(ContactPerson, "seal_id", first.pk))

    with pytest.raises(SealMismatch, match=r"ContactPerson\.name"):
        ContactPerson.objects.get(pk=second.pk)


# --- write paths -----------------------------------------------------------------------------------


def test_orm_save_seals_for_the_row_and_an_update_keeps_its_seal_id(agency):
    person = ContactPerson.objects.create(agency_id=agency.agency_id, name="An", email="an@example.be")
    seal_id = person.seal_id
    assert _raw(ContactPerson, "email", person.pk).startswith("bp3:")

    person.email = "an.peeters@example.be"
    person.save()
    person = ContactPerson.objects.get(pk=person.pk)
    assert (person.seal_id, person.email) == (seal_id, "an.peeters@example.be")
    person.refresh_from_db(fields=["email"])  # a deferred load through from_db, with the identity
    assert person.email == "an.peeters@example.be"
    assert ContactPerson.objects.only("pk", "name").get(pk=person.pk).email == "an.peeters@example.be"


def test_bulk_create_seals_each_row_for_its_own_identity(agency):
    people = ContactPerson.objects.bulk_create(
        [ContactPerson(agency_id=agency.agency_id, name=f"P{i}", email=f"p{i}@example.be") for i in range(3)]
    )
    stored = list(ContactPerson.objects.order_by("pk"))
    assert [p.email for p in stored] == ["p0@example.be", "p1@example.be", "p2@example.be"]
    assert len({p.seal_id for p in stored}) == 3
    _copy(ContactPerson, "email", stored[0].pk, stored[2].pk)
    with pytest.raises(SealMismatch):
        ContactPerson.objects.get(pk=stored[2].pk)
    assert len(people) == 3


def test_citizens_written_in_bulk_without_the_orm_are_bound_to_their_rows():
    """``citizens_create_many``: COPY on PostgreSQL, bulk INSERT on SQLite; the INSZ is sealed
    before the row has an id, for the seal id written with it."""
    ids = citizens_create_many(insz_values=["85073003328", "90011512363"])
    first, second = (Citizen.objects.get(pk=pk) for pk in ids.values())
    assert {first.insz, second.insz} == {"85073003328", "90011512363"}
    _copy(Citizen, "insz", first.pk, second.pk)
    with pytest.raises(SealMismatch, match=r"citizens\.Citizen\.insz"):
        Citizen.objects.get(pk=second.pk)


def test_values_list_of_an_encrypted_column_refuses_to_pass_for_the_value(agency):
    ContactPerson.objects.create(agency_id=agency.agency_id, name="An", email="an@example.be")
    [stored] = ContactPerson.objects.values_list("email", flat=True)
    with pytest.raises(TypeError, match="through a model instance"):
        str(stored)
    with pytest.raises(TypeError):
        json.dumps(stored)


# --- older formats ---------------------------------------------------------------------------------


def test_a_bp2_value_still_reads_and_keys_reseal_binds_it_to_its_row(agency):
    """``bp2`` (what code before ``crypto.0003`` wrote) is read; ``keys reseal`` makes it ``bp3``."""
    person = ContactPerson.objects.create(agency_id=agency.agency_id, name="An", email="an@example.be")
    key_id = Agency.objects.get(pk=agency.agency_id).data_key_id
    _write(ContactPerson, "email", person.pk, Sealer(key_id, "agencies_contactperson.email").seal(b"oud@example.be"))
    assert ContactPerson.objects.get(pk=person.pk).email == "oud@example.be"

    out = io.StringIO()
    call_command("keys", "reseal", stdout=out)

    assert json.loads(out.getvalue())["values_resealed"] == 1
    assert _raw(ContactPerson, "email", person.pk).startswith("bp3:")
    assert ContactPerson.objects.get(pk=person.pk).email == "oud@example.be"
    assert ciphertexts_reseal() == 0  # safe to run twice
    other = ContactPerson.objects.create(agency_id=agency.agency_id, name="Jan", email="jan@example.be")
    _copy(ContactPerson, "email", person.pk, other.pk)
    with pytest.raises(SealMismatch):
        ContactPerson.objects.get(pk=other.pk)


def test_a_kek_that_does_not_unwrap_the_data_key_is_a_configuration_fault_not_a_moved_value(agency, settings):
    """A wrong ``KEY_ENCRYPTION_KEYS`` fails AES-GCM too (unwrapping the data key); it must not read as a
    value moved between rows, nor let ``keys reseal`` skip every value as if each had been moved."""
    person = ContactPerson.objects.create(agency_id=agency.agency_id, name="An", email="an@example.be")
    settings.KEY_ENCRYPTION_KEYS = "dev1:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    forget_cached_keys()
    with pytest.raises(KeyUnwrapError, match="does not unwrap"):
        ContactPerson.objects.get(pk=person.pk)
    _write(ContactPerson, "email", person.pk, "bp2:" + _raw(ContactPerson, "email", person.pk)[4:])  # to re-seal
    with pytest.raises(KeyUnwrapError):
        ciphertexts_reseal()


@isolate_apps("burgerprofiel.agencies")
def test_a_proxy_of_a_model_with_encrypted_fields_reads_them_decrypted_and_bound(agency):
    """``post_init``'s sender is the exact class: a proxy (as the back-office defines some) is bound too."""

    class ContactPersonView(ContactPerson):
        class Meta:
            proxy = True
            app_label = "agencies"

    first = ContactPerson.objects.create(agency_id=agency.agency_id, name="An", email="an@example.be")
    second = ContactPerson.objects.create(agency_id=agency.agency_id, name="Jan", email="jan@example.be")
    assert ContactPersonView.objects.get(pk=first.pk).email == "an@example.be"
    _copy(ContactPerson, "email", first.pk, second.pk)
    with pytest.raises(SealMismatch):
        ContactPersonView.objects.get(pk=second.pk)
