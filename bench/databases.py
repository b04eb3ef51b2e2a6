"""Fresh databases for a run: a SQLite file in the work directory, a PostgreSQL database
created on the admin connection (and dropped at the end), both migrated by the project."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.options import REPO


@dataclass(frozen=True, slots=True)
class Database:
    kind: str
    url: str
    # PostgreSQL: the database's name, to drop it; SQLite: the file.
    name: str

    @property
    def sqlite_path(self) -> Path:
        return Path(self.name)


def sqlite_database(workdir: Path) -> Database:
    path = workdir / "bench.sqlite3"
    for stale in (path, path.with_suffix(".sqlite3-wal"), path.with_suffix(".sqlite3-shm")):
        stale.unlink(missing_ok=True)
    return Database("sqlite", f"sqlite://{path.resolve()}", str(path.resolve()))


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def create_postgres(admin_url: str) -> Database:
    name = f"promoplan_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return Database("postgres", _with_database(admin_url, name), name)


async def drop_postgres(admin_url: str, database: Database) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            database.name,
        )
        await connection.execute(f'DROP DATABASE IF EXISTS "{database.name}"')
    finally:
        await connection.close()


def migrate(database: Database) -> None:
    """`promoplan migrate` in its own process: Tortoise keeps state per process, and each
    database gets a fresh one."""
    done = subprocess.run(
        [sys.executable, "-m", "api", "migrate"],
        env={**os.environ, "DATABASE_URL": database.url},
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrating {database.kind} failed: {done.stderr.decode()[-3000:]}")


async def server_version(database: Database) -> str:
    if database.kind == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    connection = await asyncpg.connect(database.url)
    try:
        version = str(await connection.fetchval("SHOW server_version"))
        return f"PostgreSQL {version.split()[0]}"
    finally:
        await connection.close()
