"""OWASP ASVS 5.0 Level 2: docs/security/asvs.md names every requirement, and the settings it cites hold."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[4] / "docs" / "security" / "asvs.md"

# Every Level 1 and Level 2 requirement of ASVS 5.0.0, per section: the numbers of its requirements
# (from the standard's own CSV, column L <= 2). Level 3 requirements are not listed.
LEVEL_2: dict[str, tuple[int, ...]] = {
    "1.1": (1, 2), "1.2": (1, 2, 3, 4, 5, 6, 7, 8, 9), "1.3": tuple(range(1, 12)), "1.4": (1, 2, 3), "1.5": (1, 2),
    "2.1": (1, 2, 3), "2.2": (1, 2, 3), "2.3": (1, 2, 3, 4), "2.4": (1,),
    "3.2": (1, 2), "3.3": (1, 2, 3, 4), "3.4": (1, 2, 3, 4, 5, 6), "3.5": (1, 2, 3, 4, 5), "3.7": (1, 2),
    "4.1": (1, 2, 3), "4.2": (1,), "4.3": (1, 2), "4.4": (1, 2, 3, 4),
    "5.1": (1,), "5.2": (1, 2, 3), "5.3": (1, 2), "5.4": (1, 2, 3),
    "6.1": (1, 2, 3), "6.2": tuple(range(1, 13)), "6.3": (1, 2, 3, 4), "6.4": (1, 2, 3, 4), "6.5": (1, 2, 3, 4, 5),
    "6.6": (1, 2, 3), "6.8": (1, 2, 3, 4),
    "7.1": (1, 2, 3), "7.2": (1, 2, 3, 4), "7.3": (1, 2), "7.4": (1, 2, 3, 4, 5), "7.5": (1, 2), "7.6": (1, 2),
    "8.1": (1, 2), "8.2": (1, 2, 3), "8.3": (1,), "8.4": (1,),
    "9.1": (1, 2, 3), "9.2": (1, 2, 3, 4),
    "10.1": (1, 2), "10.2": (1, 2), "10.3": (1, 2, 3, 4), "10.4": tuple(range(1, 12)), "10.5": (1, 2, 3, 4, 5),
    "10.6": (1, 2), "10.7": (1, 2, 3),
    "11.1": (1, 2), "11.2": (1, 2, 3), "11.3": (1, 2, 3), "11.4": (1, 2, 3, 4), "11.5": (1,), "11.6": (1,),
    "12.1": (1, 2, 3), "12.2": (1, 2), "12.3": (1, 2, 3, 4),
    "13.1": (1,), "13.2": (1, 2, 3, 4, 5), "13.3": (1, 2), "13.4": (1, 2, 3, 4, 5),
    "14.1": (1, 2), "14.2": (1, 2, 3, 4), "14.3": (1, 2, 3),
    "15.1": (1, 2, 3), "15.2": (1, 2, 3), "15.3": (1, 2, 3, 4, 5, 6, 7),
    "16.1": (1,), "16.2": (1, 2, 3, 4, 5), "16.3": (1, 2, 3, 4), "16.4": (1, 2, 3), "16.5": (1, 2, 3),
    "17.1": (1,), "17.2": (1, 2, 3, 4), "17.3": (1, 2),
}  # fmt: skip
STATUSES = {"met", "partly", "n/a", "not met"}
ROW = re.compile(r"^\| (V\d+\.\d+\.\d+) \| ([12]) \| ([^|]+) \| ([^|]+) \| (.+) \|$")


def _rows() -> dict[str, tuple[str, str, str, str]]:
    rows: dict[str, tuple[str, str, str, str]] = {}
    for line in DOC.read_text().splitlines():
        match = ROW.match(line.strip())
        if match:
            req, level, title, status, how = match.groups()
            assert req not in rows, f"{req} is listed twice"
            rows[req] = (level, title.strip(), status.strip(), how.strip())
    return rows


def test_the_asvs_document_lists_every_level_2_requirement_once_with_a_status_and_how():
    expected = {f"V{section}.{n}" for section, numbers in LEVEL_2.items() for n in numbers}
    rows = _rows()
    assert len(expected) == 253
    assert sorted(expected - set(rows)) == []  # none missing
    assert sorted(set(rows) - expected) == []  # no Level 3 or made-up ids
    for req, (_, title, status, how) in rows.items():
        assert status in STATUSES, (req, status)
        assert title and len(how) >= 20, req  # a reason, not a word


def test_production_cookies_are_secure_and_host_only_and_the_csp_forbids_plugins_and_base(tmp_path: Any):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BURGERPROFIEL", "DATABASE"))}
    env.update(
        BURGERPROFIEL_PROFILE="production",
        BURGERPROFIEL_BASE_DIR=str(tmp_path),
        SECRET_KEY="x" * 50,
        KEY_ENCRYPTION_KEYS="p1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        BLIND_INDEX_KEY="y" * 40,
        OIDC_CLIENT_SECRET="z" * 30,
        METRICS_TOKEN="m" * 32,
        ALLOWED_HOSTS="burgerprofiel.example",
        DATABASE_URL="sqlite:///:memory:",
        DJANGO_SETTINGS_MODULE="burgerprofiel.conf.settings",
    )
    from burgerprofiel.conf.env import REGISTRY

    env.update({n: "s" * 40 for n, v in REGISTRY.items() if v.secret and n not in env})
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_NAME, s.CSRF_COOKIE_SECURE, "
        "s.LANGUAGE_COOKIE_NAME, s.LANGUAGE_COOKIE_SECURE, s.METRICS_AUTH_REQUIRED, s.TRUSTED_PROXIES); "
        "print(s.CONTENT_SECURITY_POLICY)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    cookies, csp = result.stdout.strip().splitlines()
    assert cookies == (
        "__Host-bp_session True __Host-bp_csrf True __Host-bp_taal True True ['127.0.0.1/32', '::1/128']"
    )
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp


def test_portal_pages_with_personal_data_are_never_cached(client, db):
    from burgerprofiel.conftest import login_citizen
    from burgerprofiel.notifications.tests.factories import INSZ

    login_citizen(client, INSZ)
    for path in ("/overzicht", "/contactvoorkeuren", "/mijn-dossiers/", "/wie-bekeek-mijn-gegevens"):
        response = client.get(path)
        assert response.get("Cache-Control") == "no-store", (path, response.status_code)
    assert client.get("/oauth/jwks")["Cache-Control"] == "public, max-age=300"  # public keys may be cached
