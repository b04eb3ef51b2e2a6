"""The address search in the database: one statement a page, its terms from an index alone.

Every column the search reads from `address_search_terms` (term, address, weight) is in one
index, so a prefix's terms come from the index without visiting the table: on 100,000
addresses that halves the search's time in the database (see bench/RESULTS.md).
"""

import json

from tortoise import connections
from tortoise.transactions import in_transaction

from db.models.accounts import Role
from tests.sql_counter import QueryLog, count_queries


async def _searched(api, make) -> tuple[dict, QueryLog]:
    """A staff user's search for "mül" among three addresses, two of them matching."""
    staff = await make.login(Role.STAFF)
    for name in ("Müller GmbH", "Mühle am Bach", "Bäckerei Mülheim"):
        new = {"input": {"kind": "COMPANY", "name": name, "city": "Berlin"}}
        created = await api.op("CreateAddress", new, staff.token)
        assert "errors" not in created, created
    async with count_queries() as queries:
        found = await api.op("SearchAddresses", {"search": "mül"}, staff.token)
    assert "errors" not in found, found
    return found["data"]["addresses"], queries


async def test_a_search_page_is_one_statement_after_the_viewers(api, make):
    """The hits, their addresses' columns and the whole result's count come together."""
    page, queries = await _searched(api, make)
    assert page["totalCount"] == 2
    names = sorted(edge["node"]["name"] for edge in page["edges"])
    assert names == ["Bäckerei Mülheim", "Müller GmbH"]
    assert all(edge["node"]["city"] == "Berlin" for edge in page["edges"])
    assert queries.count == 2, queries.report()


async def _search_statement(api, make) -> tuple[str, list]:
    _, queries = await _searched(api, make)
    [statement] = [s for s in queries.statements if "address_search_terms" in s.sql]
    return statement.sql, list(statement.values or [])


def _terms_nodes(plan: dict) -> list[str]:
    own = [plan["Node Type"]] if plan.get("Relation Name") == "address_search_terms" else []
    return own + [node for child in plan.get("Plans", []) for node in _terms_nodes(child)]


async def test_the_search_reads_terms_from_the_index_alone(api, make, db):
    sql, values = await _search_statement(api, make)
    connection = connections.get("default")
    if db.name == "sqlite":
        plan = await connection.execute_query_dict(f"EXPLAIN QUERY PLAN {sql}", values)
        terms = [row["detail"] for row in plan if row["detail"].startswith("SEARCH t ")]
        assert terms and all("USING COVERING INDEX" in detail for detail in terms), plan
        return
    # The visibility map tells PostgreSQL which pages need no visit; autovacuum keeps it.
    await connection.execute_script("VACUUM ANALYZE address_search_terms")
    async with in_transaction() as transaction:
        # A table of a few rows is cheapest to read whole; price that out, as on a large one.
        await transaction.execute_script(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off"
        )
        [row] = await transaction.execute_query_dict(f"EXPLAIN (FORMAT JSON) {sql}", values)
    plan = row["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert set(_terms_nodes(plan[0]["Plan"])) == {"Index Only Scan"}, plan
