"""The single-request rules of promotions: where locations and contacts may go, who sees
which project, deciding requested appointments, listing appointments, booking promoters,
the promoter app's check-in, check-out and reports, and what customers and their scoped
API tokens may request."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import count

import pytest
from strawberry.relay import from_base64, to_base64

from api.resolvers.sessions import open_session
from db.models.accounts import Role, User
from db.models.crm import ContactPerson
from db.models.promotions import (
    Appointment,
    Booking,
    Location,
    ProjectContact,
    Report,
    ReportAnswer,
    TimeEntry,
)
from tests.factories import PASSWORD, Factory, Login
from tests.graphql_client import error_codes

APPOINTMENT = """
query($id: ID!) {
  node(id: $id) {
    ... on Appointment {
      id status startsAt endsAt decidedAt rejectionReason
      decidedBy { id }
      requestedBy { id }
      bookings { id status promoter { id } }
    }
  }
}"""
PROJECT = "query($id: ID!) { node(id: $id) { ... on Project { id name } } }"
NODE_ID = "query($id: ID!) { node(id: $id) { id } }"
PROJECT_NAMES = "{ projects(first: 100) { totalCount edges { node { name } } } }"
COMPLETE = """
mutation($id: ID!) {
  completeAppointment(id: $id) { appointment { id status } errors { field code message } }
}"""
DISABLE_PORTAL = """
mutation($id: ID!) {
  disablePortalAccess(contactPersonId: $id) { contactPerson { id } errors { field code } }
}"""

_emails = count(1)


# ---------------------------------------------------------------- helpers


def _gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def _pk(global_id: str) -> int:
    return int(from_base64(global_id)[1])


def _user_id(login: Login) -> str:
    return _gid("User", login.user.id)


def _errors(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# Appointments lie on a day a month ahead, so customers may request them.
_DAY = (datetime.now(UTC) + timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)


def _at(hour: float, day: int = 0) -> datetime:
    return _DAY + timedelta(days=day, hours=hour)


def _slot(start: float, end: float, day: int = 0) -> dict:
    return {"startsAt": _at(start, day).isoformat(), "endsAt": _at(end, day).isoformat()}


async def _payload(api, token: str, op: str, root: str, variables: dict | None = None) -> dict:
    """Run a client mutation and return its payload (errors included)."""
    result = await api.op(op, variables or {}, token)
    assert "errors" not in result, result
    return result["data"][root]


async def _ok(api, token: str, op: str, root: str, variables: dict | None = None) -> dict:
    payload = await _payload(api, token, op, root, variables)
    assert payload["errors"] == [], payload
    return payload


async def _address(api, login: Login, name: str, kind: str = "COMPANY", **fields) -> str:
    payload = await _ok(
        api, login.token, "CreateAddress", "createAddress",
        {"input": {"kind": kind, "name": name, "city": "Köln", **fields}},
    )  # fmt: skip
    return payload["address"]["id"]


async def _personal_group(api, login: Login) -> str:
    viewer = (await api.op("Viewer", token=login.token))["data"]["viewer"]
    [group] = [g["id"] for g in viewer["accountGroups"] if g["name"] == login.user.name]
    return group


async def _project(api, login: Login, customer_id: str, name: str, **fields) -> str:
    payload = await _ok(
        api, login.token, "CreateProject", "createProject",
        {"input": {"customerId": customer_id, "name": name, **fields}},
    )  # fmt: skip
    return payload["project"]["id"]


async def _add_location(api, login: Login, project_id: str, store_id: str) -> dict:
    variables = {"input": {"projectId": project_id, "storeId": store_id}}
    return await _payload(api, login.token, "AddLocation", "addLocation", variables)


async def _location(api, login: Login, project_id: str, store_id: str) -> str:
    payload = await _add_location(api, login, project_id, store_id)
    assert payload["errors"] == [], payload
    return payload["location"]["id"]


async def _schedule(api, login: Login, location_id: str, slot: dict, needed: int = 1) -> str:
    payload = await _ok(
        api, login.token, "ScheduleAppointment", "scheduleAppointment",
        {"input": {"locationId": location_id, "promotersNeeded": needed, **slot}},
    )  # fmt: skip
    assert payload["appointment"]["status"] == "CONFIRMED"
    return payload["appointment"]["id"]


async def _request(api, token: str, location_id: str, slot: dict, needed: int = 1) -> dict:
    variables = {"input": {"locationId": location_id, "promotersNeeded": needed, **slot}}
    return await _payload(api, token, "RequestAppointment", "requestAppointment", variables)


async def _requested(api, token: str, location_id: str, slot: dict, needed: int = 1) -> str:
    payload = await _request(api, token, location_id, slot, needed)
    assert payload["errors"] == [], payload
    assert payload["appointment"]["status"] == "REQUESTED"
    return payload["appointment"]["id"]


async def _appointment(api, login: Login, appointment_id: str) -> dict | None:
    result = await api.post(APPOINTMENT, {"id": appointment_id}, login.token)
    assert "errors" not in result, result
    return result["data"]["node"]


async def _approve(api, login: Login, appointment_id: str) -> dict:
    variables = {"id": appointment_id}
    return await _payload(api, login.token, "ApproveAppointment", "approveAppointment", variables)


async def _reject(api, login: Login, appointment_id: str, reason: str) -> dict:
    variables = {"id": appointment_id, "reason": reason}
    return await _payload(api, login.token, "RejectAppointment", "rejectAppointment", variables)


async def _cancel(api, login: Login, appointment_id: str) -> None:
    variables = {"id": appointment_id, "reason": "Markt geschlossen"}
    await _ok(api, login.token, "CancelAppointment", "cancelAppointment", variables)


async def _book(api, login: Login, appointment_id: str, promoter_id: str) -> dict:
    variables = {"appointmentId": appointment_id, "promoterId": promoter_id}
    return await _payload(api, login.token, "BookPromoter", "bookPromoter", variables)


async def _booked(api, login: Login, appointment_id: str, promoter_id: str) -> str:
    payload = await _book(api, login, appointment_id, promoter_id)
    assert payload["errors"] == [], payload
    assert payload["booking"]["status"] == "BOOKED"
    return payload["booking"]["id"]


async def _cancel_booking(api, login: Login, booking_id: str) -> None:
    await _ok(api, login.token, "CancelBooking", "cancelBooking", {"id": booking_id})


async def _active_bookings(api, login: Login, appointment_id: str) -> list[str]:
    """The promoter IDs booked (not cancelled) on an appointment."""
    bookings = (await _appointment(api, login, appointment_id))["bookings"]
    return [b["promoter"]["id"] for b in bookings if b["status"] == "BOOKED"]


@dataclass
class Person:
    """A customer contact or a promoter, with its global ID and a session token."""

    id: str
    token: str


async def _session(make: Factory, user_id: int) -> str:
    return (await open_session(make.settings, await User.get(id=user_id))).token


async def _contact(api, login: Login, address_id: str, last_name: str) -> str:
    email = f"kontakt{next(_emails)}@kunde.example.com"
    payload = await _ok(
        api, login.token, "CreateContactPerson", "createContactPerson",
        {"input": {"addressId": address_id, "firstName": "Kim", "lastName": last_name,
                   "email": email}},
    )  # fmt: skip
    return payload["contactPerson"]["id"]


async def _enable_portal(api, login: Login, contact_id: str) -> None:
    # Without a password an invitation goes out: the login exists, no argon2 hash needed.
    variables = {"input": {"contactPersonId": contact_id}}
    await _ok(api, login.token, "EnablePortalAccess", "enablePortalAccess", variables)


async def _portal_contact(api, make: Factory, login: Login, address_id: str, name: str) -> Person:
    """A contact of the address with portal access, logged in (not yet assigned anywhere)."""
    contact_id = await _contact(api, login, address_id, name)
    await _enable_portal(api, login, contact_id)
    contact = await ContactPerson.get(id=_pk(contact_id))
    return Person(contact_id, await _session(make, contact.user_id))


async def _assign(api, login: Login, project_id: str, contact_id: str) -> dict:
    variables = {"projectId": project_id, "contactPersonId": contact_id}
    return await _payload(
        api, login.token, "AssignProjectContact", "assignProjectContact", variables
    )


async def _customer(api, make: Factory, login: Login, address_id: str, *projects: str) -> Person:
    """A portal contact of the address assigned to the projects."""
    person = await _portal_contact(api, make, login, address_id, f"Kunde {next(_emails)}")
    for project_id in projects:
        assert (await _assign(api, login, project_id, person.id))["errors"] == []
    return person


async def _promoter(api, make: Factory, login: Login, name: str) -> Person:
    """A promoter with a PROMOTER login, logged in."""
    email = f"promoter{next(_emails)}@example.com"
    payload = await _ok(
        api, login.token, "CreatePromoter", "createPromoter",
        {"input": {"name": name, "email": email, "phone": "+4917612345678",
                   "password": PASSWORD}},
    )  # fmt: skip
    user = await User.get(email=email)
    return Person(payload["promoter"]["id"], await _session(make, user.id))


@dataclass
class World:
    """Anna looks after the customer Frischkost AG and its store; Ben sees none of it.
    The admin runs the project "Sommeraktion" at that store, Anna responsible."""

    admin: Login
    anna: Login
    ben: Login
    anna_group: str
    customer: str
    store: str
    project: str
    location: str


@pytest.fixture
async def world(api, make) -> World:
    admin = await make.login(Role.ADMIN, name="Ada Admin")
    anna = await make.login(Role.STAFF, name="Anna Planer")
    ben = await make.login(Role.STAFF, name="Ben Planer")
    group = await _personal_group(api, anna)
    customer = await _address(api, admin, "Frischkost AG", accountGroupId=group)
    store = await _address(api, admin, "Markt Köln-Nord", "STORE", accountGroupId=group)
    project = await _project(
        api, admin, customer, "Sommeraktion", responsibleId=_user_id(anna),
        startsOn=_DAY.date().isoformat(), endsOn=(_DAY + timedelta(days=60)).date().isoformat(),
    )  # fmt: skip
    location = await _location(api, admin, project, store)
    return World(admin, anna, ben, group, customer, store, project, location)


async def _overview(api, login: Login, project_id: str) -> dict | None:
    result = await api.op("ProjectOverview", {"id": project_id}, login.token)
    assert "errors" not in result, result
    return result["data"]["node"]


# ---------------------------------------------------------------- locations and contacts


@pytest.mark.parametrize("kind", ["COMPANY", "PERSON"])
async def test_a_location_must_be_a_store(api, world, kind):
    not_a_store = await _address(
        api, world.admin, "Zentrale", kind, accountGroupId=world.anna_group
    )
    for login in (world.admin, world.anna):
        payload = await _add_location(api, login, world.project, not_a_store)
        assert (payload["location"], _errors(payload)) == (None, [("storeId", "INVALID")])
    # The customer's own address is no store either.
    payload = await _add_location(api, world.admin, world.project, world.customer)
    assert _errors(payload) == [("storeId", "INVALID")]

    overview = await _overview(api, world.admin, world.project)
    assert [loc["store"]["name"] for loc in overview["locations"]] == ["Markt Köln-Nord"]
    assert await Location.all().count() == 1


async def test_a_store_joins_a_project_once_and_only_stores_the_user_sees(api, world):
    again = await _add_location(api, world.anna, world.project, world.store)
    assert (again["location"], _errors(again)) == (None, [("storeId", "DUPLICATE")])

    bens_store = await _address(api, world.ben, "Markt Bonn", "STORE")
    hidden = await _add_location(api, world.anna, world.project, bens_store)
    assert _errors(hidden) == [("storeId", "NOT_FOUND")]
    # Ben sees the store but not the project.
    foreign = await _add_location(api, world.ben, world.project, bens_store)
    assert _errors(foreign) == [("projectId", "NOT_FOUND")]
    both = await _add_location(api, world.anna, _gid("Project", 999_999), "garbage")
    assert set(_errors(both)) == {("projectId", "NOT_FOUND"), ("storeId", "NOT_FOUND")}
    assert await Location.all().count() == 1

    second = await _address(api, world.anna, "Markt Köln-Süd", "STORE")
    created = await _add_location(api, world.anna, world.project, second)
    assert created["errors"] == []
    assert created["location"]["store"] == {"id": second, "name": "Markt Köln-Süd", "city": "Köln"}
    overview = await _overview(api, world.anna, world.project)
    assert sorted(loc["store"]["name"] for loc in overview["locations"]) == [
        "Markt Köln-Nord",
        "Markt Köln-Süd",
    ]


async def _project_contacts(api, login: Login, project_id: str) -> list[str]:
    return sorted(c["id"] for c in (await _overview(api, login, project_id))["contacts"])


async def test_only_portal_contacts_of_the_customer_join_a_project(api, make, world):
    with_portal = await _portal_contact(api, make, world.admin, world.customer, "Berger")
    without_portal = await _contact(api, world.admin, world.customer, "Ohnezugang")
    other_customer = await _address(
        api, world.admin, "Konkurrenz GmbH", accountGroupId=world.anna_group
    )
    elsewhere = await _portal_contact(api, make, world.admin, other_customer, "Fremd")
    disabled = await _portal_contact(api, make, world.admin, world.customer, "Gesperrt")
    result = await api.post(DISABLE_PORTAL, {"id": disabled.id}, world.admin.token)
    assert result["data"]["disablePortalAccess"]["errors"] == []

    for contact_id in (without_portal, elsewhere.id, disabled.id):
        for login in (world.admin, world.anna):
            payload = await _assign(api, login, world.project, contact_id)
            assert (payload["project"], _errors(payload)) == (
                None,
                [("contactPersonId", "INVALID")],
            )
    for contact_id in (_gid("ContactPerson", 999_999), "garbage"):
        payload = await _assign(api, world.anna, world.project, contact_id)
        assert _errors(payload) == [("contactPersonId", "NOT_FOUND")]
    # Ben sees neither the project nor the contact.
    payload = await _assign(api, world.ben, world.project, with_portal.id)
    assert set(_errors(payload)) == {("projectId", "NOT_FOUND"), ("contactPersonId", "NOT_FOUND")}
    assert await _project_contacts(api, world.admin, world.project) == []
    assert await ProjectContact.all().count() == 0
    unassigned = (await api.op("MyProjects", token=with_portal.token))["data"]["projects"]
    assert unassigned["totalCount"] == 0

    for _ in range(2):  # assigning twice keeps one assignment
        payload = await _assign(api, world.anna, world.project, with_portal.id)
        assert payload["errors"] == []
        assert [c["id"] for c in payload["project"]["contacts"]] == [with_portal.id]
    assert await _project_contacts(api, world.admin, world.project) == [with_portal.id]
    mine = (await api.op("MyProjects", token=with_portal.token))["data"]["projects"]
    assert (mine["totalCount"], mine["edges"][0]["node"]["id"]) == (1, world.project)


# ---------------------------------------------------------------- who sees which project


async def _project_names(api, login: Login) -> tuple[list[str], int]:
    result = await api.post(PROJECT_NAMES, token=login.token)
    assert "errors" not in result, result
    projects = result["data"]["projects"]
    return [e["node"]["name"] for e in projects["edges"]], projects["totalCount"]


async def _node(api, token: str, global_id: str) -> dict | None:
    result = await api.post(NODE_ID, {"id": global_id}, token)
    assert "errors" not in result, result
    return result["data"]["node"]


async def test_staff_see_the_projects_of_customers_they_see(api, make, world):
    cora = await make.login(Role.STAFF, name="Cora Planer")
    bens_customer = await _address(api, world.ben, "Bäckerei Ben")
    bens_store = await _address(api, world.ben, "Filiale Ben", "STORE")
    winter = await _project(api, world.admin, bens_customer, "Winteraktion")
    bens_location = await _location(api, world.admin, winter, bens_store)
    bens_appointment = await _schedule(api, world.admin, bens_location, _slot(10, 14))
    annas_appointment = await _schedule(api, world.admin, world.location, _slot(10, 14))

    assert await _project_names(api, world.admin) == (["Sommeraktion", "Winteraktion"], 2)
    assert await _project_names(api, world.anna) == (["Sommeraktion"], 1)
    assert await _project_names(api, world.ben) == (["Winteraktion"], 1)
    assert await _project_names(api, cora) == ([], 0)

    for hidden in (winter, bens_location, bens_appointment):
        assert await _node(api, world.anna.token, hidden) is None
        assert await _node(api, world.admin.token, hidden) == {"id": hidden}
    for hidden in (world.project, world.location, annas_appointment):
        assert await _node(api, world.ben.token, hidden) is None
        assert await _node(api, cora.token, hidden) is None

    listed = await api.op("Appointments", {"projectId": winter}, world.anna.token)
    assert listed["data"]["appointments"] == {
        "totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []
    }  # fmt: skip
    everything = (await api.op("Appointments", {}, world.anna.token))["data"]["appointments"]
    assert [e["node"]["id"] for e in everything["edges"]] == [annas_appointment]
    assert everything["totalCount"] == 1

    # Writing to what one cannot see is NOT_FOUND and changes nothing.
    denied = await _add_location(api, world.anna, winter, world.store)
    assert _errors(denied) == [("projectId", "NOT_FOUND")]
    scheduled = await _payload(
        api, world.anna.token, "ScheduleAppointment", "scheduleAppointment",
        {"input": {"locationId": bens_location, "promotersNeeded": 1, **_slot(15, 16)}},
    )  # fmt: skip
    assert _errors(scheduled) == [("locationId", "NOT_FOUND")]
    assert await Appointment.all().count() == 2

    # Visibility follows the customer's address: a secondary group shares it.
    coras_group = await _personal_group(api, cora)
    await _ok(
        api, world.admin.token, "UpdateAddress", "updateAddress",
        {"input": {"id": bens_customer, "secondaryAccountGroupId": coras_group}},
    )  # fmt: skip
    assert await _project_names(api, cora) == (["Winteraktion"], 1)
    assert await _node(api, cora.token, bens_appointment) == {"id": bens_appointment}


# ---------------------------------------------------------------- approving and rejecting


async def test_approving_records_who_and_when_and_happens_once(api, make, world):
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    requested = await _requested(api, customer.token, world.location, _slot(10, 14))
    pending = await _appointment(api, world.anna, requested)
    assert (pending["status"], pending["decidedAt"], pending["decidedBy"]) == (
        "REQUESTED", None, None
    )  # fmt: skip
    assert pending["requestedBy"] == {"id": customer.id}

    before = datetime.now(UTC)
    approved = await _approve(api, world.anna, requested)
    after = datetime.now(UTC)
    assert approved["errors"] == []
    decided = approved["appointment"]
    assert (decided["status"], decided["decidedBy"]) == ("CONFIRMED", {"id": _user_id(world.anna)})
    assert before - timedelta(seconds=1) <= _when(decided["decidedAt"]) <= after

    again = await _approve(api, world.admin, requested)
    assert (again["appointment"], _errors(again)) == (None, [("id", "INVALID_STATE")])
    rejected = await _reject(api, world.admin, requested, "Doch nicht")
    assert (rejected["appointment"], _errors(rejected)) == (None, [("id", "INVALID_STATE")])

    stored = await _appointment(api, world.admin, requested)
    assert stored["status"] == "CONFIRMED"
    assert stored["decidedBy"] == {"id": _user_id(world.anna)}
    assert stored["decidedAt"] == decided["decidedAt"]
    assert stored["rejectionReason"] is None


async def test_rejecting_needs_a_reason_and_records_it(api, make, world):
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    requested = await _requested(api, customer.token, world.location, _slot(10, 14))

    for blank in ("", "   "):
        payload = await _reject(api, world.anna, requested, blank)
        assert (payload["appointment"], _errors(payload)) == (None, [("reason", "REQUIRED")])
    untouched = await _appointment(api, world.anna, requested)
    assert (untouched["status"], untouched["decidedAt"], untouched["rejectionReason"]) == (
        "REQUESTED", None, None
    )  # fmt: skip

    payload = await _reject(api, world.anna, requested, "  Kein Personal in der Woche  ")
    assert payload["errors"] == []
    assert payload["appointment"]["status"] == "REJECTED"
    assert payload["appointment"]["rejectionReason"] == "Kein Personal in der Woche"
    stored = await _appointment(api, world.admin, requested)
    assert stored["decidedBy"] == {"id": _user_id(world.anna)}
    assert stored["decidedAt"] is not None

    for decide in (
        _approve(api, world.admin, requested),
        _reject(api, world.admin, requested, "Anderer Grund"),
    ):
        late = await decide
        assert (late["appointment"], _errors(late)) == (None, [("id", "INVALID_STATE")])
    final = await _appointment(api, world.admin, requested)
    assert (final["status"], final["rejectionReason"]) == ("REJECTED", "Kein Personal in der Woche")
    assert final["decidedAt"] == stored["decidedAt"]
    # The customer sees why.
    seen = await api.op("ProjectAppointments", {"projectId": world.project}, customer.token)
    [edge] = seen["data"]["appointments"]["edges"]
    assert (edge["node"]["status"], edge["node"]["rejectionReason"]) == (
        "REJECTED", "Kein Personal in der Woche"
    )  # fmt: skip


@pytest.mark.parametrize("state", ["CONFIRMED", "CANCELLED", "COMPLETED"])
async def test_only_requested_appointments_are_decided(api, make, world, state):
    if state == "CANCELLED":
        customer = await _customer(api, make, world.admin, world.customer, world.project)
        appointment = await _requested(api, customer.token, world.location, _slot(10, 14))
        await _cancel(api, world.admin, appointment)
    else:
        # Agency-scheduled appointments start CONFIRMED.
        appointment = await _schedule(api, world.admin, world.location, _slot(10, 14))
        if state == "COMPLETED":
            done = await api.post(COMPLETE, {"id": appointment}, world.admin.token)
            assert done["data"]["completeAppointment"]["errors"] == []

    approved = await _approve(api, world.anna, appointment)
    assert (approved["appointment"], _errors(approved)) == (None, [("id", "INVALID_STATE")])
    rejected = await _reject(api, world.anna, appointment, "Zu spät")
    assert (rejected["appointment"], _errors(rejected)) == (None, [("id", "INVALID_STATE")])

    stored = await _appointment(api, world.admin, appointment)
    assert (stored["status"], stored["decidedAt"], stored["decidedBy"]) == (state, None, None)
    assert stored["rejectionReason"] is None


async def test_deciding_what_one_cannot_see_is_not_found(api, make, world):
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    requested = await _requested(api, customer.token, world.location, _slot(10, 14))
    for global_id in (requested, _gid("Appointment", 999_999), "garbage", world.project):
        approved = await _approve(api, world.ben, global_id)
        assert (approved["appointment"], _errors(approved)) == (None, [("id", "NOT_FOUND")])
        rejected = await _reject(api, world.ben, global_id, "Nein")
        assert _errors(rejected) == [("id", "NOT_FOUND")]
    # A customer may not decide at all, not even their own request.
    for result in (
        await api.op("ApproveAppointment", {"id": requested}, customer.token),
        await api.op("RejectAppointment", {"id": requested, "reason": "x"}, customer.token),
    ):
        assert error_codes(result) == ["FORBIDDEN"]
    stored = await _appointment(api, world.admin, requested)
    assert (stored["status"], stored["decidedAt"]) == ("REQUESTED", None)


# ---------------------------------------------------------------- listing appointments


async def _listed(api, login: Login, **variables) -> list[str]:
    """The notes of the listed appointments, in order; checks totalCount."""
    query = """
    query($projectId: ID, $status: AppointmentStatus, $from: DateTime, $to: DateTime,
          $first: Int, $after: String) {
      appointments(projectId: $projectId, status: $status, from: $from, to: $to,
                   first: $first, after: $after) {
        totalCount
        edges { node { note startsAt } }
      }
    }"""
    result = await api.post(query, variables, login.token)
    assert "errors" not in result, result
    connection = result["data"]["appointments"]
    notes = [e["node"]["note"] for e in connection["edges"]]
    assert connection["totalCount"] == len(notes)
    starts = [_when(e["node"]["startsAt"]) for e in connection["edges"]]
    assert starts == sorted(starts)
    return notes


async def test_appointments_filter_by_project_status_and_period_ordered_by_start(api, make, world):
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    other_store = await _address(api, world.admin, "Markt Düren", "STORE")
    other = await _project(api, world.admin, world.customer, "Herbstaktion")
    other_location = await _location(api, world.admin, other, other_store)

    async def scheduled(note: str, slot: dict, location: str = world.location) -> str:
        payload = await _ok(
            api, world.admin.token, "ScheduleAppointment", "scheduleAppointment",
            {"input": {"locationId": location, "promotersNeeded": 1, "note": note, **slot}},
        )  # fmt: skip
        return payload["appointment"]["id"]

    async def requested(note: str, slot: dict) -> str:
        payload = await _payload(
            api, customer.token, "RequestAppointment", "requestAppointment",
            {"input": {"locationId": world.location, "promotersNeeded": 1, "note": note, **slot}},
        )  # fmt: skip
        assert payload["errors"] == []
        return payload["appointment"]["id"]

    # Created out of order.
    await scheduled("mittag", _slot(12, 14))
    await requested("abend-angefragt", _slot(16, 20))
    await scheduled("morgen", _slot(8, 10))
    cancelled = await scheduled("vormittag-abgesagt", _slot(10, 12))
    await _cancel(api, world.admin, cancelled)
    await scheduled("naechster-tag", _slot(9, 11, day=1))
    await scheduled("andere-aktion", _slot(11, 13), other_location)

    everything = [
        "morgen", "vormittag-abgesagt", "mittag", "abend-angefragt", "naechster-tag"
    ]  # fmt: skip
    assert await _listed(api, world.anna, projectId=world.project) == everything
    assert await _listed(api, world.admin) == [
        "morgen", "vormittag-abgesagt", "andere-aktion", "mittag", "abend-angefragt",
        "naechster-tag",
    ]  # fmt: skip
    assert await _listed(api, world.anna, projectId=other) == ["andere-aktion"]
    assert await _listed(api, world.anna, projectId=world.project, status="CONFIRMED") == [
        "morgen", "mittag", "naechster-tag"
    ]  # fmt: skip
    assert await _listed(api, world.anna, status="REQUESTED") == ["abend-angefragt"]
    assert await _listed(api, world.anna, status="CANCELLED") == ["vormittag-abgesagt"]
    assert await _listed(api, world.anna, status="REJECTED") == []

    # [from, to) selects what overlaps: touching its ends is outside.
    period = {"from": _at(10).isoformat(), "to": _at(16).isoformat()}
    assert await _listed(api, world.anna, projectId=world.project, **period) == [
        "vormittag-abgesagt", "mittag"
    ]  # fmt: skip
    inside = {"from": _at(13).isoformat(), "to": _at(17).isoformat()}
    assert await _listed(api, world.anna, projectId=world.project, **inside) == [
        "mittag", "abend-angefragt"
    ]  # fmt: skip
    later = {"from": _at(20).isoformat()}
    assert await _listed(api, world.anna, projectId=world.project, **later) == ["naechster-tag"]
    assert await _listed(api, world.anna, projectId=world.project, to=_at(9).isoformat()) == [
        "morgen"
    ]
    assert await _listed(
        api, world.anna, projectId=world.project, status="CONFIRMED", **period
    ) == ["mittag"]

    # Pages continue in start order.
    first = await api.op("Appointments", {"projectId": world.project, "first": 2}, world.anna.token)
    page = first["data"]["appointments"]
    assert [e["node"]["note"] for e in page["edges"]] == everything[:2]
    assert (page["totalCount"], page["pageInfo"]["hasNextPage"]) == (5, True)
    rest = await api.op(
        "Appointments",
        {"projectId": world.project, "first": 10, "after": page["pageInfo"]["endCursor"]},
        world.anna.token,
    )
    assert [e["node"]["note"] for e in rest["data"]["appointments"]["edges"]] == everything[2:]


# ---------------------------------------------------------------- booking promoters


@pytest.mark.parametrize("state", ["REQUESTED", "CANCELLED", "REJECTED"])
async def test_only_confirmed_appointments_are_staffed(api, make, world, state):
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    promoter = await _promoter(api, make, world.admin, "Lukas Brandt")
    appointment = await _requested(api, customer.token, world.location, _slot(10, 14))
    if state == "CANCELLED":
        await _cancel(api, world.admin, appointment)
    elif state == "REJECTED":
        assert (await _reject(api, world.admin, appointment, "Nein"))["errors"] == []

    payload = await _book(api, world.anna, appointment, promoter.id)
    assert (payload["booking"], _errors(payload)) == (None, [("appointmentId", "INVALID_STATE")])
    assert await _active_bookings(api, world.admin, appointment) == []
    assert await Booking.all().count() == 0

    if state == "REQUESTED":
        assert (await _approve(api, world.anna, appointment))["errors"] == []
        await _booked(api, world.anna, appointment, promoter.id)
        assert await _active_bookings(api, world.admin, appointment) == [promoter.id]


async def test_an_appointment_gets_no_more_promoters_than_it_needs(api, make, world):
    appointment = await _schedule(api, world.admin, world.location, _slot(10, 14), needed=2)
    lukas, mia, noah = [
        await _promoter(api, make, world.admin, name) for name in ("Lukas", "Mia", "Noah")
    ]
    first = await _booked(api, world.anna, appointment, lukas.id)
    await _booked(api, world.anna, appointment, mia.id)

    full = await _book(api, world.anna, appointment, noah.id)
    assert (full["booking"], _errors(full)) == (None, [("appointmentId", "FULLY_STAFFED")])
    assert await _active_bookings(api, world.admin, appointment) == [lukas.id, mia.id]

    # The same promoter twice on one appointment is not a second promoter.
    twice = await _book(api, world.anna, appointment, mia.id)
    assert _errors(twice) == [("promoterId", "PROMOTER_UNAVAILABLE")]

    # A cancelled booking frees its place.
    await _cancel_booking(api, world.anna, first)
    await _booked(api, world.anna, appointment, noah.id)
    assert await _active_bookings(api, world.admin, appointment) == [mia.id, noah.id]
    again = await _book(api, world.anna, appointment, lukas.id)
    assert _errors(again) == [("appointmentId", "FULLY_STAFFED")]
    assert await Booking.filter(status="BOOKED").count() == 2


async def test_a_promoter_is_never_booked_on_overlapping_appointments(api, make, world):
    second_store = await _address(api, world.admin, "Markt Bonn", "STORE")
    elsewhere = await _location(api, world.admin, world.project, second_store)
    lukas = await _promoter(api, make, world.admin, "Lukas")
    mia = await _promoter(api, make, world.admin, "Mia")

    main = await _schedule(api, world.admin, world.location, _slot(10, 14))
    overlapping = {
        "inside": _slot(11, 13),
        "around": _slot(9, 15),
        "same time": _slot(10, 14),
        "start overlaps": _slot(13, 16),
        "end overlaps": _slot(8, 11),
    }
    clashing = {
        name: await _schedule(api, world.admin, elsewhere, slot, needed=2)
        for name, slot in overlapping.items()
    }
    before = await _schedule(api, world.admin, elsewhere, _slot(6, 10))
    after = await _schedule(api, world.admin, elsewhere, _slot(14, 18))
    next_day = await _schedule(api, world.admin, elsewhere, _slot(10, 14, day=1))

    booking = await _booked(api, world.anna, main, lukas.id)
    for name, appointment in clashing.items():
        payload = await _book(api, world.anna, appointment, lukas.id)
        assert (name, payload["booking"], _errors(payload)) == (
            name, None, [("promoterId", "PROMOTER_UNAVAILABLE")]
        )  # fmt: skip
        # Another promoter is free to take it.
        await _booked(api, world.anna, appointment, mia.id)
        assert await _active_bookings(api, world.admin, appointment) == [mia.id]
        [taken] = (await _appointment(api, world.admin, appointment))["bookings"]
        await _cancel_booking(api, world.admin, taken["id"])

    # Back to back is no overlap.
    for appointment in (before, after, next_day):
        await _booked(api, world.anna, appointment, lukas.id)

    # A cancelled booking frees the promoter for the same hours.
    await _cancel_booking(api, world.anna, booking)
    free = await _schedule(api, world.admin, elsewhere, _slot(11, 13))
    await _booked(api, world.anna, free, lukas.id)
    # A cancelled appointment frees them too.
    await _cancel(api, world.admin, free)
    await _booked(api, world.anna, clashing["inside"], lukas.id)
    assert await _active_bookings(api, world.admin, clashing["inside"]) == [lukas.id]


async def test_booking_what_one_cannot_see_is_not_found(api, make, world):
    appointment = await _schedule(api, world.admin, world.location, _slot(10, 14))
    lukas = await _promoter(api, make, world.admin, "Lukas")
    hidden = await _book(api, world.ben, appointment, lukas.id)
    assert _errors(hidden) == [("appointmentId", "NOT_FOUND")]
    unknown = await _book(api, world.anna, appointment, _gid("Promoter", 999_999))
    assert _errors(unknown) == [("promoterId", "NOT_FOUND")]
    assert await Booking.all().count() == 0


# ---------------------------------------------------------------- the promoter app


@dataclass
class Job:
    """Lukas booked on a confirmed appointment of the project, which has report fields."""

    lukas: Person
    booking: str
    appointment: str
    units: str  # NUMBER, required
    tasting: str  # BOOLEAN, required
    comment: str  # TEXT, optional
    rating: str  # NUMBER, optional


@pytest.fixture
async def job(api, make, world) -> Job:
    fields = {}
    for label, kind, required in (
        ("Verkaufte Einheiten", "NUMBER", True),
        ("Verkostung durchgeführt", "BOOLEAN", True),
        ("Kommentar", "TEXT", False),
        ("Kundenbewertung", "NUMBER", False),
    ):
        payload = await _ok(
            api, world.admin.token, "AddReportField", "addReportField",
            {"input": {"projectId": world.project, "label": label, "type": kind,
                       "required": required}},
        )  # fmt: skip
        [field] = [f for f in payload["project"]["reportFields"] if f["label"] == label]
        fields[label] = field["id"]
    lukas = await _promoter(api, make, world.admin, "Lukas Brandt")
    appointment = await _schedule(api, world.admin, world.location, _slot(10, 14))
    booking = await _booked(api, world.admin, appointment, lukas.id)
    return Job(
        lukas, booking, appointment, fields["Verkaufte Einheiten"],
        fields["Verkostung durchgeführt"], fields["Kommentar"], fields["Kundenbewertung"],
    )  # fmt: skip


async def _check(api, person: Person, op: str, booking_id: str) -> dict:
    root = {"CheckIn": "checkIn", "CheckOut": "checkOut"}[op]
    return await _payload(api, person.token, op, root, {"bookingId": booking_id})


async def _submit(api, person: Person, booking_id: str, answers: dict[str, str]) -> dict:
    variables = {
        "input": {
            "bookingId": booking_id,
            "answers": [{"fieldId": f, "value": v} for f, v in answers.items()],
        }
    }
    return await _payload(api, person.token, "SubmitReport", "submitReport", variables)


async def _assignment(api, person: Person, booking_id: str) -> dict:
    result = await api.op("MyAssignments", {}, person.token)
    assert "errors" not in result, result
    [booking] = [
        b for b in result["data"]["viewer"]["promoter"]["bookings"] if b["id"] == booking_id
    ]
    return booking


async def _answers(api, person: Person, booking_id: str) -> dict[str, str] | None:
    report = await _report_of(api, person, booking_id)
    return None if report is None else {a["field"]["id"]: a["value"] for a in report["answers"]}


async def _report_of(api, person: Person, booking_id: str) -> dict | None:
    query = """
    query($id: ID!) {
      node(id: $id) {
        ... on Booking { report { id submittedAt answers { field { id } value } } }
      }
    }"""
    result = await api.post(query, {"id": booking_id}, person.token)
    assert "errors" not in result, result
    return result["data"]["node"]["report"]


async def test_promoters_work_only_on_their_own_bookings(api, make, world, job):
    mia = await _promoter(api, make, world.admin, "Mia")
    for op in ("CheckIn", "CheckOut"):
        payload = await _check(api, mia, op, job.booking)
        assert (payload["timeEntry"], _errors(payload)) == (None, [("bookingId", "NOT_FOUND")])
    report = await _submit(api, mia, job.booking, {job.units: "3", job.tasting: "true"})
    assert (report["report"], _errors(report)) == (None, [("bookingId", "NOT_FOUND")])
    assert await _node(api, mia.token, job.booking) is None
    assert await TimeEntry.all().count() == 0
    assert await Report.all().count() == 0
    # Nor may the agency or a customer clock in for them.
    for token in (world.admin.token, world.anna.token):
        result = await api.op("CheckIn", {"bookingId": job.booking}, token)
        assert error_codes(result) == ["FORBIDDEN"]
    assert (await _assignment(api, job.lukas, job.booking))["timeEntries"] == []


async def test_check_in_and_out_happen_in_order(api, job):
    early = await _check(api, job.lukas, "CheckOut", job.booking)
    assert (early["timeEntry"], _errors(early)) == (None, [("bookingId", "INVALID_STATE")])
    assert await TimeEntry.all().count() == 0

    checked_in = await _check(api, job.lukas, "CheckIn", job.booking)
    assert checked_in["errors"] == []
    twice = await _check(api, job.lukas, "CheckIn", job.booking)
    assert (twice["timeEntry"], _errors(twice)) == (None, [("bookingId", "INVALID_STATE")])
    [entry] = (await _assignment(api, job.lukas, job.booking))["timeEntries"]
    assert entry == {
        "id": checked_in["timeEntry"]["id"],
        "checkedInAt": checked_in["timeEntry"]["checkedInAt"],
        "checkedOutAt": None,
    }

    checked_out = await _check(api, job.lukas, "CheckOut", job.booking)
    assert checked_out["errors"] == []
    out = checked_out["timeEntry"]
    assert out["id"] == entry["id"]
    assert _when(out["checkedOutAt"]) >= _when(out["checkedInAt"])
    again = await _check(api, job.lukas, "CheckOut", job.booking)
    assert (again["timeEntry"], _errors(again)) == (None, [("bookingId", "INVALID_STATE")])
    assert (await _assignment(api, job.lukas, job.booking))["timeEntries"] == [out]


async def test_no_check_in_on_a_cancelled_booking(api, world, job):
    await _cancel_booking(api, world.admin, job.booking)
    payload = await _check(api, job.lukas, "CheckIn", job.booking)
    assert (payload["timeEntry"], _errors(payload)) == (None, [("bookingId", "INVALID_STATE")])
    assert await TimeEntry.all().count() == 0


@pytest.mark.parametrize(
    ("answers", "code", "label"),
    [
        ({"tasting": "true"}, "REQUIRED", "Verkaufte Einheiten"),
        ({"units": "12"}, "REQUIRED", "Verkostung durchgeführt"),
        ({"units": "zwölf", "tasting": "true"}, "INVALID", "Verkaufte Einheiten"),
        ({"units": "12", "tasting": "true", "rating": "gut"}, "INVALID", "Kundenbewertung"),
        ({"units": "NaN", "tasting": "true"}, "INVALID", "Verkaufte Einheiten"),
        ({"units": "12", "tasting": "ja"}, "INVALID", "Verkostung durchgeführt"),
        ({"units": "12", "tasting": "1"}, "INVALID", "Verkostung durchgeführt"),
    ],
)
async def test_a_report_is_checked_against_the_report_fields(api, job, answers, code, label):
    by_name = {"units": job.units, "tasting": job.tasting, "rating": job.rating}
    payload = await _submit(
        api, job.lukas, job.booking, {by_name[k]: v for k, v in answers.items()}
    )
    assert (payload["report"], _errors(payload)) == (None, [("answers", code)])
    assert label in payload["errors"][0]["message"]
    assert await _report_of(api, job.lukas, job.booking) is None
    assert await Report.all().count() == 0
    assert await ReportAnswer.all().count() == 0


async def test_a_report_answers_only_fields_of_its_project(api, world, job):
    other = await _project(api, world.admin, world.customer, "Herbstaktion")
    payload = await _ok(
        api, world.admin.token, "AddReportField", "addReportField",
        {"input": {"projectId": other, "label": "Fremdes Feld", "type": "TEXT"}},
    )  # fmt: skip
    foreign = payload["project"]["reportFields"][0]["id"]
    for field_id in (foreign, _gid("ReportField", 999_999), job.booking):
        answers = {job.units: "1", job.tasting: "false", field_id: "x"}
        result = await _submit(api, job.lukas, job.booking, answers)
        assert (result["report"], _errors(result)) == (None, [("answers", "NOT_FOUND")])
    assert await Report.all().count() == 0


async def test_a_blank_answer_to_a_required_field_is_required(api, job):
    payload = await _submit(api, job.lukas, job.booking, {job.units: "  ", job.tasting: "true"})
    assert (payload["report"], _errors(payload)) == (None, [("answers", "REQUIRED")])
    assert "Verkaufte Einheiten" in payload["errors"][0]["message"]
    assert await Report.all().count() == 0


async def test_a_blank_answer_to_a_required_text_field_is_required(api, world, job):
    payload = await _ok(
        api, world.admin.token, "AddReportField", "addReportField",
        {"input": {"projectId": world.project, "label": "Fazit", "type": "TEXT",
                   "required": True}},
    )  # fmt: skip
    [conclusion] = [f["id"] for f in payload["project"]["reportFields"] if f["label"] == "Fazit"]
    answers = {job.units: "3", job.tasting: "true", conclusion: "   "}
    result = await _submit(api, job.lukas, job.booking, answers)
    assert (result["report"], _errors(result)) == (None, [("answers", "REQUIRED")])
    assert "Fazit" in result["errors"][0]["message"]
    assert await Report.all().count() == 0


async def test_a_blank_answer_to_an_optional_field_is_no_answer(api, job):
    answers = {job.units: "3", job.tasting: "false", job.rating: "", job.comment: ""}
    payload = await _submit(api, job.lukas, job.booking, answers)
    assert payload["errors"] == []
    assert await _answers(api, job.lukas, job.booking) == {job.units: "3", job.tasting: "false"}


async def test_no_report_on_a_cancelled_booking(api, world, job):
    await _cancel_booking(api, world.admin, job.booking)
    payload = await _submit(api, job.lukas, job.booking, {job.units: "3", job.tasting: "true"})
    assert (payload["report"], _errors(payload)) == (None, [("bookingId", "INVALID_STATE")])
    assert await Report.all().count() == 0


async def test_resubmitting_replaces_the_answers_until_the_appointment_completes(api, world, job):
    first = await _submit(
        api, job.lukas, job.booking,
        {job.units: " 12,5 ", job.tasting: "TRUE", job.comment: "  Viel los  ", job.rating: "4"},
    )  # fmt: skip
    assert first["errors"] == []
    assert await _answers(api, job.lukas, job.booking) == {
        job.units: "12.5", job.tasting: "true", job.comment: "Viel los", job.rating: "4"
    }  # fmt: skip

    second = await _submit(api, job.lukas, job.booking, {job.units: "15", job.tasting: "false"})
    assert second["errors"] == []
    assert second["report"]["id"] == first["report"]["id"]
    assert _when(second["report"]["submittedAt"]) >= _when(first["report"]["submittedAt"])
    replaced = {job.units: "15", job.tasting: "false"}
    assert await _answers(api, job.lukas, job.booking) == replaced
    assert {a["field"]["id"]: a["value"] for a in second["report"]["answers"]} == replaced
    assert (await Report.all().count(), await ReportAnswer.all().count()) == (1, 2)

    # A rejected resubmission keeps the answers before it.
    bad = await _submit(api, job.lukas, job.booking, {job.units: "viele", job.tasting: "true"})
    assert _errors(bad) == [("answers", "INVALID")]
    assert await _answers(api, job.lukas, job.booking) == replaced

    done = await api.post(COMPLETE, {"id": job.appointment}, world.admin.token)
    assert done["data"]["completeAppointment"]["errors"] == []
    late = await _submit(api, job.lukas, job.booking, {job.units: "99", job.tasting: "true"})
    assert (late["report"], _errors(late)) == (None, [("bookingId", "INVALID_STATE")])
    assert await _answers(api, job.lukas, job.booking) == replaced
    report = await _report_of(api, job.lukas, job.booking)
    assert report["submittedAt"] == second["report"]["submittedAt"]


# ---------------------------------------------------------------- customers and their tokens


async def test_customers_request_only_at_locations_they_see(api, make, world):
    other_store = await _address(api, world.admin, "Markt Düren", "STORE")
    other = await _project(api, world.admin, world.customer, "Herbstaktion")
    other_location = await _location(api, world.admin, other, other_store)
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    unassigned = await _customer(api, make, world.admin, world.customer)

    for token, location in (
        (customer.token, other_location),
        (unassigned.token, world.location),
        (customer.token, _gid("Location", 999_999)),
        (customer.token, world.project),
    ):
        payload = await _request(api, token, location, _slot(10, 14))
        assert (payload["appointment"], _errors(payload)) == (None, [("locationId", "NOT_FOUND")])
    assert await Appointment.all().count() == 0

    created = await _request(api, customer.token, world.location, _slot(10, 14), needed=2)
    assert created["errors"] == []
    assert created["appointment"]["status"] == "REQUESTED"
    stored = await _appointment(api, world.admin, created["appointment"]["id"])
    assert stored["requestedBy"] == {"id": customer.id}
    assert stored["decidedAt"] is None
    assert await Appointment.all().count() == 1


async def test_a_territory_limited_customer_requests_only_inside_the_territories(api, make, world):
    west = await _ok(
        api, world.admin.token, "CreateTerritory", "createTerritory", {"input": {"name": "West"}}
    )
    west_id = west["territory"]["id"]
    cologne = await _ok(
        api, world.admin.token, "CreateTerritory", "createTerritory",
        {"input": {"name": "Köln", "parentId": west_id}},
    )  # fmt: skip
    south = await _ok(
        api, world.admin.token, "CreateTerritory", "createTerritory", {"input": {"name": "Süd"}}
    )
    await _ok(
        api, world.admin.token, "UpdateAddress", "updateAddress",
        {"input": {"id": world.store, "territoryId": cologne["territory"]["id"]}},
    )  # fmt: skip
    munich = await _address(
        api, world.admin, "Markt München", "STORE", territoryId=south["territory"]["id"]
    )
    munich_location = await _location(api, world.admin, world.project, munich)
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    await _ok(
        api, world.admin.token, "AssignContactTerritories", "assignContactTerritories",
        {"contactPersonId": customer.id, "territoryIds": [west_id]},
    )  # fmt: skip

    outside = await _request(api, customer.token, munich_location, _slot(10, 14))
    assert (outside["appointment"], _errors(outside)) == (None, [("locationId", "NOT_FOUND")])
    assert await Appointment.all().count() == 0
    # Köln lies inside West.
    await _requested(api, customer.token, world.location, _slot(10, 14))
    assert await Appointment.filter(location_id=_pk(world.location)).count() == 1


@pytest.mark.parametrize(
    ("slot", "needed", "expected"),
    [
        (_slot(14, 10), 1, [("endsAt", "INVALID")]),
        (_slot(10, 10), 1, [("endsAt", "INVALID")]),
        (_slot(10, 14, day=-60), 1, [("startsAt", "INVALID")]),
        (_slot(10, 14), 0, [("promotersNeeded", "INVALID")]),
        (_slot(10, 14), -1, [("promotersNeeded", "INVALID")]),
    ],
)
async def test_a_bad_request_names_the_field_and_creates_nothing(
    api, make, world, slot, needed, expected
):
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    payload = await _request(api, customer.token, world.location, slot, needed)
    assert (payload["appointment"], _errors(payload)) == (None, expected)
    assert await Appointment.all().count() == 0


async def _token(
    api, person: Person, scopes: list[str], project_ids: list[str] | None = None
) -> str:
    payload = await _ok(
        api, person.token, "CreateCustomerToken", "createApiToken",
        {"name": "ERP", "scopes": scopes, "projectIds": project_ids},
    )  # fmt: skip
    return payload["secret"]


async def test_a_read_only_token_reads_but_may_not_request(api, make, world):
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    scheduled = await _schedule(api, world.admin, world.location, _slot(10, 14))
    secret = await _token(api, customer, ["PROJECTS_READ"])

    projects = (await api.op("MyProjects", token=secret))["data"]["projects"]
    assert (projects["totalCount"], projects["edges"][0]["node"]["id"]) == (1, world.project)
    listed = await api.op("ProjectAppointments", {"projectId": world.project}, secret)
    assert "errors" not in listed, listed
    assert [e["node"]["id"] for e in listed["data"]["appointments"]["edges"]] == [scheduled]

    refused = await api.op(
        "RequestAppointment",
        {"input": {"locationId": world.location, "promotersNeeded": 1, **_slot(15, 17)}},
        secret,
    )
    assert error_codes(refused) == ["FORBIDDEN"]
    assert refused["data"] is None
    assert await Appointment.all().count() == 1

    # With the request scope the same owner may ask.
    requester = await _token(api, customer, ["APPOINTMENTS_REQUEST"])
    await _requested(api, requester, world.location, _slot(15, 17))
    assert await Appointment.all().count() == 2


async def test_a_token_limited_to_a_project_sees_only_that_project(api, make, world):
    other_store = await _address(api, world.admin, "Markt Düren", "STORE")
    other = await _project(api, world.admin, world.customer, "Herbstaktion")
    other_location = await _location(api, world.admin, other, other_store)
    customer = await _customer(api, make, world.admin, world.customer, world.project, other)
    mine = await _schedule(api, world.admin, world.location, _slot(10, 14))
    theirs = await _schedule(api, world.admin, other_location, _slot(10, 14))

    session = (await api.op("MyProjects", token=customer.token))["data"]["projects"]
    assert session["totalCount"] == 2

    secret = await _token(api, customer, ["PROJECTS_READ", "APPOINTMENTS_REQUEST"], [world.project])
    projects = (await api.op("MyProjects", token=secret))["data"]["projects"]
    assert projects["totalCount"] == 1
    assert [e["node"]["name"] for e in projects["edges"]] == ["Sommeraktion"]
    for hidden in (other, other_location, theirs):
        assert await _node(api, secret, hidden) is None
    assert await _node(api, secret, mine) == {"id": mine}

    assert await _listed_ids(api, secret, other) == []
    assert await _listed_ids(api, secret, world.project) == [mine]
    everything = (await api.op("Appointments", {}, secret))["data"]["appointments"]
    assert [e["node"]["id"] for e in everything["edges"]] == [mine]
    assert everything["totalCount"] == 1

    refused = await _request(api, secret, other_location, _slot(15, 17))
    assert (refused["appointment"], _errors(refused)) == (None, [("locationId", "NOT_FOUND")])
    await _requested(api, secret, world.location, _slot(15, 17))
    assert await Appointment.filter(location_id=_pk(other_location)).count() == 1


async def _listed_ids(api, token: str, project_id: str) -> list[str]:
    result = await api.op("ProjectAppointments", {"projectId": project_id}, token)
    assert "errors" not in result, result
    connection = result["data"]["appointments"]
    assert connection["totalCount"] == len(connection["edges"])
    return [e["node"]["id"] for e in connection["edges"]]


async def test_a_token_cannot_be_limited_to_a_project_its_owner_does_not_see(api, make, world):
    other = await _project(api, world.admin, world.customer, "Herbstaktion")
    customer = await _customer(api, make, world.admin, world.customer, world.project)
    payload = await _payload(
        api, customer.token, "CreateCustomerToken", "createApiToken",
        {"name": "ERP", "scopes": ["PROJECTS_READ"], "projectIds": [world.project, other]},
    )  # fmt: skip
    assert (payload["secret"], _errors(payload)) == (None, [("projectIds", "NOT_FOUND")])


# ---------------------------------------------------------------- times with a UTC offset

BERLIN_SUMMER = timezone(timedelta(hours=2))


def _local(moment: datetime) -> str:
    """The same instant written with a +02:00 offset, as a client in Berlin sends it."""
    return moment.astimezone(BERLIN_SUMMER).isoformat()


async def test_offsets_do_not_hide_an_overlap(api, make, world):
    lukas = await _promoter(api, make, world.admin, "Lukas")
    main = await _schedule(api, world.admin, world.location, _slot(10, 14))
    # 13:30-14:30 UTC, written as 15:30-16:30+02:00.
    late = {"startsAt": _local(_at(13.5)), "endsAt": _local(_at(14.5))}
    clash = await _schedule(api, world.admin, world.location, late)
    await _booked(api, world.anna, main, lukas.id)
    payload = await _book(api, world.anna, clash, lukas.id)
    assert (payload["booking"], _errors(payload)) == (
        None,
        [("promoterId", "PROMOTER_UNAVAILABLE")],
    )


async def _scheduled_note(api, world: World, note: str, slot: dict) -> str:
    payload = await _ok(
        api, world.admin.token, "ScheduleAppointment", "scheduleAppointment",
        {"input": {"locationId": world.location, "promotersNeeded": 1, "note": note, **slot}},
    )  # fmt: skip
    return payload["appointment"]["id"]


async def test_offsets_do_not_change_the_order(api, world):
    # 12:00-13:00 UTC written in Berlin time (14:00+02:00) sorts before 13:00 UTC.
    await _scheduled_note(api, world, "utc", _slot(13, 14))
    await _scheduled_note(
        api, world, "berlin", {"startsAt": _local(_at(12)), "endsAt": _local(_at(13))}
    )
    assert await _listed(api, world.anna, projectId=world.project) == ["berlin", "utc"]


async def test_an_appointment_period_written_with_an_offset_selects_the_same(api, world):
    await _scheduled_note(api, world, "frueh", _slot(8, 10))
    await _scheduled_note(api, world, "mittag", _slot(13, 14))
    # [13:00, 15:00) UTC, written as [15:00, 17:00)+02:00.
    period = {"from": _local(_at(13)), "to": _local(_at(15))}
    assert await _listed(api, world.anna, projectId=world.project, **period) == ["mittag"]


async def test_a_promoters_bookings_period_written_with_an_offset_selects_the_same(api, world, job):
    period = {"from": _local(_at(13)), "to": _local(_at(15))}  # the job runs 10:00-14:00 UTC
    result = await api.op("MyAssignments", period, job.lukas.token)
    bookings = result["data"]["viewer"]["promoter"]["bookings"]
    assert [b["id"] for b in bookings] == [job.booking]
