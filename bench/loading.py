"""Bulk-loading the data set into a migrated database, through the database drivers.

SQLite: `executemany` in one transaction per table, values in the text forms Tortoise
writes (`datetime.isoformat(" ")`, ISO dates, 0/1), then a foreign-key check. PostgreSQL:
`COPY` (asyncpg's `copy_records_to_table`) with triggers off, then the id sequences are moved
past the rows and the tables vacuumed and analysed, as autovacuum does with inserted rows
(PostgreSQL 13 and later): vacuuming sets the visibility map, without which an index-only
scan still visits the table for every row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.dataset import Dataset, Row, Table

Convert = Callable[[Any], Any]


class SchemaMismatch(RuntimeError):
    """The data set and the migrated schema disagree (a migration changed a table)."""


def _check_columns(table: str, given: Sequence[str], required: set[str], known: set[str]) -> None:
    unknown = [c for c in given if c not in known]
    missing = sorted(required - set(given))
    if unknown or missing:
        raise SchemaMismatch(
            f"table {table}: the benchmark writes unknown columns {unknown} and omits required "
            f"columns {missing}; update bench/dataset.py"
        )


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def _postgres_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def _converted(table: Table, convert: Convert) -> Iterator[Row]:
    """Rows with each column converted by the converter its values need (found once)."""
    width = len(table.columns)
    needs: list[int] = []
    for index in range(width):
        sample = next((row[index] for row in table.rows if row[index] is not None), None)
        if sample is not None and convert(sample) is not sample:
            needs.append(index)
    if not needs:
        yield from table.rows
        return
    for row in table.rows:
        values = list(row)
        for index in needs:
            if values[index] is not None:
                values[index] = convert(values[index])
        yield tuple(values)


def load_sqlite(path: Path, dataset: Dataset) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA foreign_keys=OFF")
        for name, table in dataset.tables.items():
            info = connection.execute(f'PRAGMA table_info("{name}")').fetchall()
            known = {row[1] for row in info}
            required = {row[1] for row in info if row[3] and row[4] is None and not row[5]}
            _check_columns(name, table.columns, required, known)
            columns = ", ".join(f'"{c}"' for c in table.columns)
            marks = ", ".join("?" for _ in table.columns)
            connection.execute("BEGIN")
            connection.executemany(
                f'INSERT INTO "{name}" ({columns}) VALUES ({marks})',
                _converted(table, _sqlite_value),
            )
            connection.execute("COMMIT")
        broken = connection.execute("PRAGMA foreign_key_check").fetchmany(5)
        if broken:
            raise SchemaMismatch(f"foreign keys broken by the data set: {broken}")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


async def load_postgres(url: str, dataset: Dataset) -> None:
    connection = await asyncpg.connect(url)
    try:
        # Foreign keys are checked on the SQLite copy of the same rows.
        await connection.execute("SET session_replication_role = replica")
        for name, table in dataset.tables.items():
            info = await connection.fetch(
                "SELECT column_name, is_nullable, column_default FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = $1",
                name,
            )
            known = {row["column_name"] for row in info}
            required = {
                row["column_name"]
                for row in info
                if row["is_nullable"] == "NO" and row["column_default"] is None
            }
            _check_columns(name, table.columns, required, known)
            await connection.copy_records_to_table(
                name, records=_converted(table, _postgres_value), columns=list(table.columns)
            )
            if "id" in table.columns:
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f'GREATEST((SELECT MAX(id) FROM "{name}"), 1))'
                )
        await connection.execute("SET session_replication_role = DEFAULT")
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
