"""The audit trail as an agency sees it through the API, checked the way an outside verifier would:
with nothing but the responses, ``/oauth/jwks`` and RFC 9162 proof verification."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from joserfc import jws
from joserfc.jwk import KeySet

from burgerprofiel.audit import merkle
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead
from burgerprofiel.audit.services import HASHED_FIELDS, audit_seal, audit_seal_all, event_leaf_hash
from burgerprofiel.audit.tests.factories import record_events
from burgerprofiel.conftest import OnboardedAgency, bearer, token_with_secret

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


def _signed_head(client: Client, compact: str) -> dict[str, Any]:
    """The payload of a signed tree head, verified with the platform's published keys only."""
    keys = KeySet.import_key_set(client.get("/oauth/jwks").json())
    return json.loads(jws.deserialize_compact(compact, keys, algorithms=["ES256"]).payload)


def _own_event_ids(agency: OnboardedAgency) -> list[int]:
    return list(AuditEvent.objects.filter(agency_id=agency.agency_id).order_by("pk").values_list("pk", flat=True))


def _verify_inclusion_through_the_api(client: Client, headers: dict[str, str], event_id: int, **query: Any) -> dict:
    response = client.get(f"{EVENTS}/{event_id}/inclusion-proof", query, **headers)
    assert response.status_code == 200, response.content
    proof = response.json()
    signed = _signed_head(client, proof["signed_tree_head"])
    assert (signed["tree_size"], signed["root_hash"]) == (proof["tree_size"], proof["root_hash"])
    assert merkle.verify_inclusion(
        index=proof["leaf_index"],
        tree_size=signed["tree_size"],
        leaf=bytes.fromhex(proof["leaf_hash"]),
        proof=[bytes.fromhex(p) for p in proof["audit_path"]],
        root_hash=bytes.fromhex(signed["root_hash"]),
    )
    return proof


# --- listing ---------------------------------------------------------------------------------


def test_an_agency_lists_its_own_audit_events_and_none_of_another_agency(client, agency, other_agency):
    bearer(client, other_agency)  # the other agency leaves events of its own
    headers = bearer(client, agency)
    response = client.get(EVENTS, **headers)
    assert response.status_code == 200, response.content
    listed = [e["id"] for e in response.json()]
    assert listed == _own_event_ids(agency)
    assert listed  # onboarding and the token leave events
    assert not set(listed) & set(_own_event_ids(other_agency))


def test_listed_events_show_their_leaf_index_once_sealed(client, agency, auth_headers):
    assert all(e["leaf_index"] is None for e in client.get(EVENTS, **auth_headers).json())
    audit_seal_all()
    listed = client.get(EVENTS, **auth_headers).json()
    leaves = dict(AuditLeaf.objects.values_list("event_id", "index"))
    assert [e["leaf_index"] for e in listed] == [leaves[e["id"]] for e in listed]


def test_events_are_paged_with_after_id_and_limit(client, agency, auth_headers):
    own = _own_event_ids(agency)
    assert len(own) >= 3
    page = client.get(EVENTS, {"after_id": own[0], "limit": 2}, **auth_headers).json()
    assert [e["id"] for e in page] == own[1:3]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 1001}, {"after_id": -1}, {"limit": "many"}])
def test_bad_paging_is_refused_with_problem_json(client, auth_headers, query):
    _assert_problem(client.get(EVENTS, query, **auth_headers), 422)


def test_audit_events_need_a_token(client, agency):
    _assert_problem(client.get(EVENTS), 401)


# --- inclusion proofs ------------------------------------------------------------------------


def test_an_inclusion_proof_for_an_own_event_verifies_against_the_signed_tree_head(client, agency, auth_headers):
    audit_seal_all()
    event = AuditEvent.objects.get(pk=_own_event_ids(agency)[-1])
    proof = _verify_inclusion_through_the_api(client, auth_headers, event.pk)
    assert proof["event_id"] == event.pk
    assert proof["leaf_hash"] == event_leaf_hash({name: getattr(event, name) for name in HASHED_FIELDS})
    assert proof["tree_size"] == TreeHead.objects.latest("tree_size").tree_size


