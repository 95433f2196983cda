"""Throwaway PostgreSQL databases for the benchmarks: created empty next to a named one, dropped afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit


class BenchError(RuntimeError):
    """Something the benchmark relies on did not behave (a failed request, a broken trail)."""


def with_database(url: str, name: str) -> str:
    """``url`` with its database name replaced by ``name``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextlib.contextmanager
def throwaway_postgres(url: str, suffix: str) -> Iterator[str]:
    """A database ``<name>_<suffix>`` next to the one ``url`` names (which is never touched): dropped
    if it is left over, created empty, yielded as a URL, and dropped again afterwards."""
    import psycopg

    name = urlsplit(url).path.lstrip("/") or "burgerprofiel"
    quoted = '"' + f"{name}_{suffix}".replace('"', '""') + '"'

    def admin(sql: str) -> None:
        last_error: Exception | None = None
        for db in (name, "postgres"):  # the named database may not exist yet
            try:
                with psycopg.connect(with_database(url, db), autocommit=True) as conn:
                    conn.execute(sql)  # type: ignore[arg-type]
                return
            except psycopg.OperationalError as exc:
                last_error = exc
        raise BenchError(f"cannot reach PostgreSQL at {url}: {last_error}")

    admin(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    admin(f"CREATE DATABASE {quoted}")
    try:
        yield with_database(url, f"{name}_{suffix}")
    finally:
        from django.conf import settings

        if settings.configured:  # this process used the database through Django: let go of it first
            from django.db import connections

            connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
