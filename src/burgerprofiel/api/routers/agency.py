"""The calling agency itself: who it is, what its order allows, its authorised contact persons."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router

from burgerprofiel.agencies.catalogue import CATEGORIES, Component
from burgerprofiel.agencies.order_check import order_check
from burgerprofiel.agencies.services import agency_read, contact_persons_read
from burgerprofiel.api.auth import agency_request_actor, order_version_of, principal_of
from burgerprofiel.api.schemas import ContactPersonOut, MeOut, OrderCheckOut

router = Router()

# Every category of every component: the values ``category`` may take (which belong to which component
# is the order check's question, answered with 403).
ALL_CATEGORIES = sorted({code for categories in CATEGORIES.values() for code in categories})
if TYPE_CHECKING:
    CategoryCode = str
else:
    CategoryCode = StrEnum("CategoryCode", {code: code for code in ALL_CATEGORIES})


@router.get("/me", response=MeOut, summary="De oproepende instantie en haar verwerkingsopdracht", tags=["instantie"])
def me(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    version = order_version_of(request)
    agency = agency_read(agency_id=principal.agency_id, actor=agency_request_actor(request))
    return {
        "agency_id": agency.pk,
        "agency_name": agency.name,
        "kbo": agency.kbo,
        "client_id": principal.client.client_id,
        "scopes": list(version.components),
        "processing_order": {
            "processing_order_id": version.order_id,
            "version": version.number,
            "state": version.state,
            "valid_from": version.valid_from,
            "valid_until": version.valid_until,
            "components": [
                {
                    "component": c,
                    "label": Component(c).label,
                    "data_categories": version.categories_for(c),
                    "retention_days": version.retention_for(c),
                }
                for c in version.components
            ],
        },
    }


@router.get(
    "/me/order-check",
    response=OrderCheckOut,
    summary="Toets vooraf of de verwerkingsopdracht een component en gegevenscategorieën toelaat",
    tags=["instantie"],
)
def me_order_check(
    request: HttpRequest,
    component: Component,
    category: Annotated[
        list[CategoryCode],
        Query(
            description=(
                "Gegevenscategorieën van die component (charter Bijlage 1). Een categorie die de verwerkingsopdracht "
                "voor de component niet toelaat (ook een van een andere component): 403 category-not-allowed."
            ),
        ),
    ] = [],  # noqa: B006
) -> dict[str, Any]:
    categories = [str(c) for c in category or []]
    principal = principal_of(request)
    version = order_check(
        actor=agency_request_actor(request), agency_id=principal.agency_id, component=component, categories=categories
    )
    return {
        "allowed": True,
        "component": component,
        "data_categories": categories,
        "order_version": version.number,
    }


@router.get(
    "/contact-persons",
    response=list[ContactPersonOut],
    summary="Gemachtigde contactpersonen",
    description=(
        "De personen die vandaag namens uw instantie instructies mogen geven (charter 3.3). De lijst wordt "
        "bijgehouden door de beheerders van het platform (onboarding, back-office); de API leest ze alleen. "
        "Een verlopen machtiging telt niet meer mee."
    ),
    tags=["instantie"],
)
def contact_persons_list(request: HttpRequest) -> list[Any]:
    return contact_persons_read(agency_id=principal_of(request).agency_id, actor=agency_request_actor(request))
