from __future__ import annotations

from django.db import IntegrityError, transaction

from burgerprofiel.citizens.insz import insz_index, insz_normalise
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.crypto.models import DataKey
from burgerprofiel.crypto.services import data_key_create


def citizen_get_or_create(*, insz: str) -> Citizen:
    """The citizen with this INSZ, created (with a data key of their own) on first sight."""
    normalised = insz_normalise(insz)
    index = insz_index(normalised)
    existing = Citizen.objects.filter(insz_index=index).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Citizen.objects.create(
                insz_index=index,
                insz=normalised,
                data_key=data_key_create(owner_type=DataKey.OwnerType.CITIZEN),
            )
    except IntegrityError:  # created concurrently by another request
        return Citizen.objects.get(insz_index=index)
