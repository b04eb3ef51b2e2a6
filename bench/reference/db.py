"""The reference's database access: the same drivers as the API (aiosqlite with Tortoise's
pragmas on one connection, an asyncpg pool of the API's default size), plain rows out,
and a count of statements.

SQL is written once with `?` placeholders; PostgreSQL gets `$n`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import aiosqlite
import asyncpg

from db.config import PooledConnection

Rows = list[Sequence[Any]]
POOL_SIZE = 10
_MARK = re.compile(r"\?")


class Database:
    """Base: statement counting and the dialect's value conversions."""

    dialect = ""

    def __init__(self) -> None:
        self.statements = 0

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def text_of_datetime(self, value: Any) -> str:
        """A DateTime as the API answers it: ISO 8601 with T and the UTC offset."""
        raise NotImplementedError

    def datetime_of(self, value: Any) -> datetime:
        raise NotImplementedError

    def text_of_date(self, value: Any) -> str | None:
        raise NotImplementedError

    def datetime_param(self, value: datetime) -> Any:
        raise NotImplementedError

    def date_param(self, value: date) -> Any:
        raise NotImplementedError

    def text_aggregate(self, column: str) -> str:
        """SQL joining a column's values with newlines."""
        raise NotImplementedError


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection) -> None:
        super().__init__()
        self.connection = connection

    @classmethod
    async def open(cls, path: str) -> SqliteDatabase:
        connection = await aiosqlite.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "journal_size_limit=16384", "foreign_keys=ON"):
            await connection.execute(f"PRAGMA {pragma}")
        return cls(connection)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        self.statements += 1
        return list(await self.connection.execute_fetchall(sql, params))

    async def close(self) -> None:
        await self.connection.close()

    def text_of_datetime(self, value: Any) -> str:
        # Stored as isoformat(" ") of a UTC datetime, which Tortoise reads back unchanged.
        return f"{value[:10]}T{value[11:]}"

    def datetime_of(self, value: Any) -> datetime:
        return datetime.fromisoformat(value)

    def text_of_date(self, value: Any) -> str | None:
        return value

    def datetime_param(self, value: datetime) -> Any:
        return value.astimezone(UTC).isoformat(" ")

    def date_param(self, value: date) -> Any:
        return value.isoformat()

    def text_aggregate(self, column: str) -> str:
        return f"group_concat({column}, char(10))"


class PostgresDatabase(Database):
    dialect = "postgres"

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__()
        self.pool = pool
        self.translated: dict[str, str] = {}

    @classmethod
    async def open(cls, url: str) -> PostgresDatabase:
        # The API's connection class: no reset statement when a connection is released.
        pool = await asyncpg.create_pool(
            url, min_size=1, max_size=POOL_SIZE, connection_class=PooledConnection
        )
        return cls(pool)

    def _translate(self, sql: str) -> str:
        translated = self.translated.get(sql)
        if translated is None:
            numbers = iter(range(1, 10_000))
            translated = _MARK.sub(lambda _: f"${next(numbers)}", sql)
            self.translated[sql] = translated
        return translated

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        self.statements += 1
        return list(await self.pool.fetch(self._translate(sql), *params))

    async def close(self) -> None:
        await self.pool.close()

    def text_of_datetime(self, value: Any) -> str:
        return value.astimezone(UTC).isoformat()

    def datetime_of(self, value: Any) -> datetime:
        return value

    def text_of_date(self, value: Any) -> str | None:
        return None if value is None else value.isoformat()

    def datetime_param(self, value: datetime) -> Any:
        return value

    def date_param(self, value: date) -> Any:
        return value

    def text_aggregate(self, column: str) -> str:
        return f"string_agg({column}, chr(10))"


async def open_database(url: str) -> Database:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return await SqliteDatabase.open(parts.netloc + parts.path)
    return await PostgresDatabase.open(url)
