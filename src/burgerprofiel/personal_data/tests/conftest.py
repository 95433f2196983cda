from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from burgerprofiel.personal_data.devpeers import DemoServer, Spec
from burgerprofiel.personal_data.tests.factories import demo_server


@pytest.fixture
def demo(db: Any) -> Iterator[Callable[..., DemoServer]]:
    started: list[DemoServer] = []

    def start(sources: dict[str, Spec], **kwargs: Any) -> DemoServer:
        server = demo_server(sources, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
