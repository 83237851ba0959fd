"""A real PostgreSQL for the tests: one fresh database per run, one fresh schema per test.

`TEST_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/postgres) names a server
the tests may create databases on. Where none answers, PostgreSQL tests skip with a one-line
reason, except under CI (`CI` set): there they fail, so CI always runs them.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_URL)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def with_schema(url: str, schema: str) -> str:
    """A URL whose connections use `schema` (libpq's `options`, so any client honours it)."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


class PostgresServer:
    """The run's own database on the test server; schemas are created and dropped per test."""

    def __init__(self, base: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self.base = base
        self.database = f"imagine_test_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self.url = with_database(base, self.database)

    def new_schema(self) -> str:
        name = f"t_{secrets.token_hex(6)}"
        with self._psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return name

    def schema_url(self, schema: str) -> str:
        return with_schema(self.url, schema)

    def drop_schema(self, name: str) -> None:
        with self._psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    def close(self) -> None:
        with self._psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def connect_or_skip() -> PostgresServer:
    url = admin_url()
    try:
        return PostgresServer(url)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means "none here"
        reason = f"no PostgreSQL at {url} ({type(exc).__name__}: {str(exc).strip()[:120]})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(reason)
