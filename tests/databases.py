"""Fresh test databases: a SQLite file, and a PostgreSQL database per test session."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from db.config import tortoise_config
from db.migrate import apply_migrations

BACKENDS = ["sqlite", "postgres"]


def postgres_server_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL") or None
    if not url and os.environ.get("CI"):
        pytest.fail("CI must test PostgreSQL: set TEST_POSTGRES_URL (.ci/run does).")
    return url


async def _admin(server_url: str, statement: str) -> None:
    conn = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_database(backend: str, tmp: Path) -> AsyncIterator[str]:
    """Yield the URL of a new, empty database of `backend`, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite://{tmp / 'promoplan-test.sqlite3'}"
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip("TEST_POSTGRES_URL is not set")
    name = f"promoplan_test_{secrets.token_hex(4)}"
    await _admin(server, f'CREATE DATABASE "{name}"')
    parts = urlsplit(server)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def migrated_orm(database_url: str) -> AsyncIterator[None]:
    """Apply the checked-in migrations, then open the ORM on the database."""
    await apply_migrations(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()
        # Tortoise caches INSERT statements per connection name, in the dialect of the
        # database first seen; the next backend under the same name needs its own.
        EXECUTOR_CACHE.clear()


def table_names() -> list[str]:
    return [model._meta.db_table for model in Tortoise.apps["models"].values()]


async def empty_all_tables(backend: str) -> None:
    connection = connections.get("default")
    tables = table_names()
    if backend == "postgres":
        quoted = ", ".join(f'"{t}"' for t in tables)
        await connection.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        return
    await connection.execute_script(
        "PRAGMA foreign_keys = OFF;"
        + "".join(f'DELETE FROM "{t}";' for t in tables)
        + "DELETE FROM sqlite_sequence;"
        + "PRAGMA foreign_keys = ON;"
    )
