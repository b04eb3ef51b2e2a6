"""PostgreSQL connections go back to the pool without a reset statement of their own
(db/config.py's PooledConnection): a statement is one round trip, not two. What the
reset protected against stays covered: a transaction left open is rolled back."""

from __future__ import annotations

import asyncio

import pytest
from asyncpg.connection import LoggedQuery
from tortoise import connections

from db.models.crm import Territory
from tests.conftest import Backend


async def test_a_released_connection_sends_nothing_but_the_rollback_of_an_open_transaction(
    db: Backend,
):
    if db.name != "postgres":
        pytest.skip("asyncpg's pool: PostgreSQL only")
    pool = connections.get("default")._pool
    sent: list[str] = []

    def log(record: LoggedQuery) -> None:
        sent.append(record.query)

    connection = await pool.acquire()
    connection.add_query_logger(log)
    await connection.fetchval("SELECT 1")
    await pool.release(connection)
    # An abandoned transaction: begun, written to, never committed.
    connection = await pool.acquire()
    connection.add_query_logger(log)
    await connection.execute("BEGIN")
    await connection.execute("INSERT INTO territories (name, path) VALUES ('Nord', '/9/')")
    await pool.release(connection)
    await asyncio.sleep(0)  # the logger is called soon after each statement

    assert sent == [
        "SELECT 1",
        "BEGIN",
        "INSERT INTO territories (name, path) VALUES ('Nord', '/9/')",
        "ROLLBACK",
    ]
    assert not await Territory.filter(path="/9/").exists()
