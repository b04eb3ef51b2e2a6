"""The level executor (api/level_execution.py) answers exactly as graphql-core's does.

Every client query runs as every viewer its client is for, in the worlds the statement
count test builds with 12 rows at every level, once as served and once with
PROMOPLAN_LEVEL_EXECUTION off: the answers must be the same bytes, and the fast path must
have carried the whole query (no fallback). Errors, nulls and the GraphQL features the
clients do not use yet (aliases, fragments, directives, __typename) are compared too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from tortoise.transactions import in_transaction

from api.graphql import schema
from api.level_execution import _remembered_instances
from api.level_fields import static_reader
from api.metrics import LEVEL_FALLBACKS
from db.models.accounts import Role
from tests.conftest import Backend
from tests.factories import Factory
from tests.graphql_client import GraphQLClient, operations, serving
from tests.test_statement_counts import BUILDERS, QUERY_OPERATIONS, Rows, _world, large_requests


@pytest.fixture
async def plain(db: Backend) -> AsyncIterator[GraphQLClient]:
    """The API with graphql-core's executor only."""
    async with serving(db.settings, level_execution=False) as client:
        yield client


def _fallbacks() -> float:
    return LEVEL_FALLBACKS._value.get()


async def _both(
    api: GraphQLClient,
    plain: GraphQLClient,
    query: str,
    token: str | None,
    variables: dict | None = None,
) -> tuple[bytes, bytes, float]:
    """Both executors' response bodies, and how often the level executor fell back."""
    before = _fallbacks()
    fast = await api.post_raw(query, token, variables)
    fell_back = _fallbacks() - before
    slow = await plain.post_raw(query, token, variables)
    assert fast.status_code == slow.status_code == 200
    return fast.content, slow.content, fell_back


@pytest.mark.parametrize("operation", sorted(QUERY_OPERATIONS))
async def test_every_client_query_answers_the_same_through_the_fast_path(
    api: GraphQLClient, plain: GraphQLClient, make: Factory, operation: str
):
    async for viewer, world, request in large_requests(make, operation):
        fast, slow, fell_back = await _both(
            api, plain, operations()[operation], world.token, request.variables
        )
        assert b'"errors"' not in fast, (operation, viewer, fast[:2000])
        assert fast == slow, (operation, viewer)
        assert fell_back == 0, f"{operation} as {viewer} left the fast path"


async def test_aliases_fragments_directives_and_typenames(
    api: GraphQLClient, plain: GraphQLClient, make: Factory
):
    world = await _world(make, "admin")
    async with in_transaction():
        request = await BUILDERS["ProjectOverview"](world, Rows.every(3))
    query = """
        query Shapes($id: ID!, $yes: Boolean!, $no: Boolean!) {
          first: node(id: $id) { __typename id ...Named }
          second: node(id: $id) {
            ... on Project {
              title: name
              name @skip(if: $yes)
              locations @include(if: $yes) {
                __typename
                store { __typename name }
                later: appointments(first: 2) @include(if: $yes) {
                  edges { cursor node { id startsAt } }
                  pageInfo { hasNextPage endCursor }
                }
                sooner: appointments(first: 1) { edges { node { id status } } }
                skipped: appointments @include(if: $no) { edges { cursor } }
              }
            }
          }
          __typename
        }
        fragment Named on Project { name ... on Project { startsOn } }
    """
    variables = {**(request.variables or {}), "yes": True, "no": False}
    fast, slow, fell_back = await _both(api, plain, query, world.token, variables)
    assert b'"errors"' not in fast, fast[:2000]
    assert b'"later"' in fast and b'"skipped"' not in fast
    assert fast == slow
    assert fell_back == 0


async def test_an_error_is_answered_by_graphql_core(
    api: GraphQLClient, plain: GraphQLClient, make: Factory
):
    """A customer may read its viewer but not the agency's teams (a non-null list): the
    error nulls the whole answer, the same as without the fast path, which gave up on it."""
    world = await _world(make, "customer")
    query = "query { viewer { id name } teams { id name } }"
    fast, slow, fell_back = await _both(api, plain, query, world.token)
    assert b'"data":null' in fast and b'"path":["teams"]' in fast
    assert fast == slow
    assert fell_back == 1


