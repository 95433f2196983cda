"""The back-office's own view of other apps' data."""

from __future__ import annotations

from axes.models import AccessAttempt


class LoginLock(AccessAttempt):
    """django-axes' failed-login count of one account, as the back-office shows it (``backoffice.lockout``)."""

    class Meta:
        proxy = True
        verbose_name = "vergrendelde aanmelding"
        verbose_name_plural = "vergrendelde aanmeldingen"
