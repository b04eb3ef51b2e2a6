"""Contact planning: plans, members, exceptions and inactive periods; the generation run
(idempotent, dry, limited to addresses, purging); the call list; recording outcomes and
orders; who may work an entry; and the `generate-contacts` command."""

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from strawberry.relay import GlobalID, to_base64

from api.resolvers import contact_generation
from db.models.accounts import Role
from db.models.planning import (
    ContactOutcome,
    ContactPlan,
    ContactPlanMember,
    Order,
    OrderLine,
    ScheduledContact,
)
from tests.factories import Login

REPO = Path(__file__).parents[1]

# Python's weekday(): Monday is 0.
WEEKDAY_NUMBERS = {
    "MONDAY": 0,
    "TUESDAY": 1,
    "WEDNESDAY": 2,
    "THURSDAY": 3,
    "FRIDAY": 4,
    "SATURDAY": 5,
    "SUNDAY": 6,
}
PLAN = "query($id: ID!) { node(id: $id) { ... on ContactPlan { id exceptions { from until } } } }"
INACTIVE = "query($id: ID!) { node(id: $id) { ... on Address { inactivePeriods { from until } } } }"

# ---------------------------------------------------------------- helpers


def _gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def _user_id(login: Login) -> str:
    return _gid("User", login.user.id)


def _d(value: str) -> date:
    return date.fromisoformat(value)


def _days(first: str, last: str, weekdays: tuple[str, ...]) -> list[str]:
    """Every day in [first, last] falling on one of `weekdays`, computed here, not by the API."""
    wanted = {WEEKDAY_NUMBERS[w] for w in weekdays}
    day, end, found = _d(first), _d(last), []
    while day <= end:
        if day.weekday() in wanted:
            found.append(day.isoformat())
        day += timedelta(days=1)
    return found


def _errors(payload: dict) -> set[tuple[str | None, str]]:
    return {(e["field"], e["code"]) for e in payload["errors"]}


async def _address(api, login: Login, name: str, **fields) -> str:
    result = await api.op(
        "CreateAddress", {"input": {"kind": "COMPANY", "name": name, **fields}}, login.token
    )
    payload = result["data"]["createAddress"]
    assert payload["errors"] == [], payload
    return payload["address"]["id"]


async def _shared_group(api, admin: Login, name: str, *members: Login) -> str:
    result = await api.op(
        "CreateAccountGroup",
        {"input": {"name": name, "memberIds": [_user_id(m) for m in members]}},
        admin.token,
    )
    payload = result["data"]["createAccountGroup"]
    assert payload["errors"] == [], payload
    return payload["accountGroup"]["id"]


async def _create_plan(api, login: Login, **overrides) -> dict:
    plan = {
        "name": "Bestellannahme Nord",
        "purpose": "ORDER_INTAKE",
        "weekdays": ["TUESDAY", "THURSDAY"],
        "validFrom": "2031-01-01",
        **overrides,
    }
    result = await api.op("CreateContactPlan", {"input": plan}, login.token)
    return result["data"]["createContactPlan"]


async def _plan(api, login: Login, **overrides) -> str:
    payload = await _create_plan(api, login, **overrides)
    assert payload["errors"] == [], payload
    return payload["contactPlan"]["id"]


async def _add_member(api, login: Login, plan_id: str, address_id: str, **fields) -> dict:
    member = {"planId": plan_id, "addressId": address_id, "phone": "030 12345678", **fields}
    result = await api.op("AddContactPlanMember", {"input": member}, login.token)
    return result["data"]["addContactPlanMember"]


async def _member(api, login: Login, plan_id: str, address_id: str, **fields) -> dict:
    payload = await _add_member(api, login, plan_id, address_id, **fields)
    assert payload["errors"] == [], payload
    return payload["member"]


async def _exception(api, login: Login, plan_id: str, first: str, last: str) -> dict:
    span = {"planId": plan_id, "from": first, "until": last, "reason": "Betriebsferien"}
    result = await api.op("AddContactPlanException", {"input": span}, login.token)
    return result["data"]["addContactPlanException"]


async def _inactive(api, login: Login, address_id: str, first: str, last: str) -> dict:
    span = {"addressId": address_id, "from": first, "until": last, "reason": "Urlaub"}
    result = await api.op("AddInactivePeriod", {"input": span}, login.token)
    return result["data"]["addInactivePeriod"]


async def _run(api, login: Login, plan_id: str, first: str, last: str, **fields) -> dict:
    run = {"planId": plan_id, "from": first, "until": last, **fields}
    result = await api.op("GenerateScheduledContacts", {"input": run}, login.token)
    assert "errors" not in result, result
    return result["data"]["generateScheduledContacts"]


async def _generated(api, login: Login, plan_id: str, first: str, last: str, **fields) -> dict:
    payload = await _run(api, login, plan_id, first, last, **fields)
    assert payload["errors"] == [], payload
    return {k: payload[k] for k in ("created", "skipped", "purged")}


async def _page(api, login: Login, plan_id: str, **variables) -> dict:
    result = await api.op("ScheduledContacts", {"planId": plan_id, **variables}, login.token)
    assert "errors" not in result, result
    return result["data"]["scheduledContacts"]


async def _entries(api, login: Login, plan_id: str, **variables) -> list[dict]:
    """The whole call list (under 100 entries), checking totalCount."""
    page = await _page(api, login, plan_id, **variables)
    nodes = [edge["node"] for edge in page["edges"]]
    assert page["totalCount"] == len(nodes)
    assert page["pageInfo"]["hasNextPage"] is False
    return nodes


def _calls(entries: list[dict]) -> list[tuple[str, str]]:
    """(date, address name) of each entry, in the order listed."""
    return [(e["date"], e["member"]["address"]["name"]) for e in entries]


async def _record(api, login: Login, entry_id: str, outcome: str, **fields) -> dict:
    record = {"scheduledContactId": entry_id, "outcome": outcome, **fields}
    result = await api.op("RecordContactOutcome", {"input": record}, login.token)
    assert "errors" not in result, result
    return result["data"]["recordContactOutcome"]


