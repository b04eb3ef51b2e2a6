"""Nested fields read rows as plain records (api/records.py) and answer exactly as with
Tortoise instances.

Every client query runs as every viewer its client is for, in the statement count test's
worlds with 12 rows at every level, once as served and once with PROMOPLAN_PLAIN_ROWS off:
the answers must be the same bytes. And a record of every row of every model reads each
field as the model instance does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from api import records
from db.models.accounts import Role, User
from db.models.promotions import Promoter
from tests.conftest import Backend
from tests.factories import Factory
from tests.graphql_client import GraphQLClient, serving
from tests.sql_counter import count_queries
from tests.test_statement_counts import (
    BUILDERS,
    CLIENT_VIEWERS,
    QUERY_OPERATIONS,
    Request,
    Rows,
    World,
    _world,
    answers_of_both,
)


@pytest.fixture
async def instances(db: Backend) -> AsyncIterator[GraphQLClient]:
    """The API reading nested rows as Tortoise instances."""
    async with serving(db.settings, plain_rows=False) as client:
        yield client


@pytest.mark.parametrize("operation", sorted(QUERY_OPERATIONS))
async def test_every_client_query_answers_the_same_from_records(
    api: GraphQLClient, instances: GraphQLClient, make: Factory, operation: str
):
    async for viewer, from_records, from_instances in answers_of_both(
        make, operation, api, instances
    ):
        assert from_records.content == from_instances.content, (operation, viewer)


async def test_a_record_reads_every_field_as_the_instance_does(make: Factory):
    """Rows of every model the client queries read (their worlds fill the tables): each
    field reads the same value, of the same type, from both."""
    for operation, client in QUERY_OPERATIONS.items():
        world = await _world(make, CLIENT_VIEWERS[client][0])
        async with in_transaction():
            await BUILDERS[operation](world, Rows.every(2))
    compared: set[str] = set()
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        instances = await model.all().order_by(meta.pk_attr).limit(20)
        if not instances:
            continue
        keys = [instance.pk for instance in instances]
        found = {row.pk: row for row in await records.by_column(model, meta.db_pk_column, keys)}
        assert sorted(found) == sorted(keys), model.__name__
        for instance in instances:
            record = found[instance.pk]
            for name in meta.fields_db_projection:
                assert getattr(record, name) == getattr(instance, name), (model, name)
                assert type(getattr(record, name)) is type(getattr(instance, name)), (model, name)
            compared.add(model.__name__)
    assert len(compared) >= 20, sorted(compared)


async def test_a_queryset_of_one_row_or_with_prefetches_reads_as_awaited(make: Factory):
    """`fetch` keeps plain rows to whole-row lists: `first()` answers one instance (or None),
    a prefetch answers instances whose related rows are loaded."""
    user = await make.user()  # a staff user, member of a personal group

    first = await records.fetch(User.filter(pk=user.pk).first())
    assert isinstance(first, User) and first.pk == user.pk
    assert await records.fetch(User.filter(pk=-1).first()) is None

    [prefetched] = await records.fetch(
        User.filter(pk=user.pk).prefetch_related("group_memberships")
    )
    assert isinstance(prefetched, User)
    assert len(prefetched.group_memberships) == 1


async def test_rows_by_key_under_a_condition_send_one_statement_text_for_any_key_count(
    make: Factory,
):
    """A scoped child list (an appointment's bookings as a customer sees them) reads its
    keys as one parameter: the same statement text, so the same prepared statement, for
    one key or many (repeated and unknown ones too), and the rows the condition and the
    keys select, in order."""
    users = [await make.user(Role.CUSTOMER) for _ in range(50)]
    users[3].is_active = False
    await users[3].save()
    active = User.filter(is_active=True).order_by("-id")
    keys = [user.pk for user in users] + [-1]
    async with count_queries() as one:
        [single] = await records.fetch_keyed(active, "id", keys[:1])
    async with count_queries() as many:
        found = await records.fetch_keyed(active, "id", keys + keys[:5])
    assert one.sql == many.sql and one.count == 1
    assert single.pk == users[0].pk
    expected = [user.pk for user in reversed(users) if user is not users[3]]
    assert [row.pk for row in found] == expected
    assert all(isinstance(row, records.Record) for row in found)


def _selected(sql: str) -> set[str]:
    """The columns a `SELECT "a", "b" FROM ...` statement selects."""
    columns = sql.split(" FROM ", 1)[0].removeprefix("SELECT ")
    return {column.strip().strip('"') for column in columns.split(",")}


async def _statements(
    api: GraphQLClient, make: Factory, viewer: str, operation: str
) -> tuple[World, Request, dict[str, Any], list[str]]:
    """A client operation on its statement count world with 2 rows a level, as `viewer`:
    its answer and the statements it sent."""
    world = await _world(make, viewer)
    async with in_transaction():
        request = await BUILDERS[operation](world, Rows.every(2))
    async with count_queries() as counted:
        answer = await api.op(operation, request.variables, world.token)
    assert "errors" not in answer, answer
    return world, request, answer, counted.sql


def _one_from(table: str, statements: list[str]) -> str:
    [statement] = [sql for sql in statements if f'FROM "{table}"' in sql]
    return statement


async def test_a_query_loads_only_the_columns_its_fields_read(api: GraphQLClient, make: Factory):
    """ProjectOverview shows a booked promoter's id and name: its promoters are read with
    those columns alone. A query asking for their phones too (an admin may see them) reads
    whole rows and answers every phone."""
    world, request, _, statements = await _statements(api, make, "admin", "ProjectOverview")
    assert _selected(_one_from("promoters", statements)) == {"id", "name"}

    phones = """query ($id: ID!) { node(id: $id) { ... on Project { locations {
        appointments { edges { node { bookings { promoter { name phone } } } } } } } } }"""
    async with count_queries() as with_phones:
        answer = await api.post(phones, request.variables, world.token)
    [promoters] = [sql for sql in with_phones.sql if 'FROM "promoters"' in sql]
    assert {"id", "name", "phone", "email"} <= _selected(promoters)
    booked = [
        booking["promoter"]
        for location in answer["data"]["node"]["locations"]
        for edge in location["appointments"]["edges"]
        for booking in edge["node"]["bookings"]
    ]
    stored = {p.name: p.phone for p in await Promoter.filter(name__in=[b["name"] for b in booked])}
    assert len(booked) == 8 and all(b["phone"] == stored[b["name"]] for b in booked)


async def test_a_narrow_record_refuses_a_column_it_was_read_without(make: Factory):
    """Reading an unselected column raises, and not as a missing attribute: a
    `getattr(row, name, default)` cannot mistake it for an absent value."""
    promoter = await Promoter.create(name="Pia Promo", phone="0170 1234567")
    narrow = records.narrow_columns(Promoter, frozenset({"name"}))
    [row] = await records.by_column(Promoter, "id", [promoter.pk], selected=narrow)
    assert (row.pk, row.name) == (promoter.pk, "Pia Promo")
    with pytest.raises(records.ColumnNotSelected):
        getattr(row, "phone", None)
    assert records.narrow_columns(Promoter, frozenset({"name", "no_such_field"})) is None


async def test_a_field_refused_to_the_viewer_reads_no_column(api: GraphQLClient, make: Factory):
    """A customer's ProjectAppointments asks for booked promoters' phones and emails, which
    customers never see: the promoters are read with id and name alone, and every phone and
    email answers null while the names are there."""
    *_, answer, statements = await _statements(api, make, "customer", "ProjectAppointments")
    assert _selected(_one_from("promoters", statements)) == {"id", "name"}
    booked = [
        booking["promoter"]
        for edge in answer["data"]["appointments"]["edges"]
        for booking in edge["node"]["bookings"]
    ]
    names = {p.name for p in await Promoter.all()}
    assert len(booked) == 4 and all(b["name"] in names for b in booked)
    assert all(b["phone"] is None and b["email"] is None for b in booked)


@pytest.mark.parametrize("viewer", ["customer", "customer-in-territory"])
async def test_an_appointments_bookings_are_read_by_key_alone_for_whom_it_shows_them_all(
    api: GraphQLClient, make: Factory, viewer: str
):
    """A customer sees every booking of an appointment they see: a page's bookings are read
    by their appointments' ids alone, with the columns the page shows, not with the whole
    rule of which bookings the customer sees (its subqueries were the costliest part of the
    statement). A promoter, who sees only their own booking of an appointment, is asked
    for it by promoter too (tests/test_customer_isolation.py shows the rows)."""
    *_, answer, statements = await _statements(api, make, viewer, "ProjectAppointments")
    bookings = _one_from("bookings", statements)
    assert _selected(bookings) == {"id", "status", "promoter_id", "appointment_id"}
    assert 'FROM "' not in bookings.split(' FROM "bookings"', 1)[1], bookings  # no other table
    shown = [b for e in answer["data"]["appointments"]["edges"] for b in e["node"]["bookings"]]
    assert len(shown) == 4
