"""The back-office offers only the components this platform has built (catalogue.BUILT_COMPONENTS)."""

from __future__ import annotations

import pytest

from burgerprofiel.agencies import catalogue
from burgerprofiel.agencies.catalogue import Component

pytestmark = pytest.mark.django_db

NOT_BUILT = [Component.FOUTMELDINGEN, Component.AANVRAGEN, Component.BETALINGEN]


def test_the_backoffice_offers_only_built_components(operator_client):
    page = operator_client.get("/backoffice/agencies/agency/add/").content.decode()
    for component in catalogue.BUILT_COMPONENTS:
        assert f'value="{component}"' in page
    for component in NOT_BUILT:
        if not catalogue.is_built(component):
            assert f'value="{component}"' not in page