async def _set_status(entry_id: str, status: ContactOutcome) -> None:
    """Work an entry directly in the database, for tests not about recording outcomes."""
    pk = int(GlobalID.from_id(entry_id).node_id)
    assert await ScheduledContact.filter(pk=pk).update(status=status) == 1


def _order(delivery: str, *lines: tuple[str, int]) -> dict:
    return {"deliveryDate": delivery, "lines": [{"item": i, "quantity": q} for i, q in lines]}


async def _one_member_plan(api, login: Login, name: str = "Müller GmbH", **plan) -> tuple:
    plan_id = await _plan(api, login, **plan)
    address = await _address(api, login, name)
    await _member(api, login, plan_id, address)
    return plan_id, address


# ---------------------------------------------------------------- generation: which days


async def test_weekdays_across_a_month_end_within_the_plans_validity(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna, validFrom="2031-01-22", validUntil="2031-02-10")
    for name in ("Müller GmbH", "Schulz KG"):
        await _member(api, anna, plan, await _address(api, anna, name))

    # The run reaches beyond the validity on both ends.
    counts = await _generated(api, anna, plan, "2031-01-15", "2031-02-20")

    expected = _days("2031-01-22", "2031-02-10", ("TUESDAY", "THURSDAY"))
    assert expected[:2] == ["2031-01-23", "2031-01-28"]
    assert "2031-01-30" in expected and "2031-02-04" in expected  # across the month end
    assert expected[-1] == "2031-02-06"
    assert counts == {"created": 2 * len(expected), "skipped": 0, "purged": 0}
    entries = await _entries(api, boss, plan)
    for name in ("Müller GmbH", "Schulz KG"):
        assert [d for d, n in _calls(entries) if n == name] == expected
    assert {e["status"] for e in entries} == {"OPEN"}
    assert {e["order"] for e in entries} == {None}


async def test_other_weekdays_and_an_open_ended_plan(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    weekdays = ("MONDAY", "WEDNESDAY", "SATURDAY")
    plan, _ = await _one_member_plan(api, anna, weekdays=list(weekdays), validFrom="2031-03-20")

    counts = await _generated(api, anna, plan, "2031-03-25", "2031-04-08")

    expected = _days("2031-03-25", "2031-04-08", weekdays)
    assert counts["created"] == len(expected)
    assert [e["date"] for e in await _entries(api, boss, plan)] == expected


async def test_a_run_outside_the_validity_creates_nothing(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan, _ = await _one_member_plan(api, anna, validFrom="2031-05-01", validUntil="2031-05-31")
    assert await _generated(api, anna, plan, "2031-06-01", "2031-06-30") == {
        "created": 0,
        "skipped": 0,
        "purged": 0,
    }
    assert await _generated(api, anna, plan, "2031-04-01", "2031-04-30") == {
        "created": 0,
        "skipped": 0,
        "purged": 0,
    }
    assert await _entries(api, boss, plan) == []


async def test_a_plan_exception_leaves_out_its_days_for_every_member(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    for name in ("Müller GmbH", "Schulz KG"):
        await _member(api, anna, plan, await _address(api, anna, name))
    payload = await _exception(api, anna, plan, "2031-01-28", "2031-02-04")
    assert payload["errors"] == []
    assert payload["contactPlan"]["exceptions"] == [
        {"from": "2031-01-28", "until": "2031-02-04", "reason": "Betriebsferien"}
    ]

    counts = await _generated(api, anna, plan, "2031-01-20", "2031-02-12")

    every = _days("2031-01-20", "2031-02-12", ("TUESDAY", "THURSDAY"))
    blocked = _days("2031-01-28", "2031-02-04", ("TUESDAY", "THURSDAY"))
    assert blocked == ["2031-01-28", "2031-01-30", "2031-02-04"]
    expected = [d for d in every if d not in blocked]
    assert counts == {"created": 2 * len(expected), "skipped": 2 * len(blocked), "purged": 0}
    entries = await _entries(api, boss, plan)
    for name in ("Müller GmbH", "Schulz KG"):
        assert [d for d, n in _calls(entries) if n == name] == expected


async def test_an_inactive_period_leaves_out_that_member_only(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    away = await _address(api, anna, "Müller GmbH")
    here = await _address(api, anna, "Schulz KG")
    for address in (away, here):
        await _member(api, anna, plan, address)
    payload = await _inactive(api, anna, away, "2031-01-29", "2031-02-06")
    assert payload["errors"] == []
    assert payload["address"] == {
        "id": away,
        "inactivePeriods": [{"from": "2031-01-29", "until": "2031-02-06", "reason": "Urlaub"}],
    }

    counts = await _generated(api, anna, plan, "2031-01-20", "2031-02-12")

    every = _days("2031-01-20", "2031-02-12", ("TUESDAY", "THURSDAY"))
    blocked = ["2031-01-30", "2031-02-04", "2031-02-06"]
    assert counts == {"created": 2 * len(every) - 3, "skipped": 3, "purged": 0}
    entries = await _entries(api, boss, plan)
    assert [d for d, n in _calls(entries) if n == "Müller GmbH"] == [
        d for d in every if d not in blocked
    ]
    assert [d for d, n in _calls(entries) if n == "Schulz KG"] == every


# ---------------------------------------------------------------- ranges, members, phones


@pytest.mark.parametrize("kind", ["exception", "inactive period"])
async def test_a_reversed_range_is_invalid_and_stores_nothing(api, make, kind):
    anna = await make.login(Role.STAFF)
    plan, address = await _one_member_plan(api, anna)
    if kind == "exception":
        payload = await _exception(api, anna, plan, "2031-02-10", "2031-02-09")
    else:
        payload = await _inactive(api, anna, address, "2031-02-10", "2031-02-09")
    assert _errors(payload) == {("until", "INVALID")}
    assert (await api.post(PLAN, {"id": plan}, anna.token))["data"]["node"]["exceptions"] == []
    node = (await api.post(INACTIVE, {"id": address}, anna.token))["data"]["node"]
    assert node["inactivePeriods"] == []


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2031-02-10", "2031-02-20"),  # the same range
        ("2031-02-05", "2031-02-10"),  # touching the first day
        ("2031-02-20", "2031-02-25"),  # touching the last day
        ("2031-02-12", "2031-02-14"),  # inside
        ("2031-02-01", "2031-02-28"),  # around
    ],
)
@pytest.mark.parametrize("kind", ["exception", "inactive period"])
async def test_overlapping_ranges_are_invalid(api, make, kind, first, last):
    anna = await make.login(Role.STAFF)
    plan, address = await _one_member_plan(api, anna)

    async def add(a: str, b: str) -> dict:
        if kind == "exception":
            return await _exception(api, anna, plan, a, b)
        return await _inactive(api, anna, address, a, b)

    assert (await add("2031-02-10", "2031-02-20"))["errors"] == []
    payload = await add(first, last)
    [(field, code)] = _errors(payload)
    assert code == "INVALID"
    assert field in {"from", "until"}
    # Ranges next to each other do not overlap.
    assert (await add("2031-02-21", "2031-02-21"))["errors"] == []
    assert (await add("2031-02-01", "2031-02-09"))["errors"] == []

    if kind == "exception":
        stored = (await api.post(PLAN, {"id": plan}, anna.token))["data"]["node"]["exceptions"]
    else:
        node = (await api.post(INACTIVE, {"id": address}, anna.token))["data"]["node"]
        stored = node["inactivePeriods"]
    assert sorted((s["from"], s["until"]) for s in stored) == [
        ("2031-02-01", "2031-02-09"),
        ("2031-02-10", "2031-02-20"),
        ("2031-02-21", "2031-02-21"),
    ]


async def test_exceptions_of_another_plan_and_periods_of_another_address_do_not_overlap(api, make):
    anna = await make.login(Role.STAFF)
    first_plan, first_address = await _one_member_plan(api, anna, "Müller GmbH")
    second_plan, second_address = await _one_member_plan(api, anna, "Schulz KG")
    for plan in (first_plan, second_plan):
        assert (await _exception(api, anna, plan, "2031-02-10", "2031-02-20"))["errors"] == []
    for address in (first_address, second_address):
        assert (await _inactive(api, anna, address, "2031-02-10", "2031-02-20"))["errors"] == []


async def test_an_address_joins_a_plan_once(api, make):
    anna = await make.login(Role.STAFF)
    plan = await _plan(api, anna)
    other_plan = await _plan(api, anna, name="Marktforschung", purpose="MARKET_RESEARCH")
    shop = await _address(api, anna, "Müller GmbH")
    await _member(api, anna, plan, shop)

    again = await _add_member(api, anna, plan, shop, phone="089 1234567")
    assert again["member"] is None
    assert _errors(again) == {("addressId", "DUPLICATE")}
    assert await ContactPlanMember.all().count() == 1

    # Another plan may call the same customer.
    await _member(api, anna, other_plan, shop)
    assert await ContactPlanMember.all().count() == 2


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("030 12345678", "+493012345678"),
        ("+49 (89) 123 45 67", "+49891234567"),
        ("0171/1234567", "+491711234567"),
        ("+43 1 5134567", "+4315134567"),
    ],
)
async def test_the_phone_is_stored_in_e164(api, make, given, stored):
    anna = await make.login(Role.STAFF)
    plan = await _plan(api, anna)
    shop = await _address(api, anna, "Müller GmbH")
    member = await _member(api, anna, plan, shop, phone=given)
    assert member["phone"] == stored
    assert member["address"] == {"id": shop, "name": "Müller GmbH"}
    assert (await ContactPlanMember.get()).phone == stored


