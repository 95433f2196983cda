from __future__ import annotations

import copy
import re

import pytest
from jsonschema_rs import Draft202012Validator
from schemathesis.specs.openapi.definitions import OPENAPI_31

pytestmark = pytest.mark.django_db

VALIDATOR = Draft202012Validator(OPENAPI_31)
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
EVERY_OPERATION = {"400", "401", "403", "404", "414", "422", "429", "431"}
WRITES_TOO = {"409", "413", "415"}
# Errors only one operation can answer, declared by it.
OPERATION_OWN_ERRORS = {("get", "/api/v1/offboarding/bundle"): {"410"}}  # fetched once: gone afterwards


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_openapi_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    assert list(VALIDATOR.iter_errors(document)) == []
    # The validator is not a rubber stamp: the same document with a malformed response is refused.
    broken = copy.deepcopy(document)
    broken["paths"]["/api/v1/me"]["get"]["responses"]["200"] = {"content": "not an object"}
    assert list(VALIDATOR.iter_errors(broken))


def test_every_reference_in_the_document_resolves(document):
    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(document)):
        target = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert target, ref


def test_every_operation_declares_its_errors_as_problem_json(document):
    operations = list(_operations(document))
    assert len(operations) >= 8
    for path, method, operation in operations:
        expected = EVERY_OPERATION | (WRITES_TOO if method in ("post", "put", "patch") else set())
        expected |= OPERATION_OWN_ERRORS.get((method, path), set())
        errors = {status for status in operation["responses"] if status.startswith(("4", "5"))}
        assert errors == expected, (method, path)
        for status in errors:
            assert operation["responses"][status]["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}


def test_the_problem_schema_follows_rfc_9457(document):
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert problem["properties"]["type"] == {"type": "string", "format": "uri"}
    assert problem["properties"]["status"] == {"type": "integer"}


def test_every_response_declares_the_request_id_header(document):
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            assert response["headers"]["X-Request-ID"] == {"$ref": "#/components/headers/X-Request-ID"}, (
                method,
                path,
                status,
            )
        assert "Retry-After" in operation["responses"]["429"]["headers"]
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


def test_posts_declare_the_idempotency_key_header(document):
    post = document["paths"]["/api/v1/notifications"]["post"]
    (parameter,) = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
    assert parameter["in"] == "header"
    assert parameter["required"] is False
    assert parameter["schema"]["maxLength"] == 200
    assert "Idempotent-Replayed" in post["responses"]["202"]["headers"]
    get = document["paths"]["/api/v1/contact-persons"]["get"]
    assert not any(p["name"] == "Idempotency-Key" for p in get["parameters"])


def test_every_operation_requires_the_bearer_token(document):
    assert document["components"]["securitySchemes"]["AgencyAuth"] == {"type": "http", "scheme": "bearer"}
    for path, method, operation in _operations(document):
        assert operation["security"] == [{"AgencyAuth": []}], (method, path)


def test_numeric_identifiers_are_bounded_to_what_the_database_holds(document):
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/audit/events"]["get"]["parameters"]}
    assert parameters["after_id"]["maximum"] == 2**63 - 1
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 1000)


