"""Tortoise configuration, built from a database URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url

MODEL_MODULES = [
    "db.models.accounts",
    "db.models.crm",
    "db.models.notifications",
    "db.models.activities",
    "db.models.tasks",
    "db.models.promotions",
    "db.models.planning",
]


class PooledConnection(asyncpg.Connection):
    """A PostgreSQL connection that goes back to the pool without a reset statement.

    asyncpg resets a released connection by default with `SELECT pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL;`: a second round trip for every statement outside a
    transaction, which doubled the time and PostgreSQL's work per statement. This code base
    leaves nothing of that behind -- no advisory locks, cursors outside transactions,
    LISTEN or session settings -- so there is nothing to reset. asyncpg still rolls back a
    transaction left open and drops listeners before it pools the connection again."""

    def get_reset_query(self) -> str:
        return ""


def _postgres(url: str, pool_size: int) -> dict[str, Any]:
    """The connection's Tortoise config: pools sized from settings (asyncpg's default is
    5) whose connections are PooledConnection."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("maxsize", str(pool_size))
    query.setdefault("minsize", "1")
    config = expand_db_url(urlunsplit(parts._replace(query=urlencode(query))))
    config["credentials"]["connection_class"] = PooledConnection
    return config


def tortoise_config(database_url: str, pool_size: int = 10) -> dict[str, Any]:
    sqlite = urlsplit(database_url).scheme == "sqlite"
    connection = database_url if sqlite else _postgres(database_url, pool_size)
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "migrations": "db.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    """`TORTOISE_ORM`, read by the `tortoise` CLI ([tool.tortoise] in pyproject.toml)."""
    if name != "TORTOISE_ORM":
        raise AttributeError(name)
    from api.settings import load_settings

    settings = load_settings()
    return tortoise_config(settings.database_url, settings.database_pool_size)
