"""Every statement the hot client operations send is served by an index on PostgreSQL.

With sequential scans priced out (`enable_seqscan = off`), PostgreSQL still scans a table
sequentially only when no index can serve the filter or sort: such a plan on a table that
grows with the business is a missing index.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from db.models.accounts import Role
from tests.factories import PASSWORD
from tests.sql_counter import count_queries

# Tables that grow with the business; the small ones (users, groups, territories…) may be
# scanned whole.
LARGE_TABLES = {
    "addresses", "address_search_terms", "contact_persons", "activities", "appointments",
    "bookings", "locations", "projects", "reports", "report_answers", "scheduled_contacts",
    "contact_plan_members", "sessions", "api_tokens", "outbox_mails", "tasks", "promoters",
    "time_entries", "project_contacts", "activity_participants", "campaign_members",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if db.name != "postgres":
        pytest.skip("query plans are checked on PostgreSQL")


async def _ok(api, operation: str, variables: dict, token: str | None = None) -> dict:
    result = await api.op(operation, variables, token)
    assert "errors" not in result, result
    [payload] = result["data"].values()
    assert not (isinstance(payload, dict) and payload.get("errors")), payload
    return payload


def _at(days: int, hour: int = 10) -> str:
    moment = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return (moment + timedelta(days=days)).isoformat()


async def _world(api, make) -> dict:
    """A staff user's customer with a store, a project with a booked appointment, a portal
    contact and a promoter with logins, and a contact plan with its call list."""
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)

    async def address(kind: str, name: str) -> str:
        new = {"input": {"kind": kind, "name": name, "city": "Berlin"}}
        return (await _ok(api, "CreateAddress", new, anna.token))["address"]["id"]

    customer, store = await address("COMPANY", "Müller GmbH"), await address("STORE", "Edeka")
    project = await _ok(
        api, "CreateProject",
        {"input": {"customerId": customer, "name": "Sommer", "startsOn": _at(1)[:10],
                   "endsOn": _at(90)[:10]}},
        admin.token,
    )  # fmt: skip
    project_id = project["project"]["id"]
    new_location = {"input": {"projectId": project_id, "storeId": store}}
    location = (await _ok(api, "AddLocation", new_location, admin.token))["location"]["id"]
    appointment = await _ok(
        api, "ScheduleAppointment",
        {"input": {"locationId": location, "startsAt": _at(3), "endsAt": _at(3, 14),
                   "promotersNeeded": 1}},
        admin.token,
    )  # fmt: skip
    promoter = await _ok(
        api, "CreatePromoter",
        {"input": {"name": "Paula", "email": "paula@example.com", "password": PASSWORD}},
        admin.token,
    )  # fmt: skip
    booking = {"appointmentId": appointment["appointment"]["id"],
               "promoterId": promoter["promoter"]["id"]}  # fmt: skip
    await _ok(api, "BookPromoter", booking, admin.token)
    new_contact = {"input": {"addressId": customer, "firstName": "Maria", "lastName": "Kunz",
                             "email": "maria@example.com"}}  # fmt: skip
    contact = (await _ok(api, "CreateContactPerson", new_contact, anna.token))["contactPerson"]
    portal = {"input": {"contactPersonId": contact["id"], "password": PASSWORD}}
    await _ok(api, "EnablePortalAccess", portal, admin.token)
    assignment = {"projectId": project_id, "contactPersonId": contact["id"]}
    await _ok(api, "AssignProjectContact", assignment, admin.token)
    customer_login = await _ok(
        api, "CustomerLogin", {"email": "maria@example.com", "password": PASSWORD}
    )
    promoter_login = await _ok(
        api, "PromoterLogin", {"email": "paula@example.com", "password": PASSWORD}
    )
    plan = await _ok(
        api, "CreateContactPlan",
        {"input": {"name": "Dienstag", "purpose": "ORDER_INTAKE", "weekdays": ["TUESDAY"],
                   "validFrom": _at(0)[:10]}},
        anna.token,
    )  # fmt: skip
    plan_id = plan["contactPlan"]["id"]
    member = {"input": {"planId": plan_id, "addressId": customer, "phone": "030 1234567"}}
    await _ok(api, "AddContactPlanMember", member, anna.token)
    run = {"input": {"planId": plan_id, "from": _at(0)[:10], "until": _at(30)[:10]}}
    await _ok(api, "GenerateScheduledContacts", run, anna.token)
    return {
        "admin": admin.token,
        "staff": anna.token,
        "customer": customer_login["token"],
        "promoter": promoter_login["token"],
        "project": project_id,
        "address": customer,
        "plan": plan_id,
    }


def _hot_operations(world: dict) -> list[tuple[str, dict, str]]:
    return [
        ("SearchAddresses", {"search": "mül"}, world["staff"]),
        ("SearchAddresses", {"search": "mül ber"}, world["staff"]),
        ("AddressDetail", {"id": world["address"]}, world["staff"]),
        ("Appointments", {"status": "CONFIRMED"}, world["admin"]),
        ("Appointments", {"projectId": world["project"]}, world["staff"]),
        ("ProjectOverview", {"id": world["project"]}, world["staff"]),
        ("ScheduledContacts", {"planId": world["plan"]}, world["staff"]),
        ("MyTasks", {}, world["staff"]),
        ("MyProjects", {}, world["customer"]),
        ("ProjectAppointments", {"projectId": world["project"]}, world["customer"]),
        ("MyAssignments", {"from": _at(0), "to": _at(30)}, world["promoter"]),
    ]


def _sequential_scans(plan: dict) -> set[str]:
    found = {plan["Relation Name"]} if plan.get("Node Type") == "Seq Scan" else set()
    for child in plan.get("Plans", []):
        found |= _sequential_scans(child)
    return found


async def _scanned_tables(sql: str, values: list) -> set[str]:
    async with in_transaction() as connection:
        await connection.execute_script("SET LOCAL enable_seqscan = off")
        [row] = await connection.execute_query_dict(f"EXPLAIN (FORMAT JSON) {sql}", values)
    plan = row["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return _sequential_scans(plan[0]["Plan"])


async def test_the_hot_operations_scan_no_large_table(api, make):
    world = await _world(api, make)
    missing: list[str] = []
    checked = 0
    for operation, variables, token in _hot_operations(world):
        async with count_queries() as queries:
            result = await api.op(operation, variables, token)
        assert "errors" not in result, (operation, result)
        for statement in queries.statements:
            if not statement.sql.lstrip().upper().startswith("SELECT"):
                continue
            checked += 1
            scanned = await _scanned_tables(statement.sql, list(statement.values or []))
            if scanned & LARGE_TABLES:
                missing.append(f"{operation}: {sorted(scanned & LARGE_TABLES)} in {statement}")
    assert checked > 30
    assert missing == [], "\n".join(missing)
