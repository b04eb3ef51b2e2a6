"""Applying the checked-in migrations."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from db.config import tortoise_config


def ensure_sqlite_directory(database_url: str) -> None:
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = Path(parts.netloc + parts.path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)


async def apply_migrations(database_url: str) -> None:
    """Bring the database to the newest migration, then close the connections."""
    ensure_sqlite_directory(database_url)
    try:
        await migrate(config=tortoise_config(database_url, pool_size=2))
    finally:
        await Tortoise.close_connections()
