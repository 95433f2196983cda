"""Issue 16 item 6: staff and roles in the back-office; every change audited, every refusal too."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import LOGIN_URL, make_staff, otp_login, totp_token

pytestmark = pytest.mark.django_db

LIST = "/backoffice/auth/user/"


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_an_operator_lists_staff_with_role_and_two_factor_state(operator_client, auditor):
    page = _page(operator_client, LIST)

    assert "olivia.operator" in page and "arne.auditor" in page
    assert "operator" in page and "auditor" in page and "ingesteld" in page
    assert "@burgerprofiel.example" not in page  # no e-mail addresses needed to manage access
    assert 'href="/backoffice/auth/user/add/"' not in page


def test_an_operator_changes_a_role_through_a_confirmation_page(operator_client, operator, auditor):
    url = f"{LIST}{auditor.user.pk}/rol/"
    member_page = _page(operator_client, f"{LIST}{auditor.user.pk}/change/")
    assert f'href="{url}"' in member_page

    assert "De nieuwe rol geldt" in _page(operator_client, url)
    response = operator_client.post(url, {"role": "operator"})

    assert response.status_code == 302
    assert [g.name for g in get_user_model().objects.get(pk=auditor.user.pk).groups.all()] == ["operator"]
    event = AuditEvent.objects.get(action="backoffice.staff.role_changed")
    assert (event.actor_id, event.object_id, event.detail) == (
        str(operator.user.pk),
        str(auditor.user.pk),
        {"from": "auditor", "to": "operator"},
    )


def test_an_operator_may_not_change_their_own_role_and_the_refusal_is_audited(operator_client, operator):
    response = operator_client.post(f"{LIST}{operator.user.pk}/rol/", {"role": "auditor"}, follow=True)

    assert "eigen account" in response.content.decode()
    assert [g.name for g in operator.user.groups.all()] == ["operator"]
    event = AuditEvent.objects.get(action="backoffice.refused")
    assert (event.outcome, event.detail) == ("refused", {"act": "staff.role_change", "reason": "forbidden"})
    assert not AuditEvent.objects.filter(action="backoffice.staff.role_changed").exists()


def test_an_auditor_reads_the_list_but_every_staff_act_is_refused_and_audited(auditor_client, auditor, operator):
    page = _page(auditor_client, f"{LIST}{operator.user.pk}/change/")
    assert "Rol wijzigen" not in page and "Deactiveren" not in page

    for path, data in (("rol/", {"role": "auditor"}), ("deactiveren/", {}), ("tweestapsverificatie/", {})):
        assert auditor_client.post(f"{LIST}{operator.user.pk}/{path}", data).status_code == 403

    operator_user = get_user_model().objects.get(pk=operator.user.pk)
    assert operator_user.is_active and [g.name for g in operator_user.groups.all()] == ["operator"]
    refused = AuditEvent.objects.filter(action="backoffice.refused", actor_id=str(auditor.user.pk))
    assert sorted(e.detail["act"] for e in refused) == ["staff.deactivate", "staff.otp_reset", "staff.role_change"]


def test_deactivating_a_member_ends_their_login(operator_client, auditor):
    assert "kan zich niet meer aanmelden" in _page(operator_client, f"{LIST}{auditor.user.pk}/deactiveren/")
    operator_client.post(f"{LIST}{auditor.user.pk}/deactiveren/", {})

    user = get_user_model().objects.get(pk=auditor.user.pk)
    assert not user.is_active and not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="backoffice.staff.deactivated", object_id=str(user.pk)).exists()
    response = otp_login(Client(), username="arne.auditor", password=auditor.password, device=auditor.device)
    assert response.status_code == 200  # refused


def test_after_a_totp_reset_the_member_sets_up_a_new_device_with_a_qr_code_at_next_login(operator_client, operator):
    member = make_staff("auditor", "lotte.kwijt")
    old_device = member.device
    assert "werkt meteen niet meer" in _page(operator_client, f"{LIST}{member.user.pk}/tweestapsverificatie/")

    operator_client.post(f"{LIST}{member.user.pk}/tweestapsverificatie/", {})

    event = AuditEvent.objects.get(action="backoffice.staff.otp_reset")
    assert (event.actor_id, event.object_id, event.detail) == (
        str(operator.user.pk),
        str(member.user.pk),
        {"devices_removed": 1},
    )
    assert "opnieuw in te stellen" in _page(operator_client, LIST)
    browser = Client()
    # The old code no longer works; the password leads to the set-up page.
    login = otp_login(browser, username="lotte.kwijt", password=member.password, device=old_device)
    assert login.status_code == 200
    assert "Nieuw toestel instellen" in login.content.decode()
    assert Client().get(f"{LIST}tweestapsverificatie/").status_code == 302  # not without the password

    enrol = browser.get(f"{LIST}tweestapsverificatie/")
    assert enrol.status_code == 200 and "no-store" in enrol["Cache-Control"]
    assert re.search(r'<img src="data:image/svg\+xml', enrol.content.decode())
    new_device = TOTPDevice.objects.get(user=member.user, confirmed=False)
    assert browser.post(f"{LIST}tweestapsverificatie/", {"otp_token": "000000"}).status_code == 200
    assert not TOTPDevice.objects.get(pk=new_device.pk).confirmed
    TOTPDevice.objects.get(pk=new_device.pk).throttle_reset()  # django-otp slows down after a wrong code

    done = browser.post(f"{LIST}tweestapsverificatie/", {"otp_token": totp_token(new_device)})

    assert done.status_code == 302 and done["Location"] == LOGIN_URL
    new_device.refresh_from_db()
    assert new_device.confirmed
    assert AuditEvent.objects.filter(action="backoffice.staff.otp_enrolled", actor_id=str(member.user.pk)).exists()
    new_device.last_t = -1  # the enrolment code may not be used twice; the next 30 s code would do
    new_device.save()
    again = otp_login(Client(), username="lotte.kwijt", password=member.password, device=new_device)
    assert again.status_code == 302, again.content.decode()


def test_any_back_office_page_refused_to_a_staff_member_leaves_one_audit_event(auditor_client, auditor, agency):
    add = auditor_client.get("/backoffice/agencies/agency/add/")
    change = auditor_client.post(
        f"/backoffice/agencies/agency/{agency.agency_id}/change/", {"name": "Gewijzigd", "kbo": "0207451227"}
    )

    assert (add.status_code, change.status_code) == (403, 403)
    events = list(AuditEvent.objects.filter(action="backoffice.refused").order_by("id"))
    assert [(e.actor_id, e.outcome) for e in events] == [(str(auditor.user.pk), "refused")] * 2
    assert [e.detail for e in events] == [
        {"act": "agencies_agency_add", "method": "GET"},
        {"act": "agencies_agency_change", "method": "POST"},
    ]
    assert events[1].object_id == str(agency.agency_id)
    assert "Gewijzigd" not in str(events[1].detail)  # names the page, never what was posted
