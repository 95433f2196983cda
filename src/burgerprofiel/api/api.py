"""The agency APIs, assembled: one NinjaAPI per version, its error handlers, and its routers.

The operations live in ``api/routers/`` (one module per area); this module only puts them
together. Every operation is behind ``AgencyAuth`` (token, then the order check) unless its
router declares a stricter one, and every error is problem+json (``api/errors.py``).
"""

from __future__ import annotations

from burgerprofiel.api.auth import AgencyAuth
from burgerprofiel.api.errors import errors_install
from burgerprofiel.api.openapi import BurgerprofielApi
from burgerprofiel.api.parser import StorableJsonParser
from burgerprofiel.api.routers import (
    agency,
    audit,
    charter,
    compliance,
    corrections,
    dosis,
    dosis_v2,
    instructions,
    notices,
    notifications,
    offboarding,
    payments,
    preferences,
    service_requests,
    subject_requests,
    subject_rights,
    subprocessors,
    webhooks,
)

api = BurgerprofielApi(
    title="Burgerprofiel agency API",
    version="1.0.0",
    description=(
        "API voor opdrachtgevende instanties. Authenticatie: OAuth2 client credentials op /oauth/token "
        "(client_secret_basic of private_key_jwt). Elke oproep wordt getoetst aan de actieve verwerkingsopdracht. "
        "Fouten zijn application/problem+json (RFC 9457). Elke POST aanvaardt een Idempotency-Key."
    ),
    urls_namespace="api-v1",
    parser=StorableJsonParser(),
    auth=AgencyAuth(),
)
errors_install(api)
api.add_router("", agency.router)
api.add_router("/audit", audit.router)
api.add_router("/charter", charter.router)
api.add_router("/compliance", compliance.router)
api.add_router("/dosis", dosis.router)
api.add_router("/error-reports", corrections.router)
api.add_router("/instructions", instructions.router)
api.add_router("/notices", notices.router)
api.add_router("/notifications", notifications.router)
api.add_router("/offboarding", offboarding.router)
api.add_router("/data-subjects", subject_rights.router)
api.add_router("/payments", payments.router)
api.add_router("/preferences", preferences.router)
api.add_router("/requestable-services", service_requests.services_router)
api.add_router("/service-requests", service_requests.requests_router)
api.add_router("/subject-requests", subject_requests.router)
api.add_router("/subprocessors", subprocessors.router)
api.add_router("/webhooks", webhooks.router)
api.add_router("/events", webhooks.events_router)

dosis_v2_api = dosis_v2.DosisV2Api(
    title="DOSIS v2 upload",
    version="2.0.0",
    description=(
        "DOSIS-upload zoals bestaande DOSIS-connectoren hem sturen. Authenticatie: OAuth2 client credentials "
        "met private_key_jwt op /oauth/token. Verwerking gebeurt asynchroon; resultaten op /api/v1/dosis/resultaten."
    ),
    urls_namespace="api-v2",
    auth=AgencyAuth(component="dosis"),
)
dosis_v2.errors_install(dosis_v2_api)
dosis_v2_api.add_router("/dosis", dosis_v2.router)
