"""Back-office admin modules, one per capability (Django's autodiscovery imports this package)."""

from burgerprofiel.backoffice.admin import webhooks  # noqa: F401
