"""Request-level failures: limits, bad requests and masked internal errors."""

import pytest
from tortoise import connections

from api.errors import MASKED_MESSAGE
from api.limits import MAX_ALIASES, MAX_FIELD_LEVELS, MAX_TOKENS
from db.models.accounts import Role
from tests.graphql_client import error_codes
from tests.sql_counter import count_queries


@pytest.mark.parametrize("arguments", ["first: 101", "first: -1", "last: 101", 'after: "%%%"'])
async def test_page_arguments_out_of_range_are_bad_requests(api, make, arguments):
    admin = await make.login(Role.ADMIN)
    result = await api.post(f"{{ users({arguments}) {{ totalCount }} }}", token=admin.token)
    assert result["data"] is None
    assert error_codes(result) == ["BAD_REQUEST"]
    assert (
        "first" in result["errors"][0]["message"]
        or "after" in result["errors"][0]["message"]
        or "last" in result["errors"][0]["message"]
    )


async def test_a_first_of_100_is_fine(api, make):
    admin = await make.login(Role.ADMIN)
    result = await api.post("{ users(first: 100) { totalCount } }", token=admin.token)
    assert result["data"]["users"]["totalCount"] == 1


def _nested(levels: int) -> str:
    """viewer { accountGroups { members { accountGroups { … name } } } }, `levels` deep."""
    fields = ["viewer"] + ["accountGroups" if i % 2 else "members" for i in range(1, levels - 1)]
    return "{ " + " { ".join(fields) + " { name" + " }" * (len(fields) + 1)


async def test_an_over_deep_query_is_refused_before_running(api, make):
    admin = await make.login(Role.ADMIN)
    assert "errors" not in await api.post(_nested(MAX_FIELD_LEVELS), token=admin.token)
    result = await api.post(_nested(MAX_FIELD_LEVELS + 1), token=admin.token)
    assert "data" not in result or result["data"] is None
    assert error_codes(result) == ["BAD_REQUEST"]


# Documents refused before they run, each with what its refusal says.
MALFORMED = ("{ viewer { id ", "Syntax Error")
INVALID = ("{ viewer { shoeSize } }", "Cannot query field 'shoeSize'")
TOO_MANY_ALIASES = (
    "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(MAX_ALIASES + 1)) + " }",
    f"{MAX_ALIASES + 1} aliases",
)
# Cheap enough for the cost limit: only the token limit refuses it.
OVER_THE_TOKEN_LIMIT = (
    "query Q($x: [Int] = [" + " 0" * MAX_TOKENS + "]) { viewer { id } }",
    f"more than {MAX_TOKENS} tokens",
)
REFUSED_DOCUMENTS = {
    "malformed": MALFORMED,
    "invalid": INVALID,
    "too-many-aliases": TOO_MANY_ALIASES,
    "too-many-tokens": OVER_THE_TOKEN_LIMIT,
}


async def test_too_many_aliases_are_refused(api, make):
    admin = await make.login(Role.ADMIN)
    query, _ = TOO_MANY_ALIASES
    assert error_codes(await api.post(query, token=admin.token)) == ["BAD_REQUEST"]


async def test_an_oversized_document_is_refused(api, make):
    admin = await make.login(Role.ADMIN)
    query, reason = OVER_THE_TOKEN_LIMIT
    result = await api.post(query, token=admin.token)
    assert error_codes(result) == ["BAD_REQUEST"]
    assert reason in result["errors"][0]["message"]


@pytest.mark.parametrize("query", [MALFORMED[0], INVALID[0]])
async def test_malformed_and_invalid_queries_are_bad_requests(api, make, query):
    admin = await make.login(Role.ADMIN)
    assert error_codes(await api.post(query, token=admin.token)) == ["BAD_REQUEST"]


async def test_a_crashing_resolver_reaches_the_client_masked(api, make, caplog):
    login = await make.login(Role.STAFF)
    connection = connections.get("default")
    await connection.execute_script('ALTER TABLE "team_members" RENAME TO "team_members_gone"')
    try:
        response = await api.http.post(
            "/graphql",
            json={"query": "{ viewer { name teams { id } } }"},
            headers={"Authorization": f"Bearer {login.token}"},
        )
    finally:
        await connection.execute_script('ALTER TABLE "team_members_gone" RENAME TO "team_members"')
    result = response.json()
    assert result["data"] is None
    assert result["errors"][0]["message"] == MASKED_MESSAGE
    assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
    for leak in ("team_members", "SELECT", "Traceback", ".py", "sqlite", "relation"):
        assert leak not in response.text
    assert any("internal error" in r.message for r in caplog.records), "the server logs it"


APPOINTMENTS_FROM = "query($from: DateTime) { appointments(from: $from, first: 1) { totalCount } }"


@pytest.mark.parametrize("moment", ["2026-05-04T10:00:00", "4 May 2026", "2026-05-04T25:00Z"])
async def test_a_date_time_without_an_offset_or_malformed_is_refused(api, make, moment):
    admin = await make.login(Role.ADMIN)
    result = await api.post(APPOINTMENTS_FROM, {"from": moment}, admin.token)
    assert result.get("data") is None
    assert error_codes(result) == ["BAD_REQUEST"]
    assert "DateTime" in result["errors"][0]["message"]


async def test_a_date_time_with_an_offset_is_answered_in_utc(api, make):
    anna = await make.login(Role.STAFF)
    created = await api.op(
        "CreateAddress", {"input": {"kind": "COMPANY", "name": "Kuhn"}}, anna.token
    )
    address = created["data"]["createAddress"]["address"]["id"]
    logged = await api.post(
        "mutation($input: LogActivityInput!) {"
        " logActivity(input: $input) { activity { startsAt } } }",
        {
            "input": {
                "addressId": address, "kind": "CALL", "direction": "OUTBOUND",
                "status": "PLANNED", "subject": "Rückruf",
                "startsAt": "2036-12-01T10:00:00+02:00",
            }
        },
        anna.token,
    )  # fmt: skip
    assert logged["data"]["logActivity"]["activity"]["startsAt"] == "2036-12-01T08:00:00+00:00"


NESTED_PAGES = """
query($outer: Int, $inner: Int) {
  addresses(first: $outer) {
    edges { node { id name activities(first: $inner) { edges { node { id subject } } } } }
  }
}"""


async def test_a_query_whose_pages_multiply_over_the_cost_limit_is_refused_unrun(api, make):
    admin = await make.login(Role.ADMIN)
    async with count_queries() as queries:
        result = await api.post(NESTED_PAGES, {"outer": 100, "inner": 100}, admin.token)
    assert result["data"] is None
    assert error_codes(result) == ["BAD_REQUEST"]
    assert "over the limit" in result["errors"][0]["message"]
    assert all("addresses" not in sql for sql in queries.sql), "no resolver ran"


async def test_the_same_query_with_small_pages_runs(api, make):
    admin = await make.login(Role.ADMIN)
    result = await api.post(NESTED_PAGES, {"outer": 10, "inner": 10}, admin.token)
    assert result["data"]["addresses"]["edges"] == []
