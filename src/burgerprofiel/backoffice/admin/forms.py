"""Back-office forms for agencies, API clients and processing orders.

The forms check what the services would refuse (KBO, components, categories, JWKS), so that the
operator gets the error next to the field; the services check again when they write.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget

from burgerprofiel.agencies.catalogue import CATEGORIES, DEFAULT_RETENTION_DAYS, Component, is_built
from burgerprofiel.agencies.models import Agency, ApiClient, ContactPerson, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.agencies.services import (
    components_validate,
    jwks_validate,
    kbo_normalise,
    processing_order_content_check,
)
from burgerprofiel.common.errors import ApplicationError

# The fields of an order version the back-office edits; state changes go through the actions.
ORDER_FORM_FIELDS = (
    "components",
    "data_categories",
    "retention_days",
    "valid_from",
    "valid_until",
    "legal_basis",
    "dpia_reference",
)


def _components_field() -> forms.MultipleChoiceField:
    # Only what is built can be ordered (catalogue.BUILT_COMPONENTS); components_validate says so too.
    return forms.MultipleChoiceField(
        label="componenten",
        choices=lambda: [(value, label) for value, label in Component.choices if is_built(value)],
        widget=forms.CheckboxSelectMultiple,
    )


def _date_field(label: str, help_text: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=AdminDateWidget, help_text=help_text)


def _jwks_or_error(value: Any) -> dict[str, Any] | None:
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise forms.ValidationError("Een JWKS is een JSON-object met een lijst 'keys'.")
    try:
        return jwks_validate(value)
    except ApplicationError as error:
        raise forms.ValidationError(error.detail) from error


class JwksTextarea(forms.Textarea):
    """A JSON textarea that shows an empty box, not ``null``, when there are no keys."""

    def format_value(self, value: Any) -> str | None:
        return None if value in (None, "null", "", {}) else super().format_value(value)


class KboInput(forms.TextInput):
    """The KBO number as the list shows it (0207.012.351), also in the form."""

    def format_value(self, value: Any) -> str | None:
        text = str(value or "")
        if len(text) == 10 and text.isdigit():
            return f"{text[:4]}.{text[4:7]}.{text[7:]}"
        return super().format_value(value)


class KboField(forms.CharField):
    widget = KboInput

    def has_changed(self, initial: Any, data: Any) -> bool:
        # Shown with dots, stored as ten digits: the same number is no change.
        def digits(value: Any) -> str:
            return "".join(ch for ch in str(value or "") if ch.isdigit())

        return digits(initial) != digits(data)


class _AgencyFormBase(forms.ModelForm):
    # Wider than the column: "0316.380.841" or "BE 0316 380 841" are normalised to ten digits.
    kbo = KboField(label="KBO-nummer", max_length=20, help_text="Bv. 0207.012.351 (met of zonder punten).")

    def clean_kbo(self) -> str:
        try:
            return kbo_normalise(self.cleaned_data["kbo"])
        except ApplicationError as error:
            raise forms.ValidationError(error.detail) from error


class AgencyChangeForm(_AgencyFormBase):
    dpo_name = forms.CharField(label="naam DPO", max_length=200, required=False)
    dpo_email = forms.EmailField(label="e-mail DPO", required=False)

    class Meta:
        model = Agency
        fields = ["name", "kbo", "dpo_name", "dpo_email", "street", "postcode", "municipality"]


class AgencyOnboardForm(_AgencyFormBase):
    """Onboarding: the agency, its data key, a first API client and an active order in one go."""

    dpo_name = forms.CharField(label="naam DPO", max_length=200, required=False)
    dpo_email = forms.EmailField(label="e-mail DPO", required=False)
    components = _components_field()
    valid_from = _date_field("opdracht geldig vanaf", "Leeg: vanaf ondertekening.")
    valid_until = _date_field("opdracht geldig tot", "Leeg: onbepaalde duur.")
    legal_basis = forms.CharField(label="rechtsgrond", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    dpia_reference = forms.CharField(label="GEB/DPIA-referentie", required=False, max_length=200)
    jwks = forms.JSONField(
        label="publieke sleutels (JWKS)",
        required=False,
        widget=JwksTextarea,
        help_text="Leeg laten als de instantie enkel met een client secret werkt. "
        "Voor private_key_jwt (RFC 7523). De API-client krijgt daarnaast altijd een client secret, "
        "dat na het bewaren één keer getoond wordt.",
    )

    class Meta:
        model = Agency
        fields = ["name", "kbo", "dpo_name", "dpo_email", "street", "postcode", "municipality"]

    def clean_components(self) -> list[str]:
        try:
            return components_validate(list(self.cleaned_data["components"]))
        except ApplicationError as error:
            raise forms.ValidationError(error.detail) from error

    def clean_jwks(self) -> dict[str, Any] | None:
        return _jwks_or_error(self.cleaned_data.get("jwks"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "De einddatum ligt voor de begindatum.")
        return cleaned


class ContactPersonForm(forms.ModelForm):
    """Name, e-mail and phone are encrypted with the agency's data key when the row is saved."""

    name = forms.CharField(label="naam", max_length=200)
    email = forms.EmailField(label="e-mail")
    phone = forms.CharField(label="telefoon", max_length=40, required=False)

    class Meta:
        model = ContactPerson
        fields = ["name", "email", "phone", "role", "authorised_from", "authorised_until"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("authorised_from"), cleaned.get("authorised_until")
        if start and end and end < start:
            self.add_error("authorised_until", "De einddatum ligt voor de begindatum.")
        return cleaned


class ApiClientAddForm(forms.ModelForm):
    with_secret = forms.BooleanField(
        label="met client secret",
        required=False,
        initial=True,
        help_text="Het geheim wordt na het bewaren één keer getoond en alleen als argon2-hash bewaard.",
    )

    class Meta:
        model = ApiClient
        fields = ["agency", "name", "jwks"]
        widgets = {"jwks": JwksTextarea}

    def clean_jwks(self) -> dict[str, Any] | None:
        return _jwks_or_error(self.cleaned_data.get("jwks"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("with_secret") and not cleaned.get("jwks") and not self.has_error("jwks"):
            raise forms.ValidationError("Een API-client heeft een client secret of publieke sleutels (JWKS) nodig.")
        return cleaned


class ApiClientChangeForm(forms.ModelForm):
    class Meta:
        model = ApiClient
        fields = ["name", "is_active", "jwks"]
        widgets = {"jwks": JwksTextarea}

    def clean_jwks(self) -> dict[str, Any] | None:
        return _jwks_or_error(self.cleaned_data.get("jwks"))


def categories_field_name(component: str) -> str:
    return f"categories__{component}"


def retention_field_name(component: str) -> str:
    return f"retention__{component}"


def in_catalogue_order(component: str, categories: list[str]) -> list[str]:
    """The categories as Bijlage 1 lists them, so that the same choice compares equal whatever its order."""
    known = list(CATEGORIES.get(component, {}))
    return [c for c in known if c in categories] + sorted(c for c in categories if c not in known)


def _grid_fields() -> dict[str, forms.Field]:
    """Per component of the catalogue: its categories as checkboxes and its retention as a number."""
    fields: dict[str, forms.Field] = {}
    for component, label in Component.choices:
        fields[categories_field_name(component)] = forms.MultipleChoiceField(
            label=f"gegevenscategorieën ({label})",
            choices=list(CATEGORIES[component].items()),
            widget=forms.CheckboxSelectMultiple,
            required=False,
            help_text="Bijlage 1 van het verwerkingscharter. Enkel gebruikt als de component besteld is.",
        )
        fields[retention_field_name(component)] = forms.IntegerField(
            label=f"bewaartermijn in dagen ({label})",
            min_value=0,
            max_value=36500,
            required=False,
            help_text=f"Standaard {DEFAULT_RETENTION_DAYS[component]}; 0: niet bewaard of zolang de burger wil.",
        )
    return fields


class ProcessingOrderForm(forms.ModelForm):
    """Adds an order, or makes the next version of one: a version is never edited in place.

    Components are ticked; per component its data categories (checkboxes from Bijlage 1) and its
    retention (days). A component not ordered before starts with all its categories and the
    default retention ticked and filled in; entries for components no longer ordered are dropped.
    """

    components = _components_field()
    valid_from = _date_field("geldig vanaf", "Leeg: vanaf ondertekening.")
    valid_until = _date_field("geldig tot", "Leeg: onbepaalde duur.")
    legal_basis = forms.CharField(label="rechtsgrond", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    dpia_reference = forms.CharField(label="GEB/DPIA-referentie", required=False, max_length=200)
    change_note = forms.CharField(
        label="reden van de wijziging",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Komt in de historiek van de opdracht (nieuwe versie).",
    )

    class Meta:
        model = ProcessingOrder
        fields = ["agency"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current: ProcessingOrderVersion | None = self.instance.current if self.instance.pk else None
        current = self.current
        for component in Component.values:
            ordered = current is not None and component in current.components
            self.initial.setdefault(
                categories_field_name(component),
                in_catalogue_order(component, current.categories_for(component))
                if ordered and current is not None
                else list(CATEGORIES[component]),
            )
            self.initial.setdefault(
                retention_field_name(component),
                current.retention_for(component)
                if ordered and current is not None
                else DEFAULT_RETENTION_DAYS[component],
            )
        if current is not None:
            for name in ("components", "valid_from", "valid_until", "legal_basis", "dpia_reference"):
                self.initial.setdefault(name, getattr(current, name))
            self.fields["change_note"].required = True
        # What the service gets: every field of the new version, and those that differ from the current one.
        self.version_fields: dict[str, Any] = {}
        self.version_changes: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.current is not None and self.current.state == ProcessingOrderVersion.State.TERMINATED:
            raise forms.ValidationError("Een beëindigde verwerkingsopdracht kan niet meer wijzigen.")
        if self.errors:
            return cleaned
        try:
            components = components_validate(list(cleaned["components"]))
        except ApplicationError as error:
            self.add_error("components", error.detail)
            return cleaned
        categories: dict[str, list[str]] = {}
        retention: dict[str, int] = {}
        for component in components:
            ticked = list(cleaned.get(categories_field_name(component)) or [])
            if not ticked:
                self.add_error(
                    categories_field_name(component),
                    f"Kies minstens één gegevenscategorie voor {Component(component).label}, of bestel de "
                    "component niet.",
                )
            categories[component] = in_catalogue_order(component, ticked)
            days = cleaned.get(retention_field_name(component))
            retention[component] = DEFAULT_RETENTION_DAYS[component] if days is None else int(days)
        if self.errors:
            return cleaned
        fields = {
            "state": self.current.state if self.current else ProcessingOrderVersion.State.ACTIVE,
            "state_reason": self.current.state_reason if self.current else "",
            "components": components,
            "data_categories": categories,
            "retention_days": retention,
            "valid_from": cleaned.get("valid_from"),
            "valid_until": cleaned.get("valid_until"),
            "legal_basis": cleaned.get("legal_basis", ""),
            "dpia_reference": cleaned.get("dpia_reference", ""),
        }
        try:
            processing_order_content_check(fields)
        except ApplicationError as error:
            raise forms.ValidationError(error.detail) from error
        self.version_fields = fields
        if self.current is not None:
            self.version_changes = {
                name: fields[name] for name in ORDER_FORM_FIELDS if fields[name] != _comparable(self.current, name)
            }
        return cleaned


def _comparable(version: ProcessingOrderVersion, name: str) -> Any:
    """A field of the version in force as the form produces it (categories in catalogue order)."""
    value = getattr(version, name)
    if name == "data_categories":
        return {c: in_catalogue_order(c, list(v)) for c, v in value.items()}
    return value


# The grid's fields are declared on the form class (not added per instance), so that the admin's
# form factory accepts their names in its fieldsets.
for _name, _field in _grid_fields().items():
    ProcessingOrderForm.base_fields[_name] = _field
    ProcessingOrderForm.declared_fields[_name] = _field


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Reden van de opschorting (charter 2.3)",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
    )


class TerminateForm(forms.Form):
    reason = forms.CharField(
        label="Reden van de beëindiging (charter 13)",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
    )


class SecretRotateForm(forms.Form):
    reason = forms.CharField(
        label="Reden voor een nieuw geheim",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=200,
        help_text="Bv. geheim gelekt, medewerker van de instantie vertrokken, periodieke vernieuwing. "
        "Komt in de audit.",
    )


class ConfirmForm(forms.Form):
    """A confirmation without anything to fill in (resume, activate)."""
