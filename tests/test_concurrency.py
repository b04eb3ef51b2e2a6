"""Simultaneous requests: of racing decisions, bookings and claims exactly the allowed number
win, nothing deadlocks, and each winning change queues its mail once.

Requests go concurrently through the in-process ASGI app; on PostgreSQL each runs its own
transaction on a pooled connection, so the races are real. SQLite serialises every
transaction, so these tests run on PostgreSQL only.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from strawberry.relay import from_base64, to_base64

from api.notifications.events import Event
from db.models.accounts import Role
from db.models.notifications import OutboxMail
from db.models.planning import ScheduledContact
from db.models.promotions import Appointment, AppointmentStatus, Booking, BookingStatus
from db.models.tasks import Task
from tests.factories import Login
from tests.graphql_client import GraphQLClient

CUSTOMER_PASSWORD = "kunde-passwort-2031"
# Far enough ahead that a requested appointment always lies in the future.
DAY = datetime(2031, 5, 5, 8, 0, tzinfo=UTC)
# Generous: a deadlock or a starved connection pool shows up as a timeout, not a hang.
TIMEOUT_SECONDS = 60


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if db.name != "postgres":
        pytest.skip("concurrent transactions race on PostgreSQL; SQLite serialises them")


# ---------------------------------------------------------------- helpers


def _pk(global_id: str) -> int:
    return int(from_base64(global_id)[1])


def _gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def _no_internal_errors(results: list[dict[str, Any]]) -> None:
    """No response may carry a request-level error (a masked internal one above all)."""
    for result in results:
        assert "errors" not in result, result["errors"]


def _payload(result: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in result, result["errors"]
    return result["data"][field]


def _ok(result: dict[str, Any], field: str) -> dict[str, Any]:
    payload = _payload(result, field)
    assert payload["errors"] == [], payload["errors"]
    return payload


def _codes(result: dict[str, Any], field: str) -> list[str]:
    return [e["code"] for e in _payload(result, field)["errors"]]


async def _all(*calls) -> list[dict[str, Any]]:
    """Run the requests at once; every one must answer, none with an internal error."""
    results = list(await asyncio.wait_for(asyncio.gather(*calls), TIMEOUT_SECONDS))
    _no_internal_errors(results)
    return results


def _outcomes(results: list[dict[str, Any]], field: str) -> Counter[str]:
    """How many requests succeeded ("OK") and how many failed with each first error code."""
    return Counter(_codes(r, field)[0] if _codes(r, field) else "OK" for r in results)


@dataclass
class Promotion:
    admin: Login
    group: str  # account group of the customer and the store
    project: str
    location: str
    contact_email: str
    customer_token: str


async def _address(api: GraphQLClient, admin: Login, kind: str, name: str, group: str) -> str:
    result = await api.op(
        "CreateAddress",
        {"input": {"kind": kind, "name": name, "city": "Hamburg", "accountGroupId": group}},
        admin.token,
    )
    return _ok(result, "createAddress")["address"]["id"]


async def _promotion(api: GraphQLClient, make, staff: Sequence[Login] = ()) -> Promotion:
    """A project for a customer whose contact has a portal login, with one store location.
    The customer and the store belong to an account group of `staff`."""
    admin = await make.login(Role.ADMIN)
    members = [_gid("User", login.user.id) for login in staff]
    result = await api.op(
        "CreateAccountGroup", {"input": {"name": "Region Nord", "memberIds": members}}, admin.token
    )
    group = _ok(result, "createAccountGroup")["accountGroup"]["id"]
    customer = await _address(api, admin, "COMPANY", "Frischmarkt GmbH", group)
    store = await _address(api, admin, "STORE", "Frischmarkt Altona", group)
    result = await api.op(
        "CreateProject",
        {"input": {"customerId": customer, "name": "Sommer-Verkostung 2031"}},
        admin.token,
    )
    project = _ok(result, "createProject")["project"]["id"]
    result = await api.op(
        "AddLocation", {"input": {"projectId": project, "storeId": store}}, admin.token
    )
    location = _ok(result, "addLocation")["location"]["id"]
    email = "petra.hansen@frischmarkt.example.com"
    result = await api.op(
        "CreateContactPerson",
        {
            "input": {
                "addressId": customer,
                "firstName": "Petra",
                "lastName": "Hansen",
                "email": email,
            }
        },
        admin.token,
    )
    contact = _ok(result, "createContactPerson")["contactPerson"]["id"]
    result = await api.op(
        "EnablePortalAccess",
        {"input": {"contactPersonId": contact, "password": CUSTOMER_PASSWORD}},
        admin.token,
    )
    _ok(result, "enablePortalAccess")
    result = await api.op(
        "AssignProjectContact", {"projectId": project, "contactPersonId": contact}, admin.token
    )
    _ok(result, "assignProjectContact")
    result = await api.op("CustomerLogin", {"email": email, "password": CUSTOMER_PASSWORD})
    token = _ok(result, "login")["token"]
    return Promotion(admin, group, project, location, email, token)


def _slot(start: datetime, hours: float = 4) -> dict[str, str]:
    return {"startsAt": start.isoformat(), "endsAt": (start + timedelta(hours=hours)).isoformat()}


async def _requested(api: GraphQLClient, promotion: Promotion) -> str:
    result = await api.op(
        "RequestAppointment",
        {"input": {"locationId": promotion.location, **_slot(DAY), "promotersNeeded": 2}},
        promotion.customer_token,
    )
    appointment = _ok(result, "requestAppointment")["appointment"]
    assert appointment["status"] == "REQUESTED"
    return appointment["id"]


async def _scheduled(
    api: GraphQLClient, promotion: Promotion, start: datetime, needed: int, hours: float = 4
) -> str:
    result = await api.op(
        "ScheduleAppointment",
        {
            "input": {
                "locationId": promotion.location,
                **_slot(start, hours),
                "promotersNeeded": needed,
            }
        },
        promotion.admin.token,
    )
    appointment = _ok(result, "scheduleAppointment")["appointment"]
    assert appointment["status"] == "CONFIRMED"
    return appointment["id"]


async def _promoter(api: GraphQLClient, admin: Login, number: int) -> str:
    result = await api.op(
        "CreatePromoter",
        {"input": {"name": f"Promoter {number}", "email": f"promoter{number}@example.com"}},
        admin.token,
    )
    return _ok(result, "createPromoter")["promoter"]["id"]


async def _decision_mails(promotion: Promotion) -> list[OutboxMail]:
    return await OutboxMail.filter(
        recipient=promotion.contact_email,
        event__in=[Event.APPOINTMENT_APPROVED.value, Event.APPOINTMENT_REJECTED.value],
    )


async def _deciders(make, staff_count: int, admin_count: int) -> list[Login]:
    staff = [await make.login(Role.STAFF) for _ in range(staff_count)]
    admins = [await make.login(Role.ADMIN) for _ in range(admin_count)]
    return staff + admins


# ---------------------------------------------------------------- deciding a request


async def test_of_twenty_simultaneous_approvals_exactly_one_wins(api, make):
    deciders = await _deciders(make, staff_count=10, admin_count=10)
    promotion = await _promotion(api, make, staff=deciders[:10])
    appointment = await _requested(api, promotion)

    results = await _all(
        *(api.op("ApproveAppointment", {"id": appointment}, login.token) for login in deciders)
    )

    assert _outcomes(results, "approveAppointment") == {"OK": 1, "INVALID_STATE": 19}
    [winner] = [
        login
        for login, result in zip(deciders, results, strict=True)
        if not _codes(result, "approveAppointment")
    ]
    decided = _ok(results[deciders.index(winner)], "approveAppointment")["appointment"]
    assert decided["status"] == "CONFIRMED"
    assert decided["decidedBy"]["id"] == _gid("User", winner.user.id)
    row = await Appointment.get(id=_pk(appointment))
    assert row.status == AppointmentStatus.CONFIRMED
    assert row.decided_by_id == winner.user.id
    [mail] = await _decision_mails(promotion)
    assert mail.event == Event.APPOINTMENT_APPROVED.value


async def test_of_ten_approvals_racing_ten_rejections_exactly_one_wins(api, make):
    deciders = await _deciders(make, staff_count=10, admin_count=10)
    promotion = await _promotion(api, make, staff=deciders[:10])
    appointment = await _requested(api, promotion)
    calls = [
        ("approveAppointment", api.op("ApproveAppointment", {"id": appointment}, login.token))
        if i % 2 == 0
        else (
            "rejectAppointment",
            api.op(
                "RejectAppointment",
                {"id": appointment, "reason": f"Kein Personal frei ({i})"},
                login.token,
            ),
        )
        for i, login in enumerate(deciders)
    ]

    results = await _all(*(call for _, call in calls))

    outcomes = [
        (field, _codes(result, field)) for (field, _), result in zip(calls, results, strict=True)
    ]
    winners = [(field, i) for i, (field, codes) in enumerate(outcomes) if not codes]
    assert len(winners) == 1, outcomes
    assert all(codes == ["INVALID_STATE"] for _, codes in outcomes if codes), outcomes
    [(field, index)] = winners
    approved = field == "approveAppointment"
    payload = _ok(results[index], field)["appointment"]
    row = await Appointment.get(id=_pk(appointment))
    assert payload["status"] == row.status.value
    assert row.decided_by_id == deciders[index].user.id
    if approved:
        assert row.status == AppointmentStatus.CONFIRMED
        assert row.rejection_reason is None
    else:
        assert row.status == AppointmentStatus.REJECTED
        assert row.rejection_reason == f"Kein Personal frei ({index})"
    [mail] = await _decision_mails(promotion)
    expected = Event.APPOINTMENT_APPROVED if approved else Event.APPOINTMENT_REJECTED
    assert mail.event == expected.value


# ---------------------------------------------------------------- booking promoters


async def test_one_promoter_booked_on_twenty_overlapping_appointments_at_once_gets_one(api, make):
    promotion = await _promotion(api, make)
    admin = promotion.admin
    # Each starts a minute after the one before and lasts four hours: all overlap each other.
    appointments = [
        await _scheduled(api, promotion, DAY + timedelta(minutes=i), needed=1 + i % 3)
        for i in range(20)
    ]
    promoter = await _promoter(api, admin, 1)

    results = await _all(
        *(
            api.op("BookPromoter", {"appointmentId": a, "promoterId": promoter}, admin.token)
            for a in appointments
        )
    )

    assert _outcomes(results, "bookPromoter") == {"OK": 1, "PROMOTER_UNAVAILABLE": 19}
    [booked] = [_ok(r, "bookPromoter") for r in results if not _codes(r, "bookPromoter")]
    bookings = await Booking.filter(promoter_id=_pk(promoter), status=BookingStatus.BOOKED)
    assert [b.appointment_id for b in bookings] == [_pk(booked["booking"]["appointment"]["id"])]
    assert await Booking.all().count() == 1
    assert await OutboxMail.filter(event=Event.PROMOTER_BOOKED.value).count() == 1


async def test_twenty_promoters_booked_at_once_on_an_appointment_needing_two_get_two(api, make):
    promotion = await _promotion(api, make)
    admin = promotion.admin
    appointment = await _scheduled(api, promotion, DAY, needed=2)
    promoters = [await _promoter(api, admin, i) for i in range(20)]

    results = await _all(
        *(
            api.op("BookPromoter", {"appointmentId": appointment, "promoterId": p}, admin.token)
            for p in promoters
        )
    )

    assert _outcomes(results, "bookPromoter") == {"OK": 2, "FULLY_STAFFED": 18}
    winners = {
        _ok(r, "bookPromoter")["booking"]["promoter"]["id"]
        for r in results
        if not _codes(r, "bookPromoter")
    }
    bookings = await Booking.filter(appointment_id=_pk(appointment), status=BookingStatus.BOOKED)
    assert {_gid("Promoter", b.promoter_id) for b in bookings} == winners
    assert len(bookings) == 2
    mails = await OutboxMail.filter(event=Event.PROMOTER_BOOKED.value)
    winner_numbers = {promoters.index(w) for w in winners}
    assert sorted(m.recipient for m in mails) == sorted(
        f"promoter{n}@example.com" for n in winner_numbers
    )


@pytest.mark.parametrize("size", [2, 4])
async def test_crosswise_bookings_at_once_all_succeed_without_deadlock(api, make, size):
    """Promoters P1…Pn each on appointments X1…Xn (none overlapping, each needing n), every
    pair at once and in mixed order: locks taken crosswise must not deadlock."""
    promotion = await _promotion(api, make)
    admin = promotion.admin
    appointments = [
        await _scheduled(api, promotion, DAY + timedelta(days=i), needed=size) for i in range(size)
    ]
    promoters = [await _promoter(api, admin, i) for i in range(size)]
    pairs = [(a, p) for a in appointments for p in promoters]
    # P1→X1 and P2→X2 first, then the crosswise ones (P1→X2, P2→X1) interleaved with them.
    pairs.sort(key=lambda pair: (appointments.index(pair[0]) - promoters.index(pair[1])) % size)
    random.Random(size).shuffle(pairs[size:])

    for _ in range(3):
        await Booking.all().delete()
        await OutboxMail.all().delete()
        results = await _all(
            *(
                api.op("BookPromoter", {"appointmentId": a, "promoterId": p}, admin.token)
                for a, p in pairs
            )
        )

        assert _outcomes(results, "bookPromoter") == {"OK": size * size}
        booked = await Booking.filter(status=BookingStatus.BOOKED).values_list(
            "appointment_id", "promoter_id"
        )
        assert sorted(booked) == sorted((_pk(a), _pk(p)) for a, p in pairs)
        assert await OutboxMail.filter(event=Event.PROMOTER_BOOKED.value).count() == size * size


# ---------------------------------------------------------------- claiming a team task


async def test_of_ten_members_claiming_a_team_task_at_once_exactly_one_gets_it(api, make):
    admin = await make.login(Role.ADMIN)
    members = [await make.login(Role.STAFF) for _ in range(10)]
    member_ids = [_gid("User", m.user.id) for m in members]
    result = await api.op(
        "CreateTeam", {"input": {"name": "Innendienst", "memberIds": member_ids}}, admin.token
    )
    team = _ok(result, "createTeam")["team"]["id"]
    result = await api.op(
        "CreateTask",
        {"input": {"title": "Rückruf Frischmarkt", "teamId": team, "dueBy": DAY.isoformat()}},
        admin.token,
    )
    task = _ok(result, "createTask")["task"]["id"]

    results = await _all(*(api.op("ClaimTask", {"id": task}, m.token) for m in members))

    assert _outcomes(results, "claimTask") == {"OK": 1, "INVALID_STATE": 9}
    [winner] = [m for m, r in zip(members, results, strict=True) if not _codes(r, "claimTask")]
    claimed = _ok(results[members.index(winner)], "claimTask")["task"]
    assert claimed["assignee"]["id"] == _gid("User", winner.user.id)
    row = await Task.get(id=_pk(task))
    assert row.assignee_id == winner.user.id
    assert row.sequence == 1, "claimed once"


# ---------------------------------------------------------------- generating the call list

WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
PLAN_FROM = date(2031, 1, 1)
PLAN_UNTIL = date(2031, 3, 31)


async def _contact_plan(api: GraphQLClient, make, members: int) -> tuple[Login, str]:
    admin = await make.login(Role.ADMIN)
    result = await api.op(
        "CreateContactPlan",
        {
            "input": {
                "name": "Ordersatz Nord",
                "purpose": "ORDER_INTAKE",
                "weekdays": WEEKDAYS,
                "validFrom": PLAN_FROM.isoformat(),
            }
        },
        admin.token,
    )
    plan = _ok(result, "createContactPlan")["contactPlan"]["id"]
    for i in range(members):
        result = await api.op(
            "CreateAddress", {"input": {"kind": "COMPANY", "name": f"Kunde {i}"}}, admin.token
        )
        address = _ok(result, "createAddress")["address"]["id"]
        result = await api.op(
            "AddContactPlanMember",
            {"input": {"planId": plan, "addressId": address, "phone": f"+49 40 5550{i:03d}"}},
            admin.token,
        )
        _ok(result, "addContactPlanMember")
    return admin, plan


def _weekdays_between(first: date, last: date) -> int:
    return sum(
        (first + timedelta(days=n)).isoweekday() <= 5 for n in range((last - first).days + 1)
    )


async def _assert_no_duplicate_contacts(plan: str) -> int:
    rows = await ScheduledContact.filter(plan_id=_pk(plan)).values_list("member_id", "date")
    assert len(rows) == len(set(rows)), "a (plan, member, date) appears twice"
    return len(rows)


@pytest.mark.parametrize("runs", [2, 5])
async def test_simultaneous_generation_runs_create_each_contact_once(api, make, runs):
    members = 12
    admin, plan = await _contact_plan(api, make, members)
    period = {"planId": plan, "from": PLAN_FROM.isoformat(), "until": PLAN_UNTIL.isoformat()}

    results = await _all(
        *(api.op("GenerateScheduledContacts", {"input": period}, admin.token) for _ in range(runs))
    )

    created = [_ok(r, "generateScheduledContacts")["created"] for r in results]
    total = await _assert_no_duplicate_contacts(plan)
    assert total == members * _weekdays_between(PLAN_FROM, PLAN_UNTIL)
    assert sum(created) == total, created
    for result in results:
        counts = _ok(result, "generateScheduledContacts")
        assert counts["created"] + counts["skipped"] == total


async def test_simultaneous_runs_over_overlapping_periods_create_each_contact_once(api, make):
    members = 12
    admin, plan = await _contact_plan(api, make, members)
    periods = [
        (date(2031, 1, 1), date(2031, 2, 28)),
        (date(2031, 2, 1), date(2031, 3, 31)),
        (date(2031, 1, 15), date(2031, 3, 15)),
    ]

    results = await _all(
        *(
            api.op(
                "GenerateScheduledContacts",
                {"input": {"planId": plan, "from": f.isoformat(), "until": u.isoformat()}},
                admin.token,
            )
            for f, u in periods
        )
    )

    created = [_ok(r, "generateScheduledContacts")["created"] for r in results]
    total = await _assert_no_duplicate_contacts(plan)
    assert total == members * _weekdays_between(date(2031, 1, 1), date(2031, 3, 31))
    assert sum(created) == total, created
