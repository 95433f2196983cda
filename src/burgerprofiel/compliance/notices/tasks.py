from __future__ import annotations

from django_tasks import task

from burgerprofiel.compliance.notices.mail import notice_mails_dispatch, notice_mails_sweep


@task()
def notice_mails_task() -> dict[str, int]:
    """Periodic: end interrupted sends, then send the notices' e-mails that are due."""
    return {"interrupted": notice_mails_sweep(), **notice_mails_dispatch()}
