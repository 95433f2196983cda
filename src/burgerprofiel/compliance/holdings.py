"""Where the platform holds an agency's data: one registry for every duty that must find it all.

Design note (charter 7, 12.2): returning, deleting, exporting, restricting or erasing an agency's data
is only complete if it reaches every table that holds some. This registry names each such model once,
with how to select the rows of one agency, and of one agency + one citizen (the INSZ blind index,
never the INSZ itself), and the order to delete in (children before what they point to). A model
that holds an agency's data but cannot be selected per citizen says why.

Models that point to an agency or a citizen but are *not* the agency's data (the platform's own
accountability records, the citizen's own profile) are declared in ``NOT_AGENCY_DATA`` with the
reason. ``compliance/tests/test_holdings.py`` walks every installed model and fails on one that is
in neither list, so a new model cannot be forgotten by offboarding or erasure.

Other compliance apps add their own models with ``register`` (e.g. in their ``AppConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet

Selector = Callable[[int], Q]
CitizenSelector = Callable[[int, str], Q]


@dataclass(frozen=True)
class Holding:
    """One model holding an agency's data.

    ``component``: the name a bundle or certificate counts it under. ``agency``: a ``Q`` selecting the
    rows of one agency (by agency id). ``citizen``: a ``Q`` selecting those of one agency and one
    citizen (agency id, INSZ blind index), or None with ``no_citizen_reason``. ``delete_order``: lower
    first; a model comes before every model it points to.
    """

    label: str
    component: str
    agency: Selector
    delete_order: int
    citizen: CitizenSelector | None = None
    no_citizen_reason: str = ""
    # Rows whose deletion the database cascades from another holding's (one-to-one children): counted,
    # exported and checked, but deleted through their parent when a model refuses a direct delete.
    exported: bool = True

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    def rows_of_agency(self, agency_id: int) -> QuerySet[models.Model]:
        return self.model._default_manager.filter(self.agency(agency_id))

    def rows_of_citizen(self, agency_id: int, insz_index: str) -> QuerySet[models.Model]:
        if self.citizen is None:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(self.agency(agency_id) & self.citizen(agency_id, insz_index))


def _agency(path: str = "agency") -> Selector:
    return lambda agency_id: Q(**{f"{path}_id": agency_id})


def _citizen(path: str = "citizen") -> CitizenSelector:
    return lambda _agency_id, insz_index: Q(**{f"{path}__insz_index": insz_index})


def _dossier_owner(path: str = "") -> CitizenSelector:
    prefix = f"{path}__" if path else ""
    return lambda _agency_id, insz_index: Q(**{f"{prefix}owners__kind": "insz", f"{prefix}owners__key": insz_index})


def _upload_of_citizen(agency_id: int, insz_index: str) -> Q:
    """DOSIS uploads (the queue and the agency's results) of the citizen's dossiers: same source and number."""
    from burgerprofiel.dossiers.models import Dossier

    pairs = Dossier.objects.filter(agency_id=agency_id, owners__kind="insz", owners__key=insz_index).values_list(
        "source_id", "number"
    )
    q = Q(pk__in=[])
    for source_id, number in pairs:
        q |= Q(source_id=source_id, dossier_number=number)
    return q


def _idempotency_of_agency(agency_id: int) -> Q:
    from burgerprofiel.agencies.models import ApiClient

    return Q(client_id__in=list(ApiClient.objects.filter(agency_id=agency_id).values_list("client_id", flat=True)))


_REGISTRY: dict[str, Holding] = {}


def register(holding: Holding) -> None:
    _REGISTRY[holding.label] = holding


def holdings() -> list[Holding]:
    """Every registered holding, in the order to delete in."""
    return sorted(_REGISTRY.values(), key=lambda h: (h.delete_order, h.label))


def holding_for(label: str) -> Holding | None:
    return _REGISTRY.get(label)


def components() -> Iterator[str]:
    seen: set[str] = set()
    for holding in holdings():
        if holding.component not in seen:
            seen.add(holding.component)
            yield holding.component


NOT_PER_CITIZEN_CONFIG = "configuration of the agency's systems, not about any citizen"


def _restricted_citizen(_agency_id: int, insz_index: str) -> Q:
    return Q(insz_index=insz_index)


for _holding in [
    # The agency's restrictions of processing on a citizen (compliance.subject_rights)
    Holding("subject_rights.Restriction", "beperkingen", _agency(), 1, _restricted_citizen),
    # Notifications
    Holding("notifications.DeliveryReceipt", "notificaties", _agency(), 10, _citizen("delivery__citizen")),
    Holding(
        "notifications.Delivery",
        "notificaties",
        _agency("notification__agency"),
        11,
        _citizen(),
    ),
    Holding("notifications.Notification", "notificaties", _agency(), 12, _citizen()),
    # Webhooks
    Holding(
        "webhooks.Delivery",
        "webhooks",
        _agency(),
        20,
        None,
        "delivery metadata of events; an event names no citizen the platform can select on",
    ),
    Holding(
        "webhooks.Event",
        "webhooks",
        _agency(),
        21,
        None,
        "the event body is encrypted and not indexed by citizen; events expire with delivery retention",
    ),
    Holding("webhooks.EventStream", "webhooks", _agency(), 22, None, NOT_PER_CITIZEN_CONFIG),
    Holding("webhooks.Endpoint", "webhooks", _agency(), 23, None, NOT_PER_CITIZEN_CONFIG),
    # DOSIS
    Holding("dossiers.DossierStatusChange", "dossiers", _agency(), 30, _dossier_owner("dossier")),
    Holding("dossiers.DossierUpload", "dossiers", _agency(), 31, _upload_of_citizen),
    Holding("dossiers.DossierStatus", "dossiers", _agency(), 32, _dossier_owner("dossier")),
    Holding("dossiers.DossierOwner", "dossiers", _agency("dossier__agency"), 33, _dossier_owner("dossier")),
    Holding("dossiers.Dossier", "dossiers", _agency(), 34, _dossier_owner()),
    Holding("dossiers.DosisSource", "dossiers", _agency(), 35, None, NOT_PER_CITIZEN_CONFIG),
    # Error reports (corrections)
    Holding("corrections.ReportEntry", "foutmeldingen", _agency(), 40, _citizen("report__citizen")),
    Holding("corrections.Attachment", "foutmeldingen", _agency(), 41, _citizen("report__citizen")),
    Holding("corrections.ErrorReport", "foutmeldingen", _agency(), 42, _citizen()),
    # Service requests
    Holding("service_requests.ServiceRequest", "aanvragen", _agency(), 50, _citizen()),
    Holding("service_requests.RequestableService", "aanvragen", _agency(), 51, None, NOT_PER_CITIZEN_CONFIG),
    # Payments
    Holding("payments.Refund", "betalingen", _agency("payment__agency"), 60, _citizen("payment__citizen")),
    Holding("payments.Payment", "betalingen", _agency(), 61, _citizen()),
    # Consent the citizen gave this agency (the ledger is the agency's record of its legal ground)
    Holding("preferences.ConsentEvent", "toestemmingen", _agency(), 70, _citizen()),
    Holding("preferences.Consent", "toestemmingen", _agency(), 71, _citizen()),
    # Personal-data sources
    Holding("personal_data.PullSource", "bronnen", _agency(), 80, None, NOT_PER_CITIZEN_CONFIG),
    # Replayable API answers of the agency's clients (bodies sealed with the agency's key)
    Holding(
        "api.IdempotencyRecord",
        "api",
        _idempotency_of_agency,
        85,
        None,
        "stored answers are keyed by client and request, not by citizen; they expire within a day",
        exported=False,
    ),
    # Notices the processor mailed the agency: the queue names its contacts' addresses (the notices
    # themselves are the processor's proof, declared by compliance.notices)
    Holding(
        "agency_notices.NoticeMail",
        "kennisgevingen",
        _agency(),
        88,
        None,
        "addresses of the agency's contact persons and DPO, not citizens",
        exported=False,
    ),
    # The agency's people and systems
    Holding("agencies.ContactPerson", "instantie", _agency(), 90, None, "the agency's own staff, not citizens"),
    Holding(
        "agencies.ApiClient",
        "instantie",
        _agency(),
        91,
        None,
        "the agency's systems' credentials",
        exported=False,
    ),
]:
    register(_holding)


# Models that point (directly or through a chain) to an agency or a citizen but are not an agency's
# data to return or delete. Each with the reason it stays.
NOT_AGENCY_DATA: dict[str, str] = {
    "agencies.Agency": (
        "the contract party itself (name, KBO: public register data), kept as the record of who the "
        "processor worked for; its personal fields (DPO) are sealed with its own key and cleared at deletion"
    ),
    "agencies.ProcessingOrder": "the processing order: the processor's record of its instructions (GDPR 28(3), 30(2))",
    "agencies.ProcessingOrderVersion": "the versions of that order: no personal data, kept as accountability",
    "citizens.Citizen": "the citizen's identity on the platform, shared by every agency (platform-own)",
    "preferences.ContactPreference": "the citizen's own contact details (platform-own, the citizen's to manage)",
    "preferences.Verification": "verification of the citizen's own contact details (platform-own)",
    # The processor's proof of what it did at the end of an order (compliance.offboarding).
    "offboarding.Offboarding": "the record and certificates of an order's end: the processor's proof",
    "offboarding.ReturnBundle": "the return bundle's record; its content is deleted once fetched",
    "offboarding.LegalHold": "the record of a legal hold (reason, end date): the processor's proof",
}

# The other compliance apps declare their records (notices, objections, …) from their AppConfig.ready
# with ``declare_not_agency_data``, or register a holding with ``register``.
NOT_AGENCY_DATA_PREFIXES: tuple[str, ...] = ("audit.",)


def declared_not_agency_data(label: str) -> bool:
    return label in NOT_AGENCY_DATA or label.startswith(NOT_AGENCY_DATA_PREFIXES)


def declare_not_agency_data(label: str, reason: str) -> None:
    NOT_AGENCY_DATA[label] = reason