def test_every_own_event_has_a_verifying_inclusion_proof(client, agency, auth_headers):
    record_events(5)  # events of nobody in particular, so the tree is not just this agency's
    own = record_events(3, agency_id=agency.agency_id)  # and events known to be the agency's own
    audit_seal_all()
    event_ids = _own_event_ids(agency)
    # The loop below must have something to check: onboarding, the token and the three above.
    assert {e.pk for e in own} <= set(event_ids) and len(event_ids) >= 5
    proofs = [_verify_inclusion_through_the_api(client, auth_headers, event_id) for event_id in event_ids]
    assert [p["event_id"] for p in proofs] == event_ids
    assert len({p["leaf_index"] for p in proofs}) == len(event_ids)  # each at a leaf of its own
    assert all(p["audit_path"] for p in proofs)  # a tree of more than one leaf: every proof has a path


def test_an_inclusion_proof_can_be_asked_against_an_older_tree_head(client, agency, auth_headers):
    first = audit_seal()
    record_events(6)
    audit_seal()
    assert first is not None
    proof = _verify_inclusion_through_the_api(
        client, auth_headers, _own_event_ids(agency)[0], tree_size=first.tree_size
    )
    assert proof["tree_size"] == first.tree_size


def test_an_event_not_yet_sealed_has_no_inclusion_proof_yet(client, agency, auth_headers):
    event_id = _own_event_ids(agency)[-1]
    _assert_problem(client.get(f"{EVENTS}/{event_id}/inclusion-proof", **auth_headers), 404)


def test_another_agencys_event_is_not_found_like_an_event_that_does_not_exist(client, agency, other_agency):
    bearer(client, other_agency)
    headers = bearer(client, agency)
    audit_seal_all()
    foreign = _own_event_ids(other_agency)[-1]
    missing = AuditEvent.objects.latest("pk").pk + 1000
    foreign_body = _assert_problem(client.get(f"{EVENTS}/{foreign}/inclusion-proof", **headers), 404)
    missing_body = _assert_problem(client.get(f"{EVENTS}/{missing}/inclusion-proof", **headers), 404)
    assert foreign_body["detail"] == missing_body["detail"]
    assert "leaf_hash" not in foreign_body


@pytest.mark.parametrize("event_id", ["0", "-1", str(2**63), str(2**70), "abc"])
def test_a_bad_event_id_is_a_client_error_not_a_crash(client, auth_headers, event_id):
    audit_seal_all()
    response = client.get(f"{EVENTS}/{event_id}/inclusion-proof", **auth_headers)
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("tree_size", [0, -1, 10**6, 2**63, 2**70, "abc"])
def test_a_bad_tree_size_for_an_inclusion_proof_is_a_client_error(client, agency, auth_headers, tree_size):
    audit_seal_all()
    event_id = _own_event_ids(agency)[0]
    response = client.get(f"{EVENTS}/{event_id}/inclusion-proof", {"tree_size": tree_size}, **auth_headers)
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == "application/problem+json"


def test_an_event_outside_the_asked_tree_head_is_not_found(client, agency, auth_headers):
    record_events(2)
    first = audit_seal()
    assert first is not None
    client.get("/api/v1/me", **auth_headers)  # a new event of this agency, sealed only in the next head
    audit_seal()
    newest = _own_event_ids(agency)[-1]
    response = client.get(f"{EVENTS}/{newest}/inclusion-proof", {"tree_size": first.tree_size}, **auth_headers)
    _assert_problem(response, 404)


# --- tree heads and consistency --------------------------------------------------------------


def test_the_latest_signed_tree_head_verifies_with_the_published_keys(client, auth_headers):
    audit_seal_all()
    response = client.get("/api/v1/audit/tree-heads/latest", **auth_headers)
    assert response.status_code == 200, response.content
    head = response.json()
    signed = _signed_head(client, head["signed_tree_head"])
    assert (signed["tree_size"], signed["root_hash"]) == (head["tree_size"], head["root_hash"])
    assert jws.extract_compact(head["signed_tree_head"].encode()).headers()["kid"] == head["key_id"]
    leaves = [bytes.fromhex(h) for h in AuditLeaf.objects.order_by("index").values_list("leaf_hash", flat=True)]
    assert merkle.root(leaves).hex() == signed["root_hash"]


def test_there_is_no_latest_tree_head_before_the_first_seal(client, auth_headers):
    _assert_problem(client.get("/api/v1/audit/tree-heads/latest", **auth_headers), 404)


def _seal_to_size(size: int) -> TreeHead:
    record_events(size - AuditEvent.objects.count())
    head = audit_seal()
    assert head is not None and head.tree_size == size
    return head


