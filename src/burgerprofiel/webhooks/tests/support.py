"""Test support for webhooks: an agency with the three citizen-action components, a receiver,
and verification of what it received with both Standard Webhooks libraries (Python and npm)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from burgerprofiel.common.tests.http_peer import Recorded
from burgerprofiel.conftest import OnboardedAgency, make_agency

NODE_VERIFIER = Path(__file__).with_name("verify_standardwebhooks.mjs")
COMPONENTS = "foutmeldingen,aanvragen,betalingen"


def make_webhook_agency(name: str = "Agentschap Opgroeien", kbo: str = "0316380841") -> OnboardedAgency:
    return make_agency(name=name, kbo=kbo, components=COMPONENTS)


@dataclass
class Case:
    """What a receiver got (or an attacker made of it): the secret it verifies with, body, headers."""

    secret: str
    body: str
    headers: dict[str, str]

    @classmethod
    def of(cls, recorded: Recorded, secret: str) -> Case:
        wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
        return cls(secret, recorded.body.decode(), {k: v for k, v in recorded.headers.items() if k in wanted})


def python_verifies(case: Case) -> bool:
    try:
        Webhook(case.secret).verify(case.body, case.headers)
    except WebhookVerificationError:
        return False
    return True


def node_verifies(cases: list[Case]) -> list[dict[str, Any]]:
    """Each case verified by the npm ``standardwebhooks`` package in one node process."""
    result = subprocess.run(
        ["node", str(NODE_VERIFIER)],
        input=json.dumps([case.__dict__ for case in cases]),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return list(json.loads(result.stdout))
