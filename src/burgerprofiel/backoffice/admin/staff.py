"""Staff and roles in the back-office (issue 16 item 6): the staff list, and per member a role
change, deactivation and a TOTP reset, each through a confirmation page and ``staff.services``
(audited there); a refused act leaves a ``backoffice.refused`` event. Also the page where a staff
member whose device was reset sets up a new one (QR code), reached from the login form.

Nobody adds staff here: ``burgerprofiel staff create`` prints the password and TOTP secret once.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import segno
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.cache import never_cache

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.backoffice.admin.base import AuditReadsMixin, request_actor
from burgerprofiel.backoffice.admin.confirm import confirm_page, refuse
from burgerprofiel.backoffice.admin.forms import ConfirmForm
from burgerprofiel.backoffice.forms import ENROL_SESSION_KEY
from burgerprofiel.backoffice.site import site
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.staff.services import (
    ROLES,
    staff_deactivate,
    staff_otp_enrol_confirm,
    staff_otp_enrolment_device,
    staff_otp_reset,
    staff_otp_state,
    staff_refusal_record,
    staff_role_change,
    staff_role_of,
)

User = get_user_model()

ROLE_LABELS = {"operator": "operator (beheert instanties en opdrachten)", "auditor": "auditor (leest enkel)"}


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Nieuwe rol", choices=[(r, ROLE_LABELS[r]) for r in ROLES], widget=forms.RadioSelect)


class EnrolForm(forms.Form):
    otp_token = forms.CharField(
        label="Verificatiecode uit de app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RoleFilter(admin.SimpleListFilter):
    title = "rol"
    parameter_name = "rol"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [(r, r) for r in ROLES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(groups__name=self.value()) if self.value() else queryset


@admin.register(User, site=site)
class StaffAdmin(AuditReadsMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_audit_action = AuditAction.BACKOFFICE_STAFF_LISTED
    list_display = ["username", "role", "active", "otp", "last_login"]
    list_filter = [RoleFilter, "is_active"]
    # No search box: the staff list is short (and filters by role and state cover it).
    ordering = ["username"]
    fields = ("username", "role", "active", "otp", "last_login", "date_joined")
    readonly_fields = fields
    actions = None
    change_form_template = "backoffice/staff_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(is_staff=True).prefetch_related("groups")

    @admin.display(description="rol")
    def role(self, obj: Any) -> str:
        return staff_role_of(obj)

    @admin.display(description="actief", boolean=True, ordering="is_active")
    def active(self, obj: Any) -> bool:
        return bool(obj.is_active)

    @admin.display(description="tweestapsverificatie")
    def otp(self, obj: Any) -> str:
        return {
            "ingesteld": "ingesteld",
            "in te stellen": "opnieuw in te stellen bij de volgende aanmelding",
            "geen": "geen toestel",
        }[staff_otp_state(obj)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the page is read-only; the acts below have their own pages

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate: the audit trail names staff by their id

    def _may_manage(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("auth.change_user"))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None and self._may_manage(request) and obj.pk != request.user.pk and obj.is_active:
            name = self.admin_site.name
            context["staff_actions"] = [
                {"url": reverse(f"{name}:staff_{act}", args=[obj.pk]), "label": label}
                for act, label in (
                    ("role", "Rol wijzigen"),
                    ("otp_reset", "Tweestapsverificatie opnieuw instellen"),
                    ("deactivate", "Deactiveren"),
                )
            ]
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("tweestapsverificatie/", never_cache(self.enrol_view), name="staff_otp_enrol"),
            path("<path:object_id>/rol/", wrap(self.role_view), name="staff_role"),
            path("<path:object_id>/deactiveren/", wrap(self.deactivate_view), name="staff_deactivate"),
            path("<path:object_id>/tweestapsverificatie/", wrap(self.otp_reset_view), name="staff_otp_reset"),
            *super().get_urls(),
        ]

    # -- acts on one staff member ------------------------------------------------------------

    def _member(self, request: HttpRequest, object_id: str, act: str) -> Any:
        member = self.get_object(request, object_id)
        if member is None:
            raise Http404("Deze medewerker bestaat niet.")
        if not self._may_manage(request):
            refuse(request, member, f"staff.{act}")
        return member

    def _act(self, request: HttpRequest, member: Any, act: str, call: Any, done: str) -> HttpResponse:
        change_url = reverse(f"{self.admin_site.name}:auth_user_change", args=[member.pk])
        try:
            call()
        except ApplicationError as error:
            staff_refusal_record(
                actor=request_actor(request), username=member.get_username(), act=act, reason=error.code
            )
            self.message_user(request, f"Niet uitgevoerd: {error.detail}", messages.ERROR)
            return HttpResponseRedirect(change_url)
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def role_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        member = self._member(request, object_id, "role_change")
        username = member.get_username()
        form = RoleForm(request.POST if request.method == "POST" else None, initial={"role": staff_role_of(member)})
        if request.method == "POST" and form.is_valid():
            role = form.cleaned_data["role"]
            return self._act(
                request,
                member,
                "role_change",
                lambda: staff_role_change(username=username, role=role, actor=request_actor(request)),
                f"Rol gewijzigd: {username} is nu {role}.",
            )
        return confirm_page(
            self,
            request,
            title=f"Rol wijzigen: {username}",
            subject=f"{username}, nu {staff_role_of(member)}",
            consequence="De nieuwe rol geldt vanaf de volgende pagina die de medewerker opent: een auditor leest "
            "enkel, een operator beheert instanties, verwerkingsopdrachten en medewerkers. De wijziging komt in de "
            "audit.",
            form=form,
            button="Rol wijzigen",
            cancel_url=reverse(f"{self.admin_site.name}:auth_user_change", args=[member.pk]),
        )

    def deactivate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        member = self._member(request, object_id, "deactivate")
        username = member.get_username()
        form = ConfirmForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return self._act(
                request,
                member,
                "deactivate",
                lambda: staff_deactivate(username=username, actor=request_actor(request)),
                f"Gedeactiveerd: {username} kan zich niet meer aanmelden.",
            )
        return confirm_page(
            self,
            request,
            title=f"Deactiveren: {username}",
            subject=username,
            consequence=f"{username} kan zich niet meer aanmelden: het wachtwoord wordt onbruikbaar en de toestellen "
            "voor tweestapsverificatie worden verwijderd. Het account blijft bestaan, zodat de audit blijft zeggen wie "
            "wat deed. Opnieuw toegang geven is een nieuw account (burgerprofiel staff create).",
            form=form,
            button="Deactiveren",
            cancel_url=reverse(f"{self.admin_site.name}:auth_user_change", args=[member.pk]),
        )

    def otp_reset_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        member = self._member(request, object_id, "otp_reset")
        username = member.get_username()
        form = ConfirmForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return self._act(
                request,
                member,
                "otp_reset",
                lambda: staff_otp_reset(username=username, actor=request_actor(request)),
                f"De tweestapsverificatie van {username} is gewist; bij de volgende aanmelding stelt "
                f"{username} een nieuw toestel in met een QR-code.",
            )
        return confirm_page(
            self,
            request,
            title=f"Tweestapsverificatie opnieuw instellen: {username}",
            subject=username,
            consequence=f"De huidige authenticator-app van {username} werkt meteen niet meer (bv. een verloren "
            f"telefoon). Bij de volgende aanmelding geeft {username} het wachtwoord in, scant een nieuwe QR-code en "
            "bevestigt die met een code. De wijziging komt in de audit.",
            form=form,
            button="Opnieuw instellen",
            cancel_url=reverse(f"{self.admin_site.name}:auth_user_change", args=[member.pk]),
        )

    # -- setting up a new device after a reset (before login) --------------------------------------

    def enrol_view(self, request: HttpRequest) -> HttpResponse:
        login_url = reverse(f"{self.admin_site.name}:login")
        allowed = request.session.get(ENROL_SESSION_KEY) or {}
        user = User.objects.filter(pk=int(allowed.get("user") or 0), is_active=True, is_staff=True).first()
        device = staff_otp_enrolment_device(user) if user is not None else None
        if user is None or device is None or int(allowed.get("until", 0)) < time.time():
            request.session.pop(ENROL_SESSION_KEY, None)
            messages.info(request, "Meld u eerst aan met uw gebruikersnaam en wachtwoord.")
            return HttpResponseRedirect(login_url)
        form = EnrolForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            if staff_otp_enrol_confirm(user=user, token=form.cleaned_data["otp_token"]):
                request.session.pop(ENROL_SESSION_KEY, None)
                messages.success(
                    request, "Uw tweestapsverificatie is ingesteld. Meld u nu aan met uw wachtwoord en een nieuwe code."
                )
                return HttpResponseRedirect(login_url)
            form.add_error("otp_token", "Die code klopt niet. Wacht op een nieuwe code in de app en probeer opnieuw.")
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": "Tweestapsverificatie instellen",
            "username": user.get_username(),
            "form": form,
            "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=4, dark="#000", light="#fff"),
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
        }
        response = TemplateResponse(request, "backoffice/otp_enrol.html", context)
        response["Cache-Control"] = "no-store"
        return response
