"""The checked-in migrations build the schema the models describe, and none are missing.

The session-wide ORM (the `backend` fixture) lives in Tortoise's global context: calling
`Tortoise.init` or `Tortoise.close_connections` here (as `apply_migrations` does) would
re-initialise or close it. So the databases compared below are built by separate Python
processes and read back with plain `sqlite3` and `asyncpg` connections.
"""

import asyncio
import re
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import asyncpg

from tests.databases import fresh_database, table_names

REPO = Path(__file__).parents[1]

# Tortoise's record of applied migrations (tortoise/migrations/recorder.py): only migrating
# creates it, and it describes no model.
MIGRATIONS_TABLE = "tortoise_migrations"

MIGRATE = """
import asyncio, sys
from db.migrate import apply_migrations

asyncio.run(apply_migrations(sys.argv[1]))
"""

GENERATE_SCHEMAS = """
import asyncio, sys
from tortoise.context import TortoiseContext
from db.config import tortoise_config

async def main(url):
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        await ctx.generate_schemas(safe=False)

asyncio.run(main(sys.argv[1]))
"""

# What `tortoise makemigrations` (tortoise/cli/cli.py) would write, printed instead.
PENDING_MIGRATIONS = """
import asyncio
from tortoise.config import TortoiseConfig
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector
from db.config import tortoise_config

async def main():
    config = TortoiseConfig.resolve_args(tortoise_config("sqlite://:memory:")).to_dict()
    async with TortoiseContext() as ctx:
        await ctx.init(config=config, init_connections=False)
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    for writer in writers:
        print(f"# {writer.app_label}.{writer.name}")
        print(writer.as_string())

asyncio.run(main())
"""


async def run_python(script, *args):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


def sqlite_schema(path):
    """The schema as a set of facts (tuples), independent of column order and index names."""
    facts = set()
    with closing(sqlite3.connect(path)) as connection:
        connection.row_factory = sqlite3.Row
        tables = connection.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ?",
            (MIGRATIONS_TABLE,),
        ).fetchall()
        for table, sql in tables:
            facts.add(("table", table))
            if "AUTOINCREMENT" in sql.upper():
                facts.add(("autoincrement", table))

            columns = connection.execute("SELECT * FROM pragma_table_info(?)", (table,)).fetchall()
            for c in columns:
                not_null = "NOT NULL" if c["notnull"] else "NULL"
                default = c["dflt_value"]
                facts.add(("column", table, c["name"], c["type"].upper(), not_null, default))
            key_columns = sorted((c for c in columns if c["pk"]), key=lambda c: c["pk"])
            facts.add(("primary key", table, tuple(c["name"] for c in key_columns)))

            indexes = connection.execute("SELECT * FROM pragma_index_list(?)", (table,))
            for index in indexes.fetchall():
                if index["origin"] == "pk":
                    continue  # the primary key, already a fact
                keys = connection.execute("SELECT * FROM pragma_index_info(?)", (index["name"],))
                index_columns = tuple(k["name"] for k in sorted(keys, key=lambda k: k["seqno"]))
                unique = "UNIQUE" if index["unique"] else "NOT UNIQUE"
                partial = "PARTIAL" if index["partial"] else "FULL"
                facts.add(("index", table, index_columns, unique, partial))

            references = connection.execute("SELECT * FROM pragma_foreign_key_list(?)", (table,))
            foreign_keys = {}
            for r in references.fetchall():
                foreign_keys.setdefault(r["id"], []).append(r)
            for pairs in foreign_keys.values():
                pairs.sort(key=lambda r: r["seq"])
                facts.add(
                    (
                        "foreign key",
                        table,
                        tuple(r["from"] for r in pairs),
                        pairs[0]["table"],
                        tuple(r["to"] for r in pairs),
                        f"ON DELETE {pairs[0]['on_delete']}",
                        f"ON UPDATE {pairs[0]['on_update']}",
                    )
                )
    return facts


