"""The `promoplan` command, run as an operator would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]


def promoplan(*args: str, env: dict[str, str] | None = None, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def sqlite_env(tmp_path):
    return {"DATABASE_URL": f"sqlite://{tmp_path / 'cli' / 'promoplan.sqlite3'}"}


@pytest.mark.parametrize(
    ("variable", "value"), [("SMTP_PORT", "twenty-five"), ("PROMOPLAN_SERVER_HTTP", "http2")]
)
def test_an_invalid_setting_stops_with_one_line_naming_it(sqlite_env, variable, value):
    result = promoplan("serve", env={**sqlite_env, variable: value})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert variable in result.stderr


def test_migrate_create_user_and_seed_demo(sqlite_env):
    assert promoplan("migrate", env=sqlite_env).returncode == 0
    created = promoplan(
        "create-user", "--email", "Ops@Example.com", "--name", "Olga Ops", "--role", "ADMIN",
        env={**sqlite_env, "PROMOPLAN_PASSWORD": "operator password 1"},
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "ops@example.com" in created.stdout

    duplicate = promoplan(
        "create-user", "--email", "ops@example.com", "--name", "Again", "--role", "STAFF",
        env={**sqlite_env, "PROMOPLAN_PASSWORD": "operator password 1"},
    )  # fmt: skip
    assert duplicate.returncode == 1
    assert "email" in duplicate.stderr

    seeded = promoplan("seed-demo", env=sqlite_env)
    assert seeded.returncode == 0
    assert "not loaded again" in seeded.stdout, "a database with users keeps its data"


def test_create_user_prompts_for_the_password(sqlite_env):
    result = promoplan(
        "create-user", "--email", "p@example.com", "--name", "Paul", "--role", "STAFF",
        env={**sqlite_env, "PROMOPLAN_PASSWORD": ""},
        stdin="typed password 1\ntyped password 1\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_seed_demo_prints_logins_that_exist(sqlite_env):
    result = promoplan("seed-demo", env=sqlite_env)
    assert result.returncode == 0
    assert "Demo data loaded." in result.stdout
    assert "admin@demo.example.com" in result.stdout


def test_export_schema_prints_the_checked_in_sdl():
    result = promoplan("export-schema")
    assert result.returncode == 0
    assert result.stdout == (REPO / "schema.graphql").read_text()
