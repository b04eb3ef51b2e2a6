from pathlib import Path

from api.graphql import sdl

SCHEMA_FILE = Path(__file__).parents[1] / "schema.graphql"


def test_checked_in_schema_matches_the_code():
    assert SCHEMA_FILE.read_text() == sdl(), "schema.graphql is stale: run `make schema`"