# Tables of the current schema, for queries joining pg_class as `c`; $1 is MIGRATIONS_TABLE.
PG_TABLES = """
    c.relnamespace = current_schema()::regnamespace
    AND c.relkind IN ('r', 'p') AND c.relname <> $1
"""


async def postgres_schema(url):
    """The schema as a set of facts (tuples), independent of column order and object names."""
    facts = set()
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            f"SELECT c.relname, obj_description(c.oid, 'pg_class') AS comment"
            f" FROM pg_class c WHERE {PG_TABLES}",
            MIGRATIONS_TABLE,
        )
        for t in tables:
            facts.add(("table", t["relname"]))
            if t["comment"] is not None:
                facts.add(("table comment", t["relname"], t["comment"]))

        columns = await connection.fetch(
            f"""
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
                   a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid) AS default,
                   col_description(c.oid, a.attnum) AS comment
            FROM pg_class c
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
            WHERE {PG_TABLES}
            """,
            MIGRATIONS_TABLE,
        )
        for c in columns:
            not_null = "NOT NULL" if c["attnotnull"] else "NULL"
            default = c["default"]
            if default is not None:
                # A serial's sequence keeps its first name when its table is renamed.
                default = re.sub(r"nextval\('[^']*'::regclass\)", "nextval(<sequence>)", default)
            identity = {"a": "ALWAYS AS IDENTITY", "d": "BY DEFAULT AS IDENTITY"}.get(
                c["attidentity"]
            )
            column = (c["relname"], c["attname"], c["type"], not_null, default, identity)
            facts.add(("column", *column))
            if c["comment"] is not None:
                facts.add(("column comment", c["relname"], c["attname"], c["comment"]))

        # Unique constraints are unique indexes too: compare them only as indexes.
        indexes = await connection.fetch(
            f"""
            SELECT c.relname, pg_get_indexdef(i.indexrelid) AS definition
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            WHERE {PG_TABLES} AND NOT i.indisprimary
            """,
            MIGRATIONS_TABLE,
        )
        for i in indexes:
            # "CREATE UNIQUE INDEX <name> ON public.users USING btree (email)"
            definition = re.sub(r" INDEX \S+ ON ", " INDEX ON ", i["definition"])
            facts.add(("index", i["relname"], definition))

        # Primary and foreign keys, checks, exclusions, e.g. "FOREIGN KEY (user_id)
        # REFERENCES users(id) ON DELETE CASCADE".
        constraints = await connection.fetch(
            f"""
            SELECT c.relname, pg_get_constraintdef(k.oid) AS definition
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE {PG_TABLES} AND k.contype <> 'u'
            """,
            MIGRATIONS_TABLE,
        )
        for k in constraints:
            facts.add(("constraint", k["relname"], k["definition"]))
    finally:
        await connection.close()
    return facts


async def database_schema(backend_name, url):
    if backend_name == "sqlite":
        return sqlite_schema(url.removeprefix("sqlite://"))
    return await postgres_schema(url)


def differences(migrated, generated):
    lines = ["only after migrating:", *map(repr, sorted(migrated - generated, key=repr))]
    lines += ["only from the models:", *map(repr, sorted(generated - migrated, key=repr))]
    return "\n".join(lines)


async def test_migrations_build_the_schema_the_models_describe(backend, tmp_path):
    migrated_dir, generated_dir = tmp_path / "migrated", tmp_path / "generated"
    migrated_dir.mkdir()
    generated_dir.mkdir()
    async with (
        fresh_database(backend.name, migrated_dir) as migrated_url,
        fresh_database(backend.name, generated_dir) as generated_url,
    ):
        await run_python(MIGRATE, migrated_url)
        await run_python(GENERATE_SCHEMAS, generated_url)
        migrated = await database_schema(backend.name, migrated_url)
        generated = await database_schema(backend.name, generated_url)

    assert {fact[1] for fact in generated if fact[0] == "table"} == set(table_names())
    assert migrated == generated, differences(migrated, generated)


async def test_no_model_change_lacks_a_migration():
    pending = await run_python(PENDING_MIGRATIONS)
    assert not pending, f"Run `tortoise makemigrations`; it would write:\n{pending}"