@pytest.mark.parametrize("phone", ["12345", "not a number", "+49 30"])
async def test_an_invalid_phone_is_refused(api, make, phone):
    anna = await make.login(Role.STAFF)
    plan = await _plan(api, anna)
    shop = await _address(api, anna, "Müller GmbH")
    payload = await _add_member(api, anna, plan, shop, phone=phone)
    assert payload["member"] is None
    assert _errors(payload) == {("phone", "INVALID")}
    assert await ContactPlanMember.all().count() == 0


async def test_without_a_phone_the_addresss_number_is_called(api, make):
    anna = await make.login(Role.STAFF)
    plan = await _plan(api, anna)
    shop = await _address(api, anna, "Müller GmbH", phone="040 123456")
    member = await _member(api, anna, plan, shop, phone=None)
    assert member["phone"] == "+4940123456"


async def test_the_contact_window_is_kept_and_must_not_be_reversed(api, make):
    anna = await make.login(Role.STAFF)
    plan = await _plan(api, anna)
    shop = await _address(api, anna, "Müller GmbH")
    other = await _address(api, anna, "Schulz KG")

    reversed_window = await _add_member(
        api, anna, plan, shop, contactFrom="14:00", contactUntil="09:00"
    )
    assert (reversed_window["member"], _errors(reversed_window)) == (
        None,
        {("contactUntil", "INVALID")},
    )
    member = await _member(api, anna, plan, other, contactFrom="09:30", contactUntil="11:00")
    assert member["contactFrom"].startswith("09:30")
    assert member["contactUntil"].startswith("11:00")


