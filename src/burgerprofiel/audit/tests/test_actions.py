"""Every audit action has a stable code and words in Dutch and English (issue 10, issue 11 item 17)."""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.utils import translation

from burgerprofiel.audit.actions import AuditAction

SRC = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("action", list(AuditAction), ids=lambda a: a.value)
def test_every_action_has_a_dutch_and_an_english_label(action: AuditAction) -> None:
    assert action.label_nl.strip(), f"{action.name} has no Dutch label"
    assert action.label_en.strip(), f"{action.name} has no English label"
    assert action.label_nl != action.value and action.label_en != action.value
    with translation.override("nl"):
        assert action.label == action.label_nl
    with translation.override("en"):
        assert action.label == action.label_en


def test_every_action_code_is_unique_and_fits_the_column() -> None:
    values = [a.value for a in AuditAction]
    assert len(values) == len(set(values))  # an enum alias would silently share a code
    assert all(len(v) <= 80 for v in values)


def test_the_stored_code_is_the_plain_string_the_leaf_hash_has_always_committed_to() -> None:
    # A member's value is what existing events carry; these must never change.
    assert str(AuditAction.PORTAL_LOGIN) == "portal.login"
    assert f"{AuditAction.CRYPTO_DATA_KEY_DESTROYED}" == "crypto.data_key.destroy"
    assert AuditAction("dossier.upload_accepted") is AuditAction.DOSSIER_UPLOAD_ACCEPTED


def test_a_code_no_longer_listed_is_shown_as_itself_rather_than_failing() -> None:
    assert AuditAction.label_for("retired.action") == "retired.action"
    with translation.override("nl"):
        assert AuditAction.label_for("documents.downloaded") == "Attest gedownload"


def test_every_back_office_change_has_its_action() -> None:
    """``AuditedModelAdmin`` builds ``backoffice.<model>.<verb>``: every model it (or an editable
    inline of it) saves or deletes must be listed, or the change would fail instead of being audited."""
    from django.contrib.admin.options import InlineModelAdmin

    from burgerprofiel.backoffice.admin.base import AuditedModelAdmin, ReadOnlyTabularInline
    from burgerprofiel.backoffice.site import site

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    audited = [model for model, ma in site._registry.items() if isinstance(ma, AuditedModelAdmin)]
    editable_inlines = [
        inline.model
        for inline in subclasses(InlineModelAdmin)
        if inline.__module__.startswith("burgerprofiel.backoffice.")
        and not issubclass(inline, ReadOnlyTabularInline)
        and getattr(inline, "model", None) is not None
    ]
    assert audited and editable_inlines
    missing = []
    for model in {*audited, *editable_inlines}:
        for verb in ("added", "changed", "deleted"):
            try:
                AuditAction.backoffice(str(model._meta.model_name), verb)
            except ValueError:
                missing.append(f"backoffice.{model._meta.model_name}.{verb}")
    assert not missing, f"add to audit/actions.py: {missing}"


def _action_arguments() -> list[tuple[str, int, ast.expr]]:
    found = []
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in {
                "audit_record",
                "audit_event_build",
            }:
                found += [
                    (str(path.relative_to(SRC)), node.lineno, k.value) for k in node.keywords if k.arg == "action"
                ]
    return found


def test_no_audit_call_writes_an_action_as_a_string_literal() -> None:
    calls = _action_arguments()
    assert len(calls) > 50  # the walk really found the calls
    literals = [
        f"{path}:{line}"
        for path, line, value in calls
        if isinstance(value, ast.Constant | ast.JoinedStr)
        or any(
            isinstance(n, ast.Constant | ast.JoinedStr) and isinstance(getattr(n, "value", None), str)
            for n in ast.walk(value)
        )
    ]
    assert not literals, f"use an AuditAction member: {literals}"


def test_no_api_handler_or_portal_view_records_an_audit_event_itself() -> None:
    """Audited reads are one call to a service that reads and records (``dossier_read``, ...)."""
    handlers = [
        f"{path}:{line}" for path, line, _ in _action_arguments() if path.startswith(("api/routers/", "portal/views/"))
    ]
    assert not handlers, f"move the read and its audit event into a service: {handlers}"
