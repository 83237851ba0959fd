"""Shared fixtures: the real data files, a real SQLite database in a temp dir, the service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.providers.demo import DemoProvider
from adapters.storage.database import Database, open_database
from adapters.storage.fleet import SqlFleet
from adapters.storage.jobs import SqlJobStore
from adapters.storage.ledger import SqlLedger
from bot.domain.catalog import Catalog, load_catalog
from bot.domain.intents import IntentTable, load_intents
from bot.domain.providers import ImageProvider
from bot.services.generation import GenerationService
from bot.services.planning import Planner
from bot.services.provider_router import ProviderRouter
from bot.services.worker import JobRunner
from tests.postgres import PostgresServer, connect_or_skip

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DATA / "models.toml")


@pytest.fixture(scope="session")
def intents() -> IntentTable:
    return load_intents(DATA / "intents.toml")


ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = connect_or_skip()
    yield server
    server.close()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each engine: every test that uses it is part of the
    storage contract suite and runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    schema = server.new_schema()
    yield server.schema_url(schema)
    server.drop_schema(schema)


@pytest.fixture
async def db(db_url: str, _stop_runners: None) -> AsyncIterator[Database]:
    database = await open_database(db_url)
    yield database
    await database.close()


@pytest.fixture
def ledger(db: Database) -> SqlLedger:
    return SqlLedger(db)


def build_service(
    db: Database,
    providers: dict[str, ImageProvider] | None = None,
    demo: ImageProvider | None = None,
    *,
    concurrency: int = 4,
    max_jobs: int = 2,
    timeout: float = 30.0,
    welcome: int = 50,
    lease: float = 30.0,
    platforms: set[str] | None = None,
) -> GenerationService:
    """The real service over a real database, with the given providers (none = demo)."""
    catalog = load_catalog(DATA / "models.toml")
    ledger, jobs = SqlLedger(db), SqlJobStore(db)
    router = ProviderRouter(providers or {}, demo or DemoProvider())
    runner = JobRunner(jobs, ledger, SqlFleet(db), router, catalog, concurrency=concurrency,
                       lease=lease, timeout=timeout, poll=0.05, platforms=platforms)
    RUNNERS.append(runner)
    return GenerationService(
        Planner(catalog, load_intents(DATA / "intents.toml")),
        ledger,
        jobs,
        router,
        runner,
        welcome_credits=welcome,
        max_jobs_per_user=max_jobs,
        timeout=timeout,
    )


RUNNERS: list[JobRunner] = []


@pytest.fixture(autouse=True)
async def _stop_runners() -> AsyncIterator[None]:
    """Every runner a test built stops before its database closes."""
    yield
    while RUNNERS:
        await RUNNERS.pop().stop()


@pytest.fixture
def make_service(db: Database):
    def build(*args, **kwargs) -> GenerationService:  # type: ignore[no-untyped-def]
        return build_service(db, *args, **kwargs)

    return build