async def test_a_node_the_viewer_may_not_see_is_the_same_not_found(
    api: GraphQLClient, plain: GraphQLClient, make: Factory
):
    world = await _world(make, "customer")
    other = await _world(make, "admin")
    async with in_transaction():
        request = await BUILDERS["ProjectOverview"](other, Rows.every(1))
    query = operations()["ProjectOverview"]
    fast, slow, _ = await _both(api, plain, query, world.token, request.variables)
    assert b'"node":null' in fast or b"NOT_FOUND" in fast
    assert fast == slow


def test_only_fields_read_the_same_for_every_viewer_are_prepared_once_for_all_requests():
    """A field prepared once is served to every later request, whoever asks: one whose
    permission looks at the viewer (a promoter's phone, never shown to customers) must be
    prepared per request, while a plain attribute and a relay id are shared."""
    promoter = schema._schema.get_type("Promoter")
    assert static_reader(schema._schema, "Promoter", promoter.fields["phone"]) is None
    assert static_reader(schema._schema, "Promoter", promoter.fields["email"]) is None
    assert static_reader(schema._schema, "Promoter", promoter.fields["name"]) is not None
    assert static_reader(schema._schema, "Promoter", promoter.fields["id"]) is not None


def test_equal_datetimes_in_different_zones_print_each_their_own_offset():
    """The level executor remembers a datetime's text per object, not per equal value."""
    text_of = _remembered_instances(datetime.isoformat)
    utc = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
    berlin = utc.astimezone(timezone(timedelta(hours=2)))
    assert utc == berlin
    assert text_of(utc) == "2026-04-01T10:00:00+00:00"
    assert text_of(berlin) == "2026-04-01T12:00:00+02:00"
    assert text_of(utc) == "2026-04-01T10:00:00+00:00"


def _promoters(answer: bytes) -> list[dict]:
    edges = orjson.loads(answer)["data"]["appointments"]["edges"]
    return [b["promoter"] for e in edges for b in e["node"]["bookings"]]


async def test_a_plan_made_for_the_agency_shows_a_customer_no_promoter_contacts(
    api: GraphQLClient, plain: GraphQLClient, make: Factory
):
    """An operation's plan (api/operation_plans.py) is made by its first request and
    serves every later one, whoever sends it: what the viewer may see is decided again
    for each request, in either order."""
    world = await _world(make, "customer")
    async with in_transaction():
        request = await BUILDERS["ProjectAppointments"](world, Rows.every(3))
    admin = await make.login(Role.ADMIN)
    query = operations()["ProjectAppointments"]
    answers = {}
    for name, token in (("admin", admin.token), ("customer", world.token), ("again", admin.token)):
        fast, slow, fell_back = await _both(api, plain, query, token, request.variables)
        assert fast == slow and fell_back == 0, name
        answers[name] = _promoters(fast)
    assert answers["admin"] and all(p["phone"] and p["email"] for p in answers["admin"])
    assert answers["customer"] and all(
        p["phone"] is None and p["email"] is None for p in answers["customer"]
    )
    assert answers["again"] == answers["admin"]


async def test_directives_taking_variables_select_anew_for_each_request(
    api: GraphQLClient, plain: GraphQLClient, make: Factory
):
    """Fields left out by `@include(if: $variable)` in one request are there in the next:
    an operation whose selections depend on its variables is not kept as a plan."""
    world = await _world(make, "admin")
    async with in_transaction():
        request = await BUILDERS["ProjectOverview"](world, Rows.every(2))
    query = """
        query Maybe($id: ID!, $more: Boolean!) {
          node(id: $id) { ... on Project { name locations @include(if: $more) { id } } }
        }
    """
    for more in (False, True, False):
        variables = {**(request.variables or {}), "more": more}
        fast, slow, fell_back = await _both(api, plain, query, world.token, variables)
        assert fast == slow and fell_back == 0
        assert (b'"locations"' in fast) is more
