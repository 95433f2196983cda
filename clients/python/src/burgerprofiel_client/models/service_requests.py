"""Service requests (component aanvragen): what a citizen submitted to the agency through the portal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ServiceRequest(_Out):
    """One request; also the ``data`` of the webhook ``aanvraag.ingediend``. ``status`` is ``ingediend``
    until the agency answers it with its DOSIS dossier number, then ``dossier``."""

    id: str
    service_id: str
    ipdc_product: str
    status: str
    insz: str
    applicant_name: str
    answers: dict[str, Any]
    dossier_number: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ServiceRequestPage(_Out):
    service_requests: list[ServiceRequest]
    next: str
    has_more: bool
