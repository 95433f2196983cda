"""The back-office's ModelAdmins, one module per area, all registered on the back-office site.

Django's admin autodiscovery imports ``<app>.admin`` of every installed app: this package is the
only one, so the capability and identity apps hold no back-office code (the layers in
pyproject.toml). Importing the modules below registers their admins on ``backoffice.site.site``.
"""

from burgerprofiel.backoffice.admin import (
    agencies,
    audit,
    breaches,
    compliance,
    crypto,
    deliveries,
    dossiers,
    instructions,
    lockouts,
    notices,
    offboarding,
    personal_data,
    retention,
    staff,
    subprocessors,
    webhooks,
)

__all__ = [
    "agencies",
    "audit",
    "breaches",
    "compliance",
    "crypto",
    "deliveries",
    "dossiers",
    "instructions",
    "lockouts",
    "notices",
    "offboarding",
    "personal_data",
    "retention",
    "staff",
    "subprocessors",
    "webhooks",
]
