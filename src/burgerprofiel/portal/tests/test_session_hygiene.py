"""A browser test leaves nothing behind for the tests that run after it in the same session.

Two things used to leak: Playwright's event loop, marked as running in the main thread until the
session ended (so ``asyncio.run`` refused to start and Django refused ORM calls in every later
test), and the flush that ends a transactional test, which also emptied what migrations put in
the database (the back-office roles). The first three tests are probes: harmless alone, they fail
when they run after a browser test that leaks. The last one runs a browser test and then the
probes in one pytest session of their own.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from burgerprofiel.portal.tests.conftest import REPO

HERE = Path(__file__)
PROBES = [
    "test_no_event_loop_is_marked_running_in_a_test_that_drives_no_browser",
    "test_djangos_async_guard_is_on_in_a_test_that_drives_no_browser",
    "test_the_roles_created_by_migrations_are_in_the_database",
]


def test_no_event_loop_is_marked_running_in_a_test_that_drives_no_browser() -> None:
    assert asyncio._get_running_loop() is None
    assert asyncio.run(asyncio.sleep(0, result="ran")) == "ran"


def test_djangos_async_guard_is_on_in_a_test_that_drives_no_browser() -> None:
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ


# Transactional like the browser tests: pytest-django runs every plain database test before them.
# Not marked browser: every session keeps the snapshot the flush reloads (conftest's django_db_setup),
# so the roles are there after any transactional test, with or without browser tests in the run.
@pytest.mark.django_db(transaction=True)
def test_the_roles_created_by_migrations_are_in_the_database() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {"operator", "auditor"}


@pytest.mark.browser
def test_the_tests_after_a_browser_test_find_no_event_loop_and_the_migrations_data(tmp_path: Path) -> None:
    browser_test = HERE.with_name("test_reflow.py").as_posix() + "::test_the_public_pages_reflow_at_320_css_pixels"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'hygiene.sqlite3'}"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", browser_test]
        + [f"{HERE.as_posix()}::{name}" for name in PROBES],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