def test_the_docs_page_answers_200(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"/api/v1/openapi.json" in response.content


def test_operation_ids_stay_what_clients_were_generated_with(client, document):
    # Generated clients name their methods after operation ids: moving a handler to another module
    # (the routers left the capability apps) must not rename them.
    v2 = client.get("/api/v2/openapi.json").json()
    ids = {(method, path): op["operationId"] for doc in (document, v2) for path, method, op in _operations(doc)}
    assert ids == {
        ("get", "/api/v1/me"): "burgerprofiel_api_api_me",
        ("get", "/api/v1/me/order-check"): "burgerprofiel_api_api_me_order_check",
        ("get", "/api/v1/contact-persons"): "burgerprofiel_api_api_contact_persons_list",
        ("get", "/api/v1/audit/events"): "burgerprofiel_api_api_audit_events",
        ("get", "/api/v1/audit/tree-heads/latest"): "burgerprofiel_api_api_audit_tree_head_latest",
        ("get", "/api/v1/audit/events/{event_id}/inclusion-proof"): "burgerprofiel_api_api_audit_inclusion_proof",
        ("get", "/api/v1/audit/consistency-proof"): "burgerprofiel_api_api_audit_consistency_proof",
        ("get", "/api/v1/dosis/resultaten"): "burgerprofiel_dossiers_api_results_for_dossier",
        ("get", "/api/v1/dosis/resultaten/perUploadId"): "burgerprofiel_dossiers_api_results_for_upload",
        ("get", "/api/v1/dosis/resultaten/fouten"): "burgerprofiel_dossiers_api_failures_for_source",
        ("delete", "/api/v1/dosis/dossiers"): "burgerprofiel_dossiers_api_dossier_delete",
        ("post", "/api/v1/notifications"): "burgerprofiel_notifications_api_notification_push",
        ("post", "/api/v1/notifications/bulk"): "burgerprofiel_notifications_api_notification_push_bulk",
        ("get", "/api/v1/notifications/receipts"): "burgerprofiel_notifications_api_receipts_list",
        ("get", "/api/v1/notifications/{notification_id}"): "burgerprofiel_notifications_api_notification_status",
        ("post", "/api/v1/preferences/lookup"): "burgerprofiel_preferences_api_preferences_lookup",
        ("post", "/api/v2/dosis/dossiers"): "burgerprofiel_dossiers_api_v2_upload",
        ("post", "/api/v2/dosis/dossiers/bulk"): "burgerprofiel_dossiers_api_v2_upload_bulk",
        ("get", "/api/v2/dosis/bronnen/uris"): "burgerprofiel_dossiers_api_v2_sources",
        # Operations born in api/routers/ keep ninja's own ids (module path and function name).
        ("post", "/api/v1/webhooks/endpoints"): "burgerprofiel_api_routers_webhooks_endpoint_register",
        ("get", "/api/v1/webhooks/endpoints"): "burgerprofiel_api_routers_webhooks_endpoints_list",
        ("get", "/api/v1/webhooks/endpoints/{endpoint_id}"): "burgerprofiel_api_routers_webhooks_endpoint_get",
        ("delete", "/api/v1/webhooks/endpoints/{endpoint_id}"): "burgerprofiel_api_routers_webhooks_endpoint_delete",
        ("post", "/api/v1/audit/witness/heads"): "burgerprofiel_api_api_audit_witness_head_record",
        ("get", "/api/v1/audit/witness/heads"): "burgerprofiel_api_api_audit_witness_heads",
        (
            "post",
            "/api/v1/webhooks/endpoints/{endpoint_id}/secret-rotation",
        ): "burgerprofiel_api_routers_webhooks_endpoint_secret_rotate",
        ("get", "/api/v1/webhooks/deliveries"): "burgerprofiel_api_routers_webhooks_deliveries_list",
        (
            "post",
            "/api/v1/webhooks/deliveries/{delivery_id}/replay",
        ): "burgerprofiel_api_routers_webhooks_delivery_replay",
        ("get", "/api/v1/events"): "burgerprofiel_api_routers_webhooks_events_read",
        ("get", "/api/v1/charter"): "burgerprofiel_api_routers_charter_charter_read",
        ("get", "/api/v1/compliance/report"): "burgerprofiel_api_routers_compliance_compliance_report",
        ("get", "/api/v1/compliance/measures"): "burgerprofiel_api_routers_compliance_compliance_measures",
        (
            "post",
            "/api/v1/subject-requests/{request_id}/answer",
        ): "burgerprofiel_api_routers_subject_requests_subject_request_answer_post",
        (
            "post",
            "/api/v1/charter/amendments/{amendment_id}/termination",
        ): "burgerprofiel_api_routers_charter_charter_termination_file",
        ("get", "/api/v1/error-reports"): "burgerprofiel_api_routers_corrections_error_reports_list",
        ("get", "/api/v1/error-reports/{report_id}"): "burgerprofiel_api_routers_corrections_error_report_get",
        (
            "get",
            "/api/v1/error-reports/{report_id}/attachment",
        ): "burgerprofiel_api_routers_corrections_error_report_attachment",
        (
            "post",
            "/api/v1/error-reports/{report_id}/status",
        ): "burgerprofiel_api_routers_corrections_error_report_status",
        (
            "post",
            "/api/v1/error-reports/{report_id}/messages",
        ): "burgerprofiel_api_routers_corrections_error_report_message",
        (
            "post",
            "/api/v1/requestable-services",
        ): "burgerprofiel_api_routers_service_requests_requestable_service_publish",
        ("get", "/api/v1/requestable-services"): "burgerprofiel_api_routers_service_requests_requestable_services_list",
        (
            "get",
            "/api/v1/requestable-services/{service_id}",
        ): "burgerprofiel_api_routers_service_requests_requestable_service_get",
        (
            "delete",
            "/api/v1/requestable-services/{service_id}",
        ): "burgerprofiel_api_routers_service_requests_requestable_service_withdraw",
        ("get", "/api/v1/service-requests"): "burgerprofiel_api_routers_service_requests_service_requests_list",
        (
            "get",
            "/api/v1/service-requests/{request_id}",
        ): "burgerprofiel_api_routers_service_requests_service_request_get",
        (
            "post",
            "/api/v1/service-requests/{request_id}/dossier",
        ): "burgerprofiel_api_routers_service_requests_service_request_dossier",
        ("post", "/api/v1/payments"): "burgerprofiel_api_routers_payments_payment_request",
        ("get", "/api/v1/payments"): "burgerprofiel_api_routers_payments_payment_list",
        ("get", "/api/v1/payments/reconciliation"): "burgerprofiel_api_routers_payments_reconciliation",
        ("get", "/api/v1/payments/{payment_id}"): "burgerprofiel_api_routers_payments_payment_detail",
        ("post", "/api/v1/payments/{payment_id}/refunds"): "burgerprofiel_api_routers_payments_payment_refund",
        ("get", "/api/v1/notices"): "burgerprofiel_api_routers_notices_notices_list",
        ("post", "/api/v1/instructions"): "burgerprofiel_api_routers_instructions_instruction_register",
        ("get", "/api/v1/instructions"): "burgerprofiel_api_routers_instructions_instructions_list",
        ("get", "/api/v1/notices/{notice_id}/pdf"): "burgerprofiel_api_routers_notices_notice_pdf_get",
        ("post", "/api/v1/notices/{notice_id}/acknowledge"): "burgerprofiel_api_routers_notices_notice_acknowledge",
        ("get", "/api/v1/subprocessors"): "burgerprofiel_api_routers_subprocessors_subprocessors_list",
        (
            "post",
            "/api/v1/subprocessors/changes/{change_id}/objections",
        ): "burgerprofiel_api_routers_subprocessors_objection_create",
        ("get", "/api/v1/offboarding/bundle"): "burgerprofiel_api_routers_offboarding_offboarding_bundle",
        ("post", "/api/v1/data-subjects/export"): "burgerprofiel_api_routers_subject_rights_subject_export_view",
        (
            "post",
            "/api/v1/data-subjects/restriction",
        ): "burgerprofiel_api_routers_subject_rights_subject_restrict_view",
        (
            "post",
            "/api/v1/data-subjects/restriction/lift",
        ): "burgerprofiel_api_routers_subject_rights_subject_restriction_lift_view",
        ("post", "/api/v1/data-subjects/erasure"): "burgerprofiel_api_routers_subject_rights_subject_erase_view",
    }


def test_every_input_string_declares_what_the_guards_refuse(document):
    # A NUL never gets past the guards (400): every input string without a pattern of its own says so.
    bron = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/dosis/resultaten"]["get"]["parameters"]}
    assert bron["bron"]["pattern"] == "^[^\\u0000]*$"
    assert (bron["bron"]["minLength"], bron["bron"]["maxLength"]) == (1, 500)


def test_an_insz_is_declared_with_its_pattern_and_format(document):
    insz = document["components"]["schemas"]["NotificationIn"]["properties"]["insz"]
    assert insz["format"] == "insz"
    pattern = re.compile(insz["pattern"])
    assert pattern.match("85073003328") and pattern.match("85.07.30-033.28") and pattern.match("85--07--30--033--28")
    assert (
        not pattern.match("85/07/30/033/28") and not pattern.match("8507300332") and not pattern.match("BE85073003328")
    )
    recipients = document["paths"]["/api/v1/notifications/bulk"]["post"]["requestBody"]["content"]
    assert recipients["application/json"]["schema"]["properties"]["recipients"]["items"]["format"] == "insz"


def test_an_insz_in_another_form_than_declared_is_refused_with_422(client, auth_headers):
    body = {"insz": "85/07/30/033/28", "message": "Hallo", "ipdc_product": "1234"}
    response = client.post("/api/v1/notifications", body, content_type="application/json", **auth_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "insz"
