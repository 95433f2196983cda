"""Behind a reverse proxy the client is the one the trusted proxies name, and nobody else can say so."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from burgerprofiel.common.client_ip import client_address, networks_parse

PROXIES = networks_parse(["127.0.0.1/32", "::1/128", "10.0.0.0/8"], setting="TRUSTED_PROXIES")


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),  # the local proxy names the client
        ("127.0.0.1", "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the leftmost entry is the caller's own claim
        ("127.0.0.1", "203.0.113.5, 10.1.2.3", "203.0.113.5"),  # two trusted hops: the first untrusted one
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not from a proxy: the header is ignored
        ("127.0.0.1", "", "127.0.0.1"),  # the proxy itself, or a local call
        ("127.0.0.1", "nonsense, 203.0.113.5", "203.0.113.5"),
        ("127.0.0.1", "203.0.113.5, nonsense", "127.0.0.1"),  # what a trusted hop sent is unreadable: stop there
        ("::1", "[2001:db8::7]:4711", "2001:db8::7"),
        ("::ffff:127.0.0.1", "203.0.113.5:51000", "203.0.113.5"),
    ],
)
def test_the_client_is_the_rightmost_address_not_vouched_for_by_a_trusted_proxy(remote, forwarded, client):
    assert client_address(remote, forwarded, PROXIES) == client


def test_a_trusted_proxies_setting_that_is_not_a_cidr_stops_the_start():
    with pytest.raises(ImproperlyConfigured):
        networks_parse(["10.0.0.0/8", "proxy.internal"], setting="TRUSTED_PROXIES")


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["127.0.0.1/32"])
def test_metrics_behind_the_proxy_see_the_client_not_the_proxy(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 404


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[], METRICS_ALLOWED_IPS=["10.0.0.0/8"])
def test_a_forwarded_for_header_from_an_untrusted_caller_opens_nothing(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.9.8.7").status_code == 200  # a CIDR in the allowlist


@pytest.mark.django_db
@override_settings(METRICS_AUTH_REQUIRED=True, METRICS_TOKEN="scraper-secret-0123456789")
def test_in_production_metrics_need_the_scrapers_token_even_from_an_allowed_address(client):
    missing = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"burgerprofiel_" not in missing.content
    wrong = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer raden")
    assert wrong.status_code == 401
    right = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer scraper-secret-0123456789")
    assert right.status_code == 200
    assert b"burgerprofiel_http_requests" in right.content
