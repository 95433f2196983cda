"""Agency info against the live platform: who we are, what the order allows, our contact persons."""

from __future__ import annotations

import pytest

from burgerprofiel_client import AgencyClient, ApiError
from conftest import Onboarded
from live_platform import Platform


def test_me_names_the_agency_and_its_order(client: AgencyClient, secret_agency: Onboarded) -> None:
    me = client.agency.me()

    assert me.processing_order.processing_order_id == secret_agency.processing_order_id
    assert me.processing_order.state == "active"
    assert {c.component for c in me.processing_order.components} == set(me.scopes)


def test_the_order_check_allows_what_was_ordered(client: AgencyClient) -> None:
    check = client.agency.order_check("notificaties", ["insz", "boodschap"])

    assert check.allowed
    assert check.data_categories == ["insz", "boodschap"]


def test_contact_persons_are_read_back_typed(
    client: AgencyClient, platform: Platform, secret_agency: Onboarded
) -> None:
    # The operators keep the list (charter 3.3): the platform's CLI adds, the agency API only reads.
    platform.cli_json(
        "agency", "contact",
        "--agency", str(secret_agency.agency_id),
        "--name", "Els Peeters",
        "--email", "els.peeters@agency.example",
        "--role", "DPO",
    )  # fmt: skip

    people = client.agency.contact_persons()

    assert [(p.name, p.role) for p in people if p.email == "els.peeters@agency.example"] == [("Els Peeters", "DPO")]


def test_an_agency_cannot_add_contact_persons_itself(client: AgencyClient) -> None:
    with pytest.raises(ApiError) as refused:
        client.request(
            "POST", "/api/v1/contact-persons", json={"name": "Mallory", "email": "m@x.example", "role": "DPO"}
        )
    assert refused.value.status == 405
