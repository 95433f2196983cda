"""Contact preferences against the live platform: the INSZ in the body, the IBAN only with consent."""

from __future__ import annotations

import pytest

from burgerprofiel_client import AgencyClient, NotFound
from conftest import Onboarded
from live_platform import Platform, valid_insz

CITIZEN = """
import json
from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.preferences import consent_texts
from burgerprofiel.preferences.models import ConsentEvent
from burgerprofiel.preferences.services import iban_consent_set, iban_set

citizen = citizen_get_or_create(insz=INSZ)
iban_set(citizen=citizen, iban="BE68 5390 0754 7034", actor=cli_actor("client-tests"))
if CONSENT:
    iban_consent_set(
        citizen=citizen, agency=Agency.objects.get(pk=AGENCY), granted=True,
        text_version=consent_texts.IBAN_CURRENT_VERSION, method=ConsentEvent.Method.PORTAL,
        actor=cli_actor("client-tests"),
    )
print("RESULT", json.dumps({"citizen": citizen.pk}))
"""


def _citizen(platform: Platform, agency: Onboarded, insz: str, *, consent: bool) -> None:
    code = CITIZEN.replace("INSZ", repr(insz)).replace("AGENCY", str(agency.agency_id))
    platform.shell(code.replace("CONSENT", repr(consent)))


def test_the_iban_is_read_with_the_citizens_consent_and_the_insz_in_the_body(
    client: AgencyClient, platform: Platform, secret_agency: Onboarded
) -> None:
    insz = valid_insz(7001)
    _citizen(platform, secret_agency, insz, consent=True)

    preferences = client.preferences.lookup(insz)

    assert preferences.iban == "BE68539007547034"
    assert [(c.channel, c.granted) for c in preferences.consents] == [("iban", True)]
    assert [e.action for e in preferences.ledger] == ["granted"]


def test_without_consent_a_citizen_reads_like_an_unknown_insz(
    client: AgencyClient, platform: Platform, secret_agency: Onboarded
) -> None:
    insz = valid_insz(7002)
    _citizen(platform, secret_agency, insz, consent=False)

    assert client.preferences.lookup(insz) == client.preferences.lookup(valid_insz(7003))
    assert client.preferences.lookup(insz).iban is None


def test_the_old_path_with_the_insz_is_gone(client: AgencyClient) -> None:
    with pytest.raises(NotFound):
        client.request("GET", f"/api/v1/preferences/{valid_insz(7004)}")