async def test_the_member_address_must_be_visible_to_the_viewer(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    admin = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    mine = await _address(api, anna, "Müller GmbH")
    theirs = await _address(api, ben, "Markt Ost")

    for address in (theirs, _gid("Address", 999_999), "garbage"):
        payload = await _add_member(api, anna, plan, address)
        assert (payload["member"], _errors(payload)) == (None, {("addressId", "NOT_FOUND")})
        period = await _inactive(api, anna, address, "2031-02-01", "2031-02-02")
        assert (period["address"], _errors(period)) == (None, {("addressId", "NOT_FOUND")})
    assert await ContactPlanMember.all().count() == 0

    # Ben sees his address and may add it; an admin sees every address.
    await _member(api, ben, plan, theirs)
    await _member(api, admin, plan, mine)

    await _member(api, anna, await _plan(api, anna, name="Zweiter Plan"), mine)
    run = await _run(api, anna, plan, "2031-01-01", "2031-01-31", addressIds=[theirs])
    assert run["created"] is None
    assert _errors(run) == {("addressIds", "NOT_FOUND")}
    assert await ScheduledContact.all().count() == 0


async def test_an_unknown_plan_is_not_found(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    unknown = _gid("ContactPlan", 999_999)
    member = await _add_member(api, anna, unknown, shop)
    assert _errors(member) == {("planId", "NOT_FOUND")}
    exception = await _exception(api, anna, unknown, "2031-02-01", "2031-02-02")
    assert _errors(exception) == {("planId", "NOT_FOUND")}
    run = await _run(api, anna, unknown, "2031-01-01", "2031-01-31")
    assert _errors(run) == {("planId", "NOT_FOUND")}


async def test_a_plan_needs_a_weekday_and_a_valid_period(api, make):
    anna = await make.login(Role.STAFF)
    no_days = await _create_plan(api, anna, weekdays=[])
    assert (no_days["contactPlan"], _errors(no_days)) == (None, {("weekdays", "REQUIRED")})
    reversed_validity = await _create_plan(
        api, anna, validFrom="2031-03-01", validUntil="2031-02-28"
    )
    assert reversed_validity["contactPlan"] is None
    assert _errors(reversed_validity) == {("validUntil", "INVALID")}
    duplicate_days = await _create_plan(api, anna, weekdays=["THURSDAY", "TUESDAY", "THURSDAY"])
    assert duplicate_days["contactPlan"]["weekdays"] == ["TUESDAY", "THURSDAY"]
    promoter = await make.login(Role.PROMOTER)
    for responsible in (_user_id(promoter), _gid("User", 999_999)):
        payload = await _create_plan(api, anna, responsibleId=responsible)
        assert payload["contactPlan"] is None
        assert _errors(payload) == {("responsibleId", "NOT_FOUND")}


async def test_the_contact_person_belongs_to_the_member_address(api, make):
    anna = await make.login(Role.STAFF)
    plan = await _plan(api, anna)
    shop = await _address(api, anna, "Müller GmbH")
    elsewhere = await _address(api, anna, "Schulz KG")
    contacts = {}
    for address, last_name in ((shop, "Müller"), (elsewhere, "Schulz")):
        result = await api.op(
            "CreateContactPerson",
            {"input": {"addressId": address, "lastName": last_name, "phone": "0171 7654321"}},
            anna.token,
        )
        payload = result["data"]["createContactPerson"]
        assert payload["errors"] == [], payload
        contacts[last_name] = payload["contactPerson"]["id"]

    wrong = await _add_member(api, anna, plan, shop, contactPersonId=contacts["Schulz"])
    assert (wrong["member"], _errors(wrong)) == (None, {("contactPersonId", "NOT_FOUND")})
    # Without a phone of its own, the member is called on the contact person's number.
    member = await _member(api, anna, plan, shop, contactPersonId=contacts["Müller"], phone=None)
    assert member["phone"] == "+491717654321"


# ---------------------------------------------------------------- generation: runs


async def test_running_generation_twice_creates_nothing_new(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    for name in ("Müller GmbH", "Schulz KG"):
        await _member(api, anna, plan, await _address(api, anna, name))

    first = await _generated(api, anna, plan, "2031-01-01", "2031-01-31")
    before = await _entries(api, boss, plan)
    second = await _generated(api, anna, plan, "2031-01-01", "2031-01-31")

    assert first["created"] == 2 * len(_days("2031-01-01", "2031-01-31", ("TUESDAY", "THURSDAY")))
    assert second == {"created": 0, "skipped": first["created"], "purged": 0}
    assert await _entries(api, boss, plan) == before
    assert await ScheduledContact.all().count() == first["created"]

    # A longer period adds only the days not generated yet.
    third = await _generated(api, anna, plan, "2031-01-15", "2031-02-14")
    new_days = _days("2031-02-01", "2031-02-14", ("TUESDAY", "THURSDAY"))
    old_days = _days("2031-01-15", "2031-01-31", ("TUESDAY", "THURSDAY"))
    assert third == {"created": 2 * len(new_days), "skipped": 2 * len(old_days), "purged": 0}


async def test_a_new_member_gets_its_calls_on_the_next_run(api, make):
    anna = await make.login(Role.STAFF)
    plan, _ = await _one_member_plan(api, anna)
    days = _days("2031-01-01", "2031-01-31", ("TUESDAY", "THURSDAY"))
    assert (await _generated(api, anna, plan, "2031-01-01", "2031-01-31"))["created"] == len(days)

    await _member(api, anna, plan, await _address(api, anna, "Schulz KG"))
    again = await _generated(api, anna, plan, "2031-01-01", "2031-01-31")
    assert again == {"created": len(days), "skipped": len(days), "purged": 0}


async def test_a_dry_run_answers_the_same_counts_and_writes_nothing(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    for name in ("Müller GmbH", "Schulz KG"):
        await _member(api, anna, plan, await _address(api, anna, name))
    assert (await _exception(api, anna, plan, "2031-01-14", "2031-01-16"))["errors"] == []
    # A few days exist already.
    await _generated(api, anna, plan, "2031-01-01", "2031-01-10")
    existing = await _entries(api, boss, plan)
    assert existing

    dry = await _generated(api, anna, plan, "2031-01-01", "2031-01-31", dryRun=True)
    assert await _entries(api, boss, plan) == existing
    real = await _generated(api, anna, plan, "2031-01-01", "2031-01-31")
    assert dry == real
    assert real["created"] > 0
    # Skipped: the existing ones and, for both members, the exception's Tuesday and Thursday.
    assert real["skipped"] == len(existing) + 4

    assert await _generated(api, anna, plan, "2031-01-01", "2031-01-31", dryRun=True) == {
        "created": 0,
        "skipped": real["created"] + real["skipped"],
        "purged": 0,
    }


async def test_a_run_in_many_batches_writes_counts_and_reports_each_row_once(
    api, make, monkeypatch
):
    # Batches of 4 split members' days and fall across rows that exist already.
    monkeypatch.setattr(contact_generation, "SQLITE_BATCH", 4)
    monkeypatch.setattr(contact_generation, "POSTGRES_BATCH", 4)
    anna = await make.login(Role.STAFF)
    plan = await _plan(api, anna)
    shop = await _address(api, anna, "Müller GmbH")
    away = await _address(api, anna, "Schulz KG")
    await _member(api, anna, plan, shop, contactFrom="09:30", contactUntil="11:00")
    await _member(api, anna, plan, away)
    await _member(api, anna, plan, await _address(api, anna, "Meier AG"))
    assert (await _exception(api, anna, plan, "2031-01-14", "2031-01-14"))["errors"] == []
    assert (await _inactive(api, anna, away, "2031-01-20", "2031-01-24"))["errors"] == []
    first = await _generated(api, anna, plan, "2031-01-08", "2031-01-17")
    plan_pk = int(GlobalID.from_id(plan).node_id)
    earlier = await ScheduledContact.filter(plan_id=plan_pk).values_list("id", flat=True)
    assert first["created"] == len(earlier) == 3 * 2

    reports: list[tuple[int, int]] = []
    counts = await contact_generation.generate(
        await ContactPlan.get(pk=plan_pk),
        contact_generation.Generation(from_=date(2031, 1, 1), until=date(2031, 1, 31)),
        lambda done, total: reports.append((done, total)),
    )

    members = await ContactPlanMember.filter(plan_id=plan_pk).order_by("id")
    days = [_d(d) for d in _days("2031-01-01", "2031-01-31", ("TUESDAY", "THURSDAY"))]
    run_days = [d for d in days if d != date(2031, 1, 14)]
    wanted = [
        (m.id, d, m.contact_from or "00:00")
        for m in members
        for d in run_days
        if m != members[1] or not date(2031, 1, 20) <= d <= date(2031, 1, 24)
    ]
    assert counts == contact_generation.Counts(
        created=len(wanted) - len(earlier),
        skipped=3 * len(days) - len(wanted) + len(earlier),
        purged=0,
    )
    assert [done for done, _ in reports] == [4] * (len(wanted) // 4) + [len(wanted) % 4]
    assert {total for _, total in reports} == {len(wanted)}
    rows = await ScheduledContact.filter(plan_id=plan_pk, id__gt=max(earlier)).order_by("id")
    added = [(r.member_id, r.date, r.window_start) for r in rows]
    # In member, then day order; the first run's days are not written again.
    assert added == [row for row in wanted if not _d("2031-01-08") <= row[1] <= _d("2031-01-17")]
    assert {r.status for r in rows} == {ContactOutcome.OPEN}
    assert {r.note for r in rows} == {""}


async def test_a_dry_purge_counts_and_deletes_nothing(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan, _ = await _one_member_plan(api, anna)
    await _generated(api, anna, plan, "2031-01-01", "2031-01-31")
    before = await _entries(api, boss, plan)
    purge = {"purgeBefore": "2031-02-01"}

    dry = await _generated(api, anna, plan, "2031-02-01", "2031-02-28", dryRun=True, **purge)
    assert dry["purged"] == len(before)
    assert await _entries(api, boss, plan) == before
    real = await _generated(api, anna, plan, "2031-02-01", "2031-02-28", **purge)
    assert real == dry
    assert [e["date"] for e in await _entries(api, boss, plan)] == _days(
        "2031-02-01", "2031-02-28", ("TUESDAY", "THURSDAY")
    )


async def test_a_dry_run_purging_inside_its_period_agrees_with_the_real_run(api, make):
    anna = await make.login(Role.STAFF)
    plan, _ = await _one_member_plan(api, anna)
    await _generated(api, anna, plan, "2031-01-01", "2031-01-31")
    run = {"purgeBefore": "2031-01-15"}

    before = await ScheduledContact.filter(date__lt=date(2031, 1, 15)).values_list("id", flat=True)
    dry = await _generated(api, anna, plan, "2031-01-01", "2031-01-31", dryRun=True, **run)
    real = await _generated(api, anna, plan, "2031-01-01", "2031-01-31", **run)
    assert dry == real == {"created": 0, "skipped": 9, "purged": len(before)}
    # The days cleared as over are not filled again.
    assert not await ScheduledContact.filter(date__lt=date(2031, 1, 15)).exists()


async def test_address_ids_limit_the_run(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    shop = await _address(api, anna, "Müller GmbH")
    other = await _address(api, anna, "Schulz KG")
    outsider = await _address(api, anna, "Nicht im Plan")
    for address in (shop, other):
        await _member(api, anna, plan, address)
    days = _days("2031-01-01", "2031-01-31", ("TUESDAY", "THURSDAY"))

    limited = await _generated(
        api, anna, plan, "2031-01-01", "2031-01-31", addressIds=[shop, shop, outsider]
    )
    assert limited == {"created": len(days), "skipped": 0, "purged": 0}
    assert {n for _, n in _calls(await _entries(api, boss, plan))} == {"Müller GmbH"}

    rest = await _generated(api, anna, plan, "2031-01-01", "2031-01-31")
    assert rest == {"created": len(days), "skipped": len(days), "purged": 0}
    nobody = await _generated(api, anna, plan, "2031-01-01", "2031-01-31", addressIds=[])
    assert nobody == {"created": 0, "skipped": 0, "purged": 0}


async def test_purge_before_deletes_only_open_entries_before_that_date(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    shop = await _address(api, anna, "Müller GmbH")
    other = await _address(api, anna, "Schulz KG")
    for address in (shop, other):
        await _member(api, anna, plan, address)
    other_plan, _ = await _one_member_plan(api, anna, "Anderer Plan GmbH")
    await _generated(api, anna, plan, "2031-01-01", "2031-01-31")
    await _generated(api, anna, other_plan, "2031-01-01", "2031-01-31")

    january = await _entries(api, boss, plan)
    early = [e for e in january if e["date"] < "2031-01-16"]
    worked = early[0]
    await _set_status(worked["id"], ContactOutcome.NOT_REACHED)
    kept_after = [e for e in january if e["date"] >= "2031-01-16"]

    counts = await _generated(api, anna, plan, "2031-02-01", "2031-02-07", purgeBefore="2031-01-16")

    assert counts["purged"] == len(early) - 1
    assert counts["created"] == 2 * len(_days("2031-02-01", "2031-02-07", ("TUESDAY", "THURSDAY")))
    remaining = {e["id"] for e in await _entries(api, boss, plan)}
    assert worked["id"] in remaining, "a worked entry stays as history"
    assert {e["id"] for e in kept_after} <= remaining
    assert not remaining & {e["id"] for e in early[1:]}
    # Another plan keeps its entries.
    other_days = _days("2031-01-01", "2031-01-31", ("TUESDAY", "THURSDAY"))
    assert len(await _entries(api, boss, other_plan)) == len(other_days)


async def test_purge_limited_to_address_ids(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    shop = await _address(api, anna, "Müller GmbH")
    other = await _address(api, anna, "Schulz KG")
    for address in (shop, other):
        await _member(api, anna, plan, address)
    await _generated(api, anna, plan, "2031-01-01", "2031-01-31")
    days = _days("2031-01-01", "2031-01-31", ("TUESDAY", "THURSDAY"))

    counts = await _generated(
        api, anna, plan, "2031-02-01", "2031-02-01", addressIds=[shop], purgeBefore="2031-02-01"
    )
    assert counts["purged"] == len(days)
    assert {n for _, n in _calls(await _entries(api, boss, plan))} == {"Schulz KG"}


@pytest.mark.parametrize(
    ("first", "last"), [("2031-02-10", "2031-02-09"), ("2031-01-01", "2032-12-31")]
)
async def test_a_bad_period_is_invalid_and_writes_nothing(api, make, first, last):
    anna = await make.login(Role.STAFF)
    plan, _ = await _one_member_plan(api, anna)
    payload = await _run(api, anna, plan, first, last)
    assert payload["created"] is None
    assert [code for _, code in _errors(payload)] == ["INVALID"]
    assert next(iter(_errors(payload)))[0] in {"from", "until"}
    assert await ScheduledContact.all().count() == 0


# ---------------------------------------------------------------- the call list


async def test_the_call_list_is_ordered_by_date_then_contact_window(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    # Added out of window order, so ids do not give the order away.
    for name, window in (("Spät", "14:00"), ("Früh", "08:30"), ("Mittag", "10:15")):
        address = await _address(api, anna, name)
        await _member(api, anna, plan, address, contactFrom=window, contactUntil="18:00")
    await _generated(api, anna, plan, "2031-01-27", "2031-02-02")

    entries = await _entries(api, boss, plan)
    assert _calls(entries) == [
        ("2031-01-28", "Früh"),
        ("2031-01-28", "Mittag"),
        ("2031-01-28", "Spät"),
        ("2031-01-30", "Früh"),
        ("2031-01-30", "Mittag"),
        ("2031-01-30", "Spät"),
    ]
    assert entries[0]["member"]["contactFrom"].startswith("08:30")
    assert entries[0]["member"]["phone"] == "+493012345678"

    on_thursday = await _entries(api, boss, plan, on="2031-01-30")
    assert _calls(on_thursday) == _calls(entries)[3:]
    assert await _entries(api, boss, plan, on="2031-01-29") == []

    await _set_status(entries[4]["id"], ContactOutcome.BUSY)
    assert [e["id"] for e in await _entries(api, boss, plan, status="BUSY")] == [entries[4]["id"]]
    still_open = await _entries(api, boss, plan, status="OPEN")
    assert [e["id"] for e in still_open] == [e["id"] for e in entries if e is not entries[4]]
    open_thursday = await _entries(api, boss, plan, on="2031-01-30", status="OPEN")
    assert [e["id"] for e in open_thursday] == [entries[3]["id"], entries[5]["id"]]


async def test_the_call_list_pages_through_every_entry_once(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    for name, window in (("B", "11:00"), ("A", "09:00"), ("C", "15:00")):
        address = await _address(api, anna, name)
        await _member(api, anna, plan, address, contactFrom=window)
    await _generated(api, anna, plan, "2031-01-01", "2031-01-31")
    everything = await _entries(api, boss, plan)
    assert len(everything) == 3 * len(_days("2031-01-01", "2031-01-31", ("TUESDAY", "THURSDAY")))

    seen, after, pages = [], None, 0
    while True:
        page = await _page(api, boss, plan, first=4, after=after)
        assert page["totalCount"] == len(everything)
        assert len(page["edges"]) <= 4
        seen += [edge["node"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == everything
    assert pages == -(-len(everything) // 4)

    too_many = await api.op("ScheduledContacts", {"planId": plan, "first": 101}, boss.token)
    assert too_many["data"] is None or too_many["data"]["scheduledContacts"] is None
    assert [e["extensions"]["code"] for e in too_many["errors"]] == ["BAD_REQUEST"]


# ---------------------------------------------------------------- outcomes and orders


async def _open_entries(api, planner: Login, boss: Login, count: int = 3) -> tuple[str, list[dict]]:
    plan, _ = await _one_member_plan(api, planner)
    await _generated(api, planner, plan, "2031-01-01", "2031-01-31")
    entries = await _entries(api, boss, plan)
    assert len(entries) >= count
    return plan, entries[:count]


@pytest.mark.parametrize(
    ("fields", "expected_field", "expected_code"),
    [
        ({}, "order", "REQUIRED"),
        ({"order": _order("2031-02-03")}, "order.lines", "REQUIRED"),
        ({"order": _order("2031-02-03", ("Kaffee 500 g", 0))}, "order.lines", "INVALID"),
        ({"order": _order("2031-02-03", ("Kaffee 500 g", -3))}, "order.lines", "INVALID"),
        (
            {"order": _order("2031-02-03", ("Tee", 2), ("Kaffee 500 g", 0))},
            "order.lines",
            "INVALID",
        ),
        ({"order": _order("2031-02-03", ("  ", 2))}, "order.lines", "REQUIRED"),
    ],
)
async def test_order_placed_needs_an_order_with_a_positive_line(
    api, make, fields, expected_field, expected_code
):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan, [entry, *_] = await _open_entries(api, anna, boss, 1)

    payload = await _record(api, boss, entry["id"], "ORDER_PLACED", **fields)

    assert payload["scheduledContact"] is None
    [error] = payload["errors"]
    assert error["code"] == expected_code
    assert error["field"].startswith(expected_field), error
    [still] = await _entries(api, boss, plan, on=entry["date"])
    assert (still["status"], still["order"]) == ("OPEN", None)
    assert await Order.all().count() == 0
    assert await OrderLine.all().count() == 0


async def test_only_order_placed_takes_an_order(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    _, [entry, *_] = await _open_entries(api, anna, boss, 1)
    payload = await _record(
        api, anna, entry["id"], "COMPLETED", order=_order("2031-02-03", ("Tee", 1))
    )
    assert payload["scheduledContact"] is None
    assert [e["field"] for e in payload["errors"]] == ["order"]
    assert await Order.all().count() == 0


async def test_orders_for_the_same_customer_and_delivery_date_are_one_order(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan, [first, second, third] = await _open_entries(api, anna, boss, 3)

    placed = await _record(
        api, anna, first["id"], "ORDER_PLACED",
        order=_order("2031-02-10", ("Kaffee 500 g", 12), ("Tee grün", 4)),
    )  # fmt: skip
    assert placed["errors"] == []
    first_order = placed["scheduledContact"]["order"]
    assert placed["scheduledContact"]["status"] == "ORDER_PLACED"
    assert first_order["deliveryDate"] == "2031-02-10"

    added = await _record(
        api, anna, second["id"], "ORDER_PLACED", order=_order("2031-02-10", ("Kakao", 6))
    )
    assert added["errors"] == []
    same = added["scheduledContact"]["order"]
    assert same["id"] == first_order["id"]
    assert sorted((line["item"], line["quantity"]) for line in same["lines"]) == [
        ("Kaffee 500 g", 12),
        ("Kakao", 6),
        ("Tee grün", 4),
    ]

    later = await _record(
        api, anna, third["id"], "ORDER_PLACED", order=_order("2031-02-17", ("Kaffee 500 g", 3))
    )
    assert later["errors"] == []
    new = later["scheduledContact"]["order"]
    assert new["id"] != first_order["id"]
    assert new["deliveryDate"] == "2031-02-17"
    assert new["lines"] == [{"item": "Kaffee 500 g", "quantity": 3}]

    # The call list shows the merged order on both calls.
    entries = {e["id"]: e for e in await _entries(api, boss, plan)}
    assert entries[first["id"]]["order"]["id"] == entries[second["id"]]["order"]["id"]
    assert len(entries[first["id"]]["order"]["lines"]) == 3
    assert await Order.all().count() == 2
    assert await OrderLine.all().count() == 4


async def test_orders_are_per_customer_across_plans(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    shop = await _address(api, anna, "Müller GmbH")
    other = await _address(api, anna, "Schulz KG")
    plan = await _plan(api, anna)
    research = await _plan(api, anna, name="Zweitplan", weekdays=["MONDAY"])
    await _member(api, anna, plan, shop)
    await _member(api, anna, plan, other)
    await _member(api, anna, research, shop)
    for p in (plan, research):
        await _generated(api, anna, p, "2031-01-01", "2031-01-14")
    [shop_call, *_] = [
        e for e in await _entries(api, boss, plan) if e["member"]["address"]["id"] == shop
    ]
    [other_call, *_] = [
        e for e in await _entries(api, boss, plan) if e["member"]["address"]["id"] == other
    ]
    [research_call, *_] = await _entries(api, boss, research)

    orders = []
    for entry in (shop_call, research_call, other_call):
        payload = await _record(
            api, anna, entry["id"], "ORDER_PLACED", order=_order("2031-02-10", ("Tee", 1))
        )
        assert payload["errors"] == []
        orders.append(payload["scheduledContact"]["order"])
    assert orders[0]["id"] == orders[1]["id"], "the same customer, the same delivery date"
    assert len(orders[1]["lines"]) == 2
    assert orders[2]["id"] != orders[0]["id"], "another customer has an order of its own"
    assert orders[2]["lines"] == [{"item": "Tee", "quantity": 1}]


async def test_call_back_may_carry_a_note(api, make):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan, [entry, other, *_] = await _open_entries(api, anna, boss, 2)

    payload = await _record(
        api, anna, entry["id"], "CALL_BACK", note="  Bitte nach 15 Uhr zurückrufen  "
    )
    assert payload["errors"] == []
    assert payload["scheduledContact"]["status"] == "CALL_BACK"
    assert payload["scheduledContact"]["order"] is None
    assert (await _record(api, boss, other["id"], "CALL_BACK"))["errors"] == []

    listed = {e["id"]: e for e in await _entries(api, boss, plan, status="CALL_BACK")}
    assert listed[entry["id"]]["note"] == "Bitte nach 15 Uhr zurückrufen"
    assert listed[other["id"]]["note"] == ""


@pytest.mark.parametrize("outcome", ["COMPLETED", "NOT_REACHED", "BUSY", "CALL_BACK", "OPEN"])
async def test_every_outcome_can_be_recorded(api, make, outcome):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan, [entry, *_] = await _open_entries(api, anna, boss, 1)
    payload = await _record(api, boss, entry["id"], outcome)
    assert payload["errors"] == []
    assert payload["scheduledContact"] == {"id": entry["id"], "status": outcome, "order": None}
    [listed] = await _entries(api, boss, plan, on=entry["date"])
    assert listed["status"] == outcome


async def _worked_by_several(api, make) -> tuple[str, list[dict], dict[str, Login]]:
    """A plan run by Carl (who does not see its customer) for an address of the group Nord
    (Anna and Ben); Dora is neither in Nord nor responsible."""
    admin = await make.login(Role.ADMIN)
    people = {"admin": admin}
    for name in ("anna", "ben", "carl", "dora"):
        people[name] = await make.login(Role.STAFF)
    nord = await _shared_group(api, admin, "Nord", people["anna"], people["ben"])
    shop = await _address(api, people["anna"], "Müller GmbH", accountGroupId=nord)
    plan = await _plan(api, people["anna"], responsibleId=_user_id(people["carl"]))
    await _member(api, people["anna"], plan, shop)
    await _generated(api, people["anna"], plan, "2031-01-01", "2031-01-31")
    entries = await _entries(api, admin, plan)
    assert len(entries) >= 5
    return plan, entries, people


async def test_an_admin_works_any_entry_and_unknown_ones_are_not_found(api, make):
    _, entries, people = await _worked_by_several(api, make)
    admin = people["admin"]
    payload = await _record(api, admin, entries[0]["id"], "COMPLETED", note="erledigt")
    assert payload["errors"] == []
    assert payload["scheduledContact"]["status"] == "COMPLETED"
    for unknown in (_gid("ScheduledContact", 999_999), _gid("ContactPlan", 1), "garbage"):
        payload = await _record(api, admin, unknown, "COMPLETED")
        assert (payload["scheduledContact"], _errors(payload)) == (
            None,
            {("scheduledContactId", "NOT_FOUND")},
        )
    unknown_plan = await _page(api, admin, _gid("ContactPlan", 999_999))
    assert (unknown_plan["totalCount"], unknown_plan["edges"]) == (0, [])


@pytest.mark.parametrize("who", ["anna", "ben", "carl"])
async def test_the_responsible_user_and_the_addresss_group_work_an_entry(api, make, who):
    plan, entries, people = await _worked_by_several(api, make)
    login = people[who]
    assert [e["id"] for e in await _entries(api, login, plan)] == [e["id"] for e in entries]
    payload = await _record(api, login, entries[0]["id"], "NOT_REACHED", note="Mailbox")
    assert payload["errors"] == [], payload
    assert payload["scheduledContact"]["status"] == "NOT_REACHED"
    [listed] = await _entries(api, people["admin"], plan, on=entries[0]["date"])
    assert (listed["status"], listed["note"]) == ("NOT_REACHED", "Mailbox")


async def test_other_staff_may_not_work_an_entry(api, make):
    plan, entries, people = await _worked_by_several(api, make)
    dora, entry = people["dora"], entries[0]
    for outcome, fields in (
        ("NOT_REACHED", {}),
        ("ORDER_PLACED", {"order": _order("2031-02-10", ("Tee", 1))}),
    ):
        payload = await _record(api, dora, entry["id"], outcome, **fields)
        assert payload["scheduledContact"] is None
        assert _errors(payload) == {("scheduledContactId", "NOT_FOUND")}
    assert await _entries(api, dora, plan) == []
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await api.post(node, {"id": entry["id"]}, dora.token))["data"]["node"] is None
    [still] = await _entries(api, people["admin"], plan, on=entry["date"])
    assert still["status"] == "OPEN"
    assert await Order.all().count() == 0


# ---------------------------------------------------------------- the command


def _promoplan(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": database_url},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _counts(line: str) -> tuple[int, int]:
    created = re.search(r"created\D*(\d+)", line)
    skipped = re.search(r"skipped\D*(\d+)", line)
    assert created and skipped, line
    return int(created.group(1)), int(skipped.group(1))


async def test_the_generate_contacts_command_prints_one_summary_line(api, make, db):
    anna = await make.login(Role.STAFF)
    boss = await make.login(Role.ADMIN)
    plan = await _plan(api, anna)
    for name in ("Müller GmbH", "Schulz KG"):
        await _member(api, anna, plan, await _address(api, anna, name))
    days = _days("2031-01-27", "2031-02-13", ("TUESDAY", "THURSDAY"))
    command = ("generate-contacts", "--plan", plan, "--from", "2031-01-27", "--until", "2031-02-13")

    first = _promoplan(db.url, *command)
    assert first.returncode == 0, first.stderr
    [line] = first.stdout.strip().splitlines()
    assert _counts(line) == (2 * len(days), 0)
    entries = await _entries(api, boss, plan)
    assert [d for d, n in _calls(entries) if n == "Müller GmbH"] == days

    second = _promoplan(db.url, *command)
    assert second.returncode == 0, second.stderr
    [line] = second.stdout.strip().splitlines()
    assert _counts(line) == (0, 2 * len(days))
    assert await _entries(api, boss, plan) == entries


async def test_the_generate_contacts_command_takes_the_plan_number(api, make, db):
    anna = await make.login(Role.STAFF)
    plan, _ = await _one_member_plan(api, anna)
    number = str(GlobalID.from_id(plan).node_id)
    days = _days("2031-01-01", "2031-01-31", ("TUESDAY", "THURSDAY"))

    result = _promoplan(
        db.url, "generate-contacts", "--plan", number, "--from", "2031-01-01",
        "--until", "2031-01-31", "--dry-run",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    assert _counts(line) == (len(days), 0)
    assert await ScheduledContact.all().count() == 0, "a dry run writes nothing"


async def test_the_generate_contacts_command_names_an_unknown_plan(db):
    result = _promoplan(
        db.url, "generate-contacts", "--plan", "999999", "--from", "2031-01-01",
        "--until", "2031-01-31",
    )  # fmt: skip
    assert result.returncode != 0
    assert result.stdout == ""
    assert "plan" in result.stderr
    assert "Traceback" not in result.stderr


async def test_a_colleague_runs_a_plan_only_for_the_members_they_see(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    plan = await _plan(api, anna)
    annas = await _address(api, anna, "Müller GmbH")
    bens = await _address(api, ben, "Schulz KG")
    await _member(api, anna, plan, annas)
    await _member(api, ben, plan, bens)
    await _generated(api, anna, plan, "2031-01-01", "2031-01-14")
    annas_calls = await ScheduledContact.filter(
        member__address_id=int(GlobalID.from_id(annas).node_id)
    ).count()
    assert annas_calls > 0

    # Ben neither fills nor purges the calls of a customer he does not see.
    counts = await _generated(api, ben, plan, "2031-01-01", "2031-01-28", purgeBefore="2031-01-10")
    assert counts["created"] > 0
    assert (
        await ScheduledContact.filter(
            member__address_id=int(GlobalID.from_id(annas).node_id)
        ).count()
        == annas_calls
    )
    assert not await ScheduledContact.filter(
        member__address_id=int(GlobalID.from_id(bens).node_id), date__lt=date(2031, 1, 10)
    ).exists()