@pytest.mark.parametrize(("first", "second"), [(8, 13), (11, 16), (12, 12)])
def test_a_consistency_proof_between_two_tree_heads_verifies(client, auth_headers, first, second):
    older = _seal_to_size(first)
    newer = _seal_to_size(second) if second != first else older
    response = client.get("/api/v1/audit/consistency-proof", {"first": first, "second": second}, **auth_headers)
    assert response.status_code == 200, response.content
    body = response.json()
    first_signed = _signed_head(client, body["first"]["signed_tree_head"])
    second_signed = _signed_head(client, body["second"]["signed_tree_head"])
    assert (first_signed["tree_size"], second_signed["tree_size"]) == (first, second)
    assert (first_signed["root_hash"], second_signed["root_hash"]) == (older.root_hash, newer.root_hash)
    assert merkle.verify_consistency(
        first=first,
        second=second,
        first_root=bytes.fromhex(first_signed["root_hash"]),
        second_root=bytes.fromhex(second_signed["root_hash"]),
        proof=[bytes.fromhex(p) for p in body["consistency_path"]],
    )


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"first": 0, "second": 13}, 422),
        ({"first": -8, "second": 13}, 422),
        ({"first": 13, "second": 8}, 422),
        ({"first": 9, "second": 13}, 404),  # no signed head of size 9
        ({"first": 8, "second": 14}, 404),
        ({"first": 8, "second": 2**63}, None),
        ({"first": 2**70, "second": 2**70}, None),
        ({"first": "eight", "second": 13}, 422),
        ({"first": 8}, 422),
        ({}, 422),
    ],
)
def test_bad_sizes_for_a_consistency_proof_are_client_errors(client, auth_headers, query, status):
    _seal_to_size(8)
    _seal_to_size(13)
    response = client.get("/api/v1/audit/consistency-proof", query, **auth_headers)
    if status is None:
        assert 400 <= response.status_code < 500, response.content
        assert response["Content-Type"] == "application/problem+json"
    else:
        _assert_problem(response, status)


# --- request ids -----------------------------------------------------------------------------


def test_an_api_event_carries_the_request_id_of_the_request_that_made_it(client, agency, auth_headers):
    response = client.get("/api/v1/me", **auth_headers)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="agency.me_read")
    assert response["X-Request-ID"]
    assert event.request_id == response["X-Request-ID"]


def test_a_token_event_carries_the_request_id_of_the_token_request(client, agency):
    response = token_with_secret(client, agency)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="oauth.token_issued")
    assert event.request_id == response["X-Request-ID"]


def test_a_refused_token_request_is_audited_with_its_request_id(client, agency):
    response = token_with_secret(client, agency, secret="wrong")
    assert response.status_code == 401
    event = AuditEvent.objects.get(action="oauth.authentication_failed")
    assert event.request_id == response["X-Request-ID"]


def test_a_write_event_carries_the_request_id_of_the_write(client, agency, auth_headers):
    response = client.post(
        "/api/v1/notifications",
        {"insz": "85073003328", "message": "Uw dossier is afgerond.", "ipdc_product": "1502"},
        content_type="application/json",
        **auth_headers,
    )
    assert response.status_code == 202, response.content
    event = AuditEvent.objects.get(action="notification.created")
    assert event.request_id == response["X-Request-ID"]


def test_a_well_formed_caller_request_id_is_kept_on_the_response_and_the_event(client, agency, auth_headers):
    response = client.get("/api/v1/me", HTTP_X_REQUEST_ID="caller-trace-00000001", **auth_headers)
    assert response["X-Request-ID"] == "caller-trace-00000001"
    assert AuditEvent.objects.get(action="agency.me_read").request_id == "caller-trace-00000001"


def test_a_malformed_caller_request_id_is_replaced_everywhere(client, agency, auth_headers):
    response = client.get("/api/v1/me", HTTP_X_REQUEST_ID="bad id with spaces", **auth_headers)
    assert response["X-Request-ID"] != "bad id with spaces"
    assert AuditEvent.objects.get(action="agency.me_read").request_id == response["X-Request-ID"]


def test_each_request_gets_its_own_request_id(client, agency, auth_headers):
    ids = [client.get("/api/v1/me", **auth_headers)["X-Request-ID"] for _ in range(3)]
    assert len(set(ids)) == 3
    recorded = list(
        AuditEvent.objects.filter(action="agency.me_read").order_by("pk").values_list("request_id", flat=True)
    )
    assert recorded == ids


def test_the_events_listing_shows_each_events_request_id(client, agency, auth_headers):
    made = client.get("/api/v1/me", **auth_headers)
    listed = {e["action"]: e["request_id"] for e in client.get(EVENTS, **auth_headers).json()}
    assert listed["agency.me_read"] == made["X-Request-ID"]
