from __future__ import annotations

from burgerprofiel.citizens.insz import insz_index
from burgerprofiel.citizens.models import Citizen


def citizen_by_insz(*, insz: str) -> Citizen | None:
    return Citizen.objects.filter(insz_index=insz_index(insz)).first()
