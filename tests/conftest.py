from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from tests.databases import BACKENDS, empty_all_tables, fresh_database, migrated_orm
from tests.factories import Factory
from tests.graphql_client import GraphQLClient


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
    app = create_app(db.settings, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://promoplan.test") as http:
        yield GraphQLClient(http)


@pytest.fixture
def make(db: Backend) -> Factory:
    return Factory(db.settings)
