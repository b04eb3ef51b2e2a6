"""Tortoise configuration, built from a database URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MODEL_MODULES = [
    "db.models.accounts",
    "db.models.crm",
    "db.models.notifications",
    "db.models.activities",
    "db.models.tasks",
    "db.models.promotions",
    "db.models.planning",
]


def _with_pool_size(url: str, pool_size: int) -> str:
    """asyncpg pools default to 5 connections; size them from settings instead."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return url
    query = dict(parse_qsl(parts.query))
    query.setdefault("maxsize", str(pool_size))
    query.setdefault("minsize", "1")
    return urlunsplit(parts._replace(query=urlencode(query)))


def tortoise_config(database_url: str, pool_size: int = 10) -> dict[str, Any]:
    return {
        "connections": {"default": _with_pool_size(database_url, pool_size)},
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
