from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api import sql_templates
from api.settings import Settings
from tests.databases import BACKENDS, empty_all_tables, fresh_database, migrated_orm
from tests.factories import Factory
from tests.graphql_client import GraphQLClient, serving
from tests.smtp_server import SmtpServer

# Every statement the suite takes from a kept SQL text is rendered by Tortoise as well and
# must be the same (api/sql_templates.py).
sql_templates.CHECK = True


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    settings: Settings


@pytest.fixture(scope="session", params=BACKENDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    tmp: Path = tmp_path_factory.mktemp(request.param)
    async with fresh_database(request.param, tmp) as url, migrated_orm(url):
        settings = Settings(database_url=url, public_base_url="https://promoplan.example.com")
        yield Backend(request.param, url, settings)


@pytest.fixture
async def db(backend: Backend) -> Backend:
    """A backend whose tables are empty at the start of the test."""
    await empty_all_tables(backend.name)
    return backend


@pytest.fixture
async def api(db: Backend) -> AsyncIterator[GraphQLClient]:
    async with serving(db.settings) as client:
        yield client


@pytest.fixture
def make(db: Backend) -> Factory:
    return Factory(db.settings)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(db: Backend, smtp: SmtpServer) -> Settings:
    """Settings pointing at the test SMTP server, with quick polling and retries."""
    return db.settings.model_copy(
        update={
            "smtp_port": smtp.port,
            "mail_from": "planung@agentur.example.com",
            "outbox_poll_seconds": 0.05,
            "outbox_retry_base_seconds": 0.05,
            "outbox_retry_max_seconds": 0.2,
            "smtp_timeout_seconds": 5,
        }
    )
