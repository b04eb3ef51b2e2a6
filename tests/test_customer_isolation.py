"""Customers see only their own promotions, and never a promoter's contact details;
a territory-limited contact sees only stores in their territories; promoters see only
their own bookings.

Everything is built by an admin through the API: two customers (Alpha and Beta), each
with a project, stores, a portal contact, appointments, booked promoters and submitted
reports, and a territory tree Deutschland > Nord > Hamburg, Deutschland > Süd.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
    get_named_type,
    is_leaf_type,
)
from strawberry.relay import from_base64, to_base64

from api import credentials
from db.models.accounts import ApiToken, Role
from db.models.promotions import Appointment, Promoter
from tests.factories import PASSWORD, Login
from tests.graphql_client import error_codes
from tests.sql_counter import count_queries

SCHEMA = build_schema((Path(__file__).parents[1] / "schema.graphql").read_text())
PROMOTER_TYPE = SCHEMA.type_map["Promoter"]
assert isinstance(PROMOTER_TYPE, GraphQLObjectType)
# What a customer may see of a promoter; every other field is contact data.
CUSTOMER_VISIBLE_PROMOTER_FIELDS = {"id", "name", "bookings"}
CONTACT_FIELDS = sorted(set(PROMOTER_TYPE.fields) - CUSTOMER_VISIBLE_PROMOTER_FIELDS)
PROMOTER_FRAGMENT = f"fragment P on Promoter {{ id name {' '.join(CONTACT_FIELDS)} }}"

NODE_ID = "query($id: ID!) { node(id: $id) { id } }"

# Every node type a customer could be handed an ID of, with nested paths onwards.
NODE_DEEP = """
query($id: ID!) {
  node(id: $id) {
    id
    ... on Project {
      name
      customer { name }
      locations { id store { name } }
      reports(first: 100) { totalCount edges { node { id booking { promoter { name } } } } }
    }
    ... on Location {
      store { name }
      project { name }
      appointments(first: 100) { totalCount edges { node { id } } }
    }
    ... on Appointment {
      startsAt
      location { id }
      bookings { id promoter { name } }
    }
    ... on Booking {
      status
      promoter { name }
      appointment { id }
      report { id }
    }
    ... on Promoter { name bookings { id } }
    ... on Report { submittedAt booking { id } answers { value } }
    ... on Address { name city }
    ... on ContactPerson { lastName email address { name } }
    ... on User { name userEmail: email }
  }
}"""

PROMOTER_PATHS = (
    """
query($project: ID!, $location: ID!, $appointment: ID!, $booking: ID!, $promoter: ID!,
      $report: ID!) {
  viewer { promoter { ...P } }
  appointments(first: 100) { edges { node { bookings { promoter { ...P } } } } }
  project: node(id: $project) {
    ... on Project {
      locations { appointments(first: 100) { edges { node { bookings { promoter { ...P } } } } } }
      reports(first: 100) { edges { node { booking { promoter { ...P } } } } }
    }
  }
  location: node(id: $location) {
    ... on Location {
      appointments(first: 100) { edges { node { bookings { promoter { ...P } } } } }
    }
  }
  appointment: node(id: $appointment) { ... on Appointment { bookings { promoter { ...P } } } }
  booking: node(id: $booking) {
    ... on Booking {
      promoter { ...P }
      report { booking { promoter { ...P } } }
      appointment { bookings { promoter { ...P } } }
    }
  }
  promoter: node(id: $promoter) {
    ... on Promoter {
      ...P
      bookings { promoter { ...P } appointment { bookings { promoter { ...P } } } }
    }
  }
  report: node(id: $report) { ... on Report { booking { promoter { ...P } } } }
}
"""
    + PROMOTER_FRAGMENT
)

LIST_APPOINTMENTS = """
query($projectId: ID) {
  appointments(projectId: $projectId, first: 100) { totalCount edges { node { id } } }
}"""

PROJECT_TREE = """
query($id: ID!) {
  node(id: $id) {
    ... on Project {
      locations { id appointments(first: 100) { totalCount edges { node { id bookings { id } } } } }
      reports(first: 100) { totalCount edges { node { id } } }
    }
  }
}"""

PROMOTER_BOOKINGS = """
query($id: ID!) { node(id: $id) { ... on Promoter { bookings { id appointment { id } } } } }"""

CRM_ON_ADDRESS = """
  customerNumber
  accountGroup { id }
  secondaryAccountGroup { id }
  contactPersons { id }
  inactivePeriods { reason }
  campaignMemberships { status }
  activities(first: 20) { totalCount }
"""
CUSTOMER_CRM = f"""
query($project: ID!, $store: ID!) {{
  project: node(id: $project) {{
    ... on Project {{ contacts {{ id }} customer {{ name {CRM_ON_ADDRESS} }} }}
  }}
  store: node(id: $store) {{ ... on Address {{ name {CRM_ON_ADDRESS} }} }}
}}"""
NO_CRM = {
    "customerNumber": None,
    "accountGroup": None,
    "secondaryAccountGroup": None,
    "contactPersons": [],
    "inactivePeriods": [],
    "campaignMemberships": [],
    "activities": None,
}

CRM_ROOT_FIELDS = [
    "{ addresses(first: 10) { totalCount } }",
    "{ territories { id } }",
    "{ accountGroups { id } }",
    "{ teams { id } }",
    "{ campaigns(first: 10) { totalCount } }",
    "{ tagGroups { id } }",
    "{ users(first: 10) { totalCount } }",
    "{ promoters(first: 10) { totalCount } }",
    "{ notifications(first: 10) { totalCount } }",
    '{ scheduledContacts(planId: "Q29udGFjdFBsYW46MQ==", first: 10) { totalCount } }',
]

ASSIGNMENT_PROJECTS = """
{
  projects(first: 50) { totalCount edges { node { name customer { id } contacts { id } } } }
  viewer { promoter { bookings { appointment { location { project { name customer { id } } } } } } }
}"""


@dataclass
class World:
    admin: Login
    anke: str  # customer Alpha's contact, all stores
    fritz: str  # customer Alpha's field rep, limited to territory Nord
    bernd: str  # customer Beta's contact
    paula: str  # promoter for both customers
    moritz: str  # promoter at Alpha's store in Süd
    bruno: str  # promoter for Beta only
    ids: dict[str, str]
    users: dict[str, int]  # promoter name -> User pk


def _pk(global_id: str) -> int:
    return int(from_base64(global_id)[1])


def _errors(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def _ok(api, name: str, variables: dict, token: str, field: str) -> dict:
    result = await api.op(name, variables, token)
    assert "errors" not in result, result
    payload = result["data"][field]
    assert payload["errors"] == [], payload
    return payload


async def _query(api, query: str, variables: dict | None, token: str) -> dict:
    result = await api.post(query, variables, token)
    assert "errors" not in result, result
    return result["data"]


async def _login(api, email: str) -> str:
    result = await api.op("CustomerLogin", {"email": email, "password": PASSWORD})
    payload = result["data"]["login"]
    assert payload["errors"] == [], payload
    return payload["token"]


def _at(days: int, hour: int) -> str:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (start + timedelta(days=days, hours=hour)).isoformat()


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The world creates and logs in six logins: hash their passwords cheaply (argon2 still
    verifies each hash with the parameters stored in it)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(credentials, "_hasher", cheap)


@pytest.fixture
async def world(api, make) -> World:
    admin = await make.login(Role.ADMIN, name="Ada Admin")
    token = admin.token
    ids: dict[str, str] = {}

    async def territory(key: str, name: str, parent: str | None = None) -> None:
        payload = await _ok(
            api,
            "CreateTerritory",
            {"input": {"name": name, "parentId": ids.get(parent) if parent else None}},
            token,
            "createTerritory",
        )
        ids[key] = payload["territory"]["id"]

    await territory("territory:DE", "Deutschland")
    await territory("territory:Nord", "Nord", "territory:DE")
    await territory("territory:Hamburg", "Hamburg", "territory:Nord")
    await territory("territory:Süd", "Süd", "territory:DE")

    async def address(key: str, kind: str, name: str, **fields: Any) -> None:
        payload = await _ok(
            api,
            "CreateAddress",
            {"input": {"kind": kind, "name": name, **fields}},
            token,
            "createAddress",
        )
        ids[key] = payload["address"]["id"]

    await address("address:A", "COMPANY", "Alpha Getränke GmbH", customerNumber="K-1001")
    await address("address:B", "COMPANY", "Beta Süßwaren AG", customerNumber="K-2002")
    await address("store:HH", "STORE", "Markt Hamburg", territoryId=ids["territory:Hamburg"])
    await address("store:MUC", "STORE", "Markt München", territoryId=ids["territory:Süd"])
    await address("store:NONE", "STORE", "Markt Irgendwo")
    await address("store:HB", "STORE", "Markt Bremen", territoryId=ids["territory:Nord"])

    await _ok(
        api,
        "LogActivity",
        {
            "input": {
                "addressId": ids["address:A"],
                "kind": "CALL",
                "direction": "OUTBOUND",
                "status": "DONE",
                "startsAt": _at(-3, 9),
                "durationMinutes": 30,
                "subject": "Jahresgespräch",
            }
        },
        token,
        "logActivity",
    )

    emails = {}

    async def contact(key: str, customer: str, first: str, last: str) -> None:
        emails[key] = f"{first.lower()}@{customer[-1].lower()}-kunde.example.com"
        payload = await _ok(
            api,
            "CreateContactPerson",
            {
                "input": {
                    "addressId": ids[customer],
                    "firstName": first,
                    "lastName": last,
                    "email": emails[key],
                    "phone": "+49 40 5550100",
                }
            },
            token,
            "createContactPerson",
        )
        ids[key] = payload["contactPerson"]["id"]
        await _ok(
            api,
            "EnablePortalAccess",
            {"input": {"contactPersonId": ids[key], "password": PASSWORD}},
            token,
            "enablePortalAccess",
        )

    await contact("contact:anke", "address:A", "Anke", "Alpha")
    await contact("contact:fritz", "address:A", "Fritz", "Feld")
    await contact("contact:bernd", "address:B", "Bernd", "Beta")
    assigned = await _ok(
        api,
        "AssignContactTerritories",
        {"contactPersonId": ids["contact:fritz"], "territoryIds": [ids["territory:Nord"]]},
        token,
        "assignContactTerritories",
    )
    assert [t["name"] for t in assigned["contactPerson"]["territories"]] == ["Nord"]

    fields = {}
    for key, customer, name, label in (
        ("project:A", "address:A", "Alpha Sommeraktion", "Verkaufte Flaschen"),
        ("project:B", "address:B", "Beta Winteraktion", "Verteilte Proben"),
    ):
        payload = await _ok(
            api,
            "CreateProject",
            {"input": {"customerId": ids[customer], "name": name}},
            token,
            "createProject",
        )
        ids[key] = payload["project"]["id"]
        payload = await _ok(
            api,
            "AddReportField",
            {"input": {"projectId": ids[key], "label": label, "type": "NUMBER"}},
            token,
            "addReportField",
        )
        fields[key] = payload["project"]["reportFields"][0]["id"]
    for project, person in (
        ("project:A", "contact:anke"),
        ("project:A", "contact:fritz"),
        ("project:B", "contact:bernd"),
    ):
        await _ok(
            api,
            "AssignProjectContact",
            {"projectId": ids[project], "contactPersonId": ids[person]},
            token,
            "assignProjectContact",
        )

    for key, project, store in (
        ("location:A_HH", "project:A", "store:HH"),
        ("location:A_MUC", "project:A", "store:MUC"),
        ("location:A_NONE", "project:A", "store:NONE"),
        ("location:B_HH", "project:B", "store:HH"),  # the same store, for the other customer
        ("location:B_HB", "project:B", "store:HB"),
    ):
        payload = await _ok(
            api,
            "AddLocation",
            {"input": {"projectId": ids[project], "storeId": ids[store]}},
            token,
            "addLocation",
        )
        ids[key] = payload["location"]["id"]

    for key, day, needed in (("A_HH", 10, 1), ("A_MUC", 11, 1), ("A_NONE", 12, 1),
                             ("B_HH", 13, 2), ("B_HB", 14, 1)):  # fmt: skip
        payload = await _ok(
            api,
            "ScheduleAppointment",
            {
                "input": {
                    "locationId": ids[f"location:{key}"],
                    "startsAt": _at(day, 9),
                    "endsAt": _at(day, 17),
                    "promotersNeeded": needed,
                }
            },
            token,
            "scheduleAppointment",
        )
        ids[f"appointment:{key}"] = payload["appointment"]["id"]

    promoter_tokens: dict[str, str] = {}
    users: dict[str, int] = {}
    for number, name in enumerate(("Paula", "Moritz", "Bruno"), start=1):
        email = f"{name.lower()}@promoter.example.com"
        payload = await _ok(
            api,
            "CreatePromoter",
            {
                "input": {
                    "name": f"{name} Promo",
                    "phone": f"+49 170 123456{number}",
                    "email": email,
                    "street": f"Geheimweg {number}",
                    "postalCode": f"2000{number}",
                    "city": "Hamburg",
                    "birthDate": date(1990, 1, number).isoformat(),
                    "notes": f"Privat: {name} nicht am Wochenende",
                    "password": PASSWORD,
                }
            },
            token,
            "createPromoter",
        )
        ids[f"promoter:{name}"] = payload["promoter"]["id"]
        promoter_tokens[name] = await _login(api, email)
        promoter = await Promoter.get(id=_pk(ids[f"promoter:{name}"]))
        assert promoter.user_id is not None
        users[name] = promoter.user_id

    for name, key in (("Paula", "A_HH"), ("Moritz", "A_MUC"), ("Paula", "B_HH"),
                      ("Bruno", "B_HH"), ("Bruno", "B_HB")):  # fmt: skip
        payload = await _ok(
            api,
            "BookPromoter",
            {"appointmentId": ids[f"appointment:{key}"], "promoterId": ids[f"promoter:{name}"]},
            token,
            "bookPromoter",
        )
        ids[f"booking:{name}@{key}"] = payload["booking"]["id"]

    for name, key, value in (("Paula", "A_HH", "120"), ("Moritz", "A_MUC", "80"),
                             ("Paula", "B_HH", "300"), ("Bruno", "B_HB", "250")):  # fmt: skip
        project = "project:A" if key.startswith("A") else "project:B"
        payload = await _ok(
            api,
            "SubmitReport",
            {
                "input": {
                    "bookingId": ids[f"booking:{name}@{key}"],
                    "answers": [{"fieldId": fields[project], "value": value}],
                }
            },
            promoter_tokens[name],
            "submitReport",
        )
        ids[f"report:{name}@{key}"] = payload["report"]["id"]

    return World(
        admin=admin,
        anke=await _login(api, emails["contact:anke"]),
        fritz=await _login(api, emails["contact:fritz"]),
        bernd=await _login(api, emails["contact:bernd"]),
        paula=promoter_tokens["Paula"],
        moritz=promoter_tokens["Moritz"],
        bruno=promoter_tokens["Bruno"],
        ids=ids,
        users=users,
    )


# Beta's objects, none of which Alpha's contacts may see.
BETA = [
    "project:B",
    "location:B_HH",
    "location:B_HB",
    "appointment:B_HH",
    "appointment:B_HB",
    "booking:Paula@B_HH",
    "booking:Bruno@B_HH",
    "booking:Bruno@B_HB",
    "promoter:Bruno",
    "report:Paula@B_HH",
    "report:Bruno@B_HB",
    "address:B",
    "store:HB",
    "contact:bernd",
]


def _missing(global_id: str) -> str:
    """An ID of the same type that does not exist."""
    return to_base64(from_base64(global_id)[0], 999_999)


async def _customer_token(api, customer: str, scopes: list[str]) -> str:
    payload = await _ok(
        api,
        "CreateCustomerToken",
        {"name": "Integration", "scopes": scopes},
        customer,
        "createApiToken",
    )
    return payload["secret"]


def _promoters_in(data: Any) -> list[dict]:
    """Every promoter object (as selected by fragment P) anywhere in a response."""
    found: list[dict] = []
    if isinstance(data, dict):
        if set(CONTACT_FIELDS) <= set(data) and "name" in data:
            found.append(data)
        for value in data.values():
            found.extend(_promoters_in(value))
    elif isinstance(data, list):
        for value in data:
            found.extend(_promoters_in(value))
    return found


# ---------------------------------------------------------------- another customer's objects


async def test_the_other_customers_ids_are_not_found_through_node(api, world):
    token = await _customer_token(api, world.anke, ["PROJECTS_READ", "REPORTS_READ"])
    for viewer in (world.anke, token, world.fritz):
        for key in BETA:
            global_id = world.ids[key]
            shallow = await api.post(NODE_ID, {"id": global_id}, viewer)
            assert shallow == {"data": {"node": None}}, key
            deep = await api.post(NODE_DEEP, {"id": global_id}, viewer)
            assert deep == {"data": {"node": None}}, key
            # Indistinguishable from an ID that does not exist.
            assert deep == await api.post(NODE_DEEP, {"id": _missing(global_id)}, viewer), key
    # The admin sees every one of them: the IDs are real.
    for key in BETA:
        node = await api.post(NODE_DEEP, {"id": world.ids[key]}, world.admin.token)
        assert node["data"]["node"]["id"] == world.ids[key], key


async def test_the_other_customers_ids_are_not_found_in_one_aliased_query(api, world):
    aliases = " ".join(f"n{i}: node(id: $id{i}) {{ id }}" for i in range(len(BETA)))
    params = ", ".join(f"$id{i}: ID!" for i in range(len(BETA)))
    query = f"query({params}) {{ {aliases} }}"
    variables = {f"id{i}": world.ids[key] for i, key in enumerate(BETA)}
    result = await api.post(query, variables, world.anke)
    assert result == {"data": {f"n{i}": None for i in range(len(BETA))}}
    admin = await api.post(query, variables, world.admin.token)
    assert all(admin["data"].values())


async def test_the_other_customers_ids_as_client_operation_arguments_find_nothing(api, world):
    appointments = await api.op(
        "ProjectAppointments", {"projectId": world.ids["project:B"]}, world.anke
    )
    assert appointments == {
        "data": {
            "appointments": {
                "totalCount": 0,
                "pageInfo": {"hasNextPage": False, "endCursor": None},
                "edges": [],
            }
        }
    }
    reports = await api.op("ProjectReports", {"projectId": world.ids["project:B"]}, world.anke)
    assert reports == {"data": {"node": None}}
    missing = _missing(world.ids["project:B"])
    assert appointments == await api.op("ProjectAppointments", {"projectId": missing}, world.anke)
    assert reports == await api.op("ProjectReports", {"projectId": missing}, world.anke)


async def test_requesting_an_appointment_at_the_other_customers_location_is_not_found(api, world):
    before = await Appointment.all().count()
    beta = [world.ids["location:B_HB"], world.ids["location:B_HH"]]
    for location in [*beta, _missing(beta[0])]:  # Beta's behave like a missing one
        result = await api.op(
            "RequestAppointment",
            {
                "input": {
                    "locationId": location,
                    "startsAt": _at(20, 9),
                    "endsAt": _at(20, 17),
                }
            },
            world.anke,
        )
        assert "errors" not in result, result
        payload = result["data"]["requestAppointment"]
        assert payload["appointment"] is None
        assert _errors(payload) == [("locationId", "NOT_FOUND")]
    assert await Appointment.all().count() == before
    # The same request at an own location goes through.
    own = await _ok(
        api,
        "RequestAppointment",
        {
            "input": {
                "locationId": world.ids["location:A_HH"],
                "startsAt": _at(20, 9),
                "endsAt": _at(20, 17),
            }
        },
        world.anke,
        "requestAppointment",
    )
    assert own["appointment"]["status"] == "REQUESTED"


async def test_an_api_token_cannot_be_limited_to_the_other_customers_project(api, world):
    result = await api.op(
        "CreateCustomerToken",
        {"name": "Fremd", "scopes": ["PROJECTS_READ"], "projectIds": [world.ids["project:B"]]},
        world.anke,
    )
    payload = result["data"]["createApiToken"]
    assert payload["secret"] is None
    assert _errors(payload) == [("projectIds", "NOT_FOUND")]
    assert await ApiToken.all().count() == 0


# ---------------------------------------------------------------- lists


async def _list_view(api, world: World, token: str, project: str) -> dict[str, Any]:
    """Everything a customer's lists show, as sets of IDs with their totalCounts."""
    projects = (await api.op("MyProjects", token=token))["data"]["projects"]
    everything = await _query(api, LIST_APPOINTMENTS, {"projectId": None}, token)
    of_project = await _query(api, LIST_APPOINTMENTS, {"projectId": world.ids[project]}, token)
    tree = (await _query(api, PROJECT_TREE, {"id": world.ids[project]}, token))["node"]
    promoters = {}
    for name in ("Paula", "Moritz", "Bruno"):
        node = (await _query(api, PROMOTER_BOOKINGS, {"id": world.ids[f"promoter:{name}"]}, token))[
            "node"
        ]
        promoters[name] = None if node is None else {b["id"] for b in node["bookings"]}
    by_location = {
        location["id"]: (
            location["appointments"]["totalCount"],
            {e["node"]["id"] for e in location["appointments"]["edges"]},
        )
        for location in tree["locations"]
    }
    bookings = {
        b["id"]
        for location in tree["locations"]
        for e in location["appointments"]["edges"]
        for b in e["node"]["bookings"]
    }
    return {
        "projects": (
            projects["totalCount"],
            {e["node"]["id"] for e in projects["edges"]},
            {loc["id"] for e in projects["edges"] for loc in e["node"]["locations"]},
        ),
        "appointments": (
            everything["appointments"]["totalCount"],
            {e["node"]["id"] for e in everything["appointments"]["edges"]},
        ),
        "project appointments": (
            of_project["appointments"]["totalCount"],
            {e["node"]["id"] for e in of_project["appointments"]["edges"]},
        ),
        "locations": by_location,
        "bookings": bookings,
        "reports": (
            tree["reports"]["totalCount"],
            {e["node"]["id"] for e in tree["reports"]["edges"]},
        ),
        "promoter bookings": promoters,
    }


async def test_each_customers_lists_and_counts_hold_only_their_own_objects(api, world):
    i = world.ids
    alpha_appointments = {i["appointment:A_HH"], i["appointment:A_MUC"], i["appointment:A_NONE"]}
    alpha = {
        "projects": (
            1,
            {i["project:A"]},
            {i["location:A_HH"], i["location:A_MUC"], i["location:A_NONE"]},
        ),
        "appointments": (3, alpha_appointments),
        "project appointments": (3, alpha_appointments),
        "locations": {
            i["location:A_HH"]: (1, {i["appointment:A_HH"]}),
            i["location:A_MUC"]: (1, {i["appointment:A_MUC"]}),
            i["location:A_NONE"]: (1, {i["appointment:A_NONE"]}),
        },
        "bookings": {i["booking:Paula@A_HH"], i["booking:Moritz@A_MUC"]},
        "reports": (2, {i["report:Paula@A_HH"], i["report:Moritz@A_MUC"]}),
        "promoter bookings": {
            "Paula": {i["booking:Paula@A_HH"]},
            "Moritz": {i["booking:Moritz@A_MUC"]},
            "Bruno": None,
        },
    }
    assert await _list_view(api, world, world.anke, "project:A") == alpha
    token = await _customer_token(api, world.anke, ["PROJECTS_READ", "REPORTS_READ"])
    assert await _list_view(api, world, token, "project:A") == alpha

    beta_appointments = {i["appointment:B_HH"], i["appointment:B_HB"]}
    beta_bookings = {i["booking:Paula@B_HH"], i["booking:Bruno@B_HH"], i["booking:Bruno@B_HB"]}
    beta = {
        "projects": (1, {i["project:B"]}, {i["location:B_HH"], i["location:B_HB"]}),
        "appointments": (2, beta_appointments),
        "project appointments": (2, beta_appointments),
        "locations": {
            i["location:B_HH"]: (1, {i["appointment:B_HH"]}),
            i["location:B_HB"]: (1, {i["appointment:B_HB"]}),
        },
        "bookings": beta_bookings,
        "reports": (2, {i["report:Paula@B_HH"], i["report:Bruno@B_HB"]}),
        "promoter bookings": {
            "Paula": {i["booking:Paula@B_HH"]},
            "Moritz": None,
            "Bruno": {i["booking:Bruno@B_HH"], i["booking:Bruno@B_HB"]},
        },
    }
    assert await _list_view(api, world, world.bernd, "project:B") == beta


async def test_a_customers_appointment_request_stays_out_of_the_other_customers_lists(api, world):
    requested = await _ok(
        api,
        "RequestAppointment",
        {
            "input": {
                "locationId": world.ids["location:A_HH"],
                "startsAt": _at(21, 9),
                "endsAt": _at(21, 12),
            }
        },
        world.anke,
        "requestAppointment",
    )
    new_id = requested["appointment"]["id"]
    mine = await _query(api, LIST_APPOINTMENTS, {"projectId": None}, world.anke)
    assert new_id in {e["node"]["id"] for e in mine["appointments"]["edges"]}
    assert mine["appointments"]["totalCount"] == 4
    theirs = await _query(api, LIST_APPOINTMENTS, {"projectId": None}, world.bernd)
    assert new_id not in {e["node"]["id"] for e in theirs["appointments"]["edges"]}
    assert theirs["appointments"]["totalCount"] == 2
    assert await api.post(NODE_DEEP, {"id": new_id}, world.bernd) == {"data": {"node": None}}


# ---------------------------------------------------------------- promoter contact details


def _fields_returning(type_name: str) -> set[tuple[str, str]]:
    found = set()
    for graphql_type in SCHEMA.type_map.values():
        if graphql_type.name.startswith("__"):
            continue
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in graphql_type.fields.items():
                if get_named_type(field.type).name == type_name:
                    found.add((graphql_type.name, name))
    return found


def test_the_schema_reaches_promoters_only_on_the_paths_these_tests_cover():
    assert set(CONTACT_FIELDS) >= {
        "phone",
        "email",
        "street",
        "postalCode",
        "city",
        "birthDate",
        "notes",
    }
    for name in CONTACT_FIELDS:
        assert is_leaf_type(get_named_type(PROMOTER_TYPE.fields[name].type)), name
    assert _fields_returning("Promoter") == {
        ("Booking", "promoter"),
        ("Viewer", "promoter"),
        ("PromoterEdge", "node"),
        ("PromoterPayload", "promoter"),
    }
    assert _fields_returning("Booking") == {
        ("Appointment", "bookings"),
        ("Promoter", "bookings"),
        ("Report", "booking"),
        ("BookingPayload", "booking"),
    }


async def _promoter_paths(api, world: World, token: str) -> dict[str, Any]:
    variables = {
        "project": world.ids["project:A"],
        "location": world.ids["location:A_HH"],
        "appointment": world.ids["appointment:A_HH"],
        "booking": world.ids["booking:Paula@A_HH"],
        "promoter": world.ids["promoter:Paula"],
        "report": world.ids["report:Paula@A_HH"],
    }
    return await _query(api, PROMOTER_PATHS, variables, token)


async def test_customers_see_a_booked_promoters_name_but_no_contact_field_on_any_path(api, world):
    token = await _customer_token(api, world.anke, ["PROJECTS_READ", "REPORTS_READ"])
    for viewer in (world.anke, token, world.fritz):
        data = await _promoter_paths(api, world, viewer)
        assert data["viewer"] == {"promoter": None}
        for path, value in data.items():
            if path == "viewer":
                continue
            promoters = _promoters_in(value)
            assert promoters, path  # the path really reached a promoter
            assert "Paula Promo" in {p["name"] for p in promoters}, path
            for promoter in promoters:
                assert promoter["name"], path
                hidden = {name: promoter[name] for name in CONTACT_FIELDS}
                assert hidden == dict.fromkeys(CONTACT_FIELDS), (path, promoter["name"])

    # The same paths show the agency every contact field: they are really there.
    agency = await _promoter_paths(api, world, world.admin.token)
    paula = [p for p in _promoters_in(agency) if p["name"] == "Paula Promo"]
    assert paula
    for promoter in paula:
        assert all(promoter[name] is not None for name in CONTACT_FIELDS), promoter
        assert promoter["phone"] == "+491701234561"
        assert promoter["email"] == "paula@promoter.example.com"


async def test_the_portal_operations_show_promoters_without_phone_or_email(api, world):
    result = await api.op("ProjectAppointments", {"projectId": world.ids["project:A"]}, world.anke)
    assert "errors" not in result, result
    promoters = [
        b["promoter"]
        for e in result["data"]["appointments"]["edges"]
        for b in e["node"]["bookings"]
    ]
    assert sorted(p["name"] for p in promoters) == ["Moritz Promo", "Paula Promo"]
    assert all(p["phone"] is None and p["email"] is None for p in promoters)

    reports = await api.op("ProjectReports", {"projectId": world.ids["project:A"]}, world.anke)
    assert "errors" not in reports, reports
    names = [
        e["node"]["booking"]["promoter"]["name"]
        for e in reports["data"]["node"]["reports"]["edges"]
    ]
    assert sorted(names) == ["Moritz Promo", "Paula Promo"]


async def test_customers_reach_no_promoter_through_agency_fields_or_the_promoters_login(api, world):
    forbidden = [
        ("{ promoters(first: 10) { edges { node { ...P } } } }" + PROMOTER_FRAGMENT, {}),
        (
            'mutation { createPromoter(input: {name: "Spion"}) { promoter { ...P } } }'
            + PROMOTER_FRAGMENT,
            {},
        ),
        (
            "mutation($a: ID!, $p: ID!) { bookPromoter(appointmentId: $a, promoterId: $p) "
            "{ booking { promoter { ...P } } } }" + PROMOTER_FRAGMENT,
            {"a": world.ids["appointment:A_NONE"], "p": world.ids["promoter:Paula"]},
        ),
        (
            "mutation($id: ID!) { cancelBooking(id: $id) { booking { promoter { ...P } } } }"
            + PROMOTER_FRAGMENT,
            {"id": world.ids["booking:Paula@A_HH"]},
        ),
    ]
    for query, variables in forbidden:
        result = await api.post(query, variables, world.anke)
        assert error_codes(result) == ["FORBIDDEN"], query
        assert not _promoters_in(result.get("data")), query
    # A promoter's login (a User) would show their e-mail: it is hidden like the rest.
    for name in ("Paula", "Bruno"):
        user_id = to_base64("User", world.users[name])
        assert await api.post(NODE_DEEP, {"id": user_id}, world.anke) == {"data": {"node": None}}


# ---------------------------------------------------------------- territories


async def test_a_territory_limited_contact_sees_only_stores_inside_their_territories(api, world):
    i = world.ids
    projects = (await api.op("MyProjects", token=world.fritz))["data"]["projects"]
    assert projects["totalCount"] == 1
    [project] = [e["node"] for e in projects["edges"]]
    # Hamburg lies inside Nord; München (Süd) and a store without territory do not.
    assert [loc["id"] for loc in project["locations"]] == [i["location:A_HH"]]
    assert project["locations"][0]["store"]["name"] == "Markt Hamburg"

    for project_id in (None, i["project:A"]):
        listed = await _query(api, LIST_APPOINTMENTS, {"projectId": project_id}, world.fritz)
        assert listed["appointments"]["totalCount"] == 1
        assert [e["node"]["id"] for e in listed["appointments"]["edges"]] == [i["appointment:A_HH"]]
    tree = (await _query(api, PROJECT_TREE, {"id": i["project:A"]}, world.fritz))["node"]
    assert [loc["id"] for loc in tree["locations"]] == [i["location:A_HH"]]
    assert tree["reports"] == {"totalCount": 1, "edges": [{"node": {"id": i["report:Paula@A_HH"]}}]}

    visible = ["location:A_HH", "appointment:A_HH", "booking:Paula@A_HH", "report:Paula@A_HH",
               "promoter:Paula", "store:HH"]  # fmt: skip
    for key in visible:
        node = (await api.post(NODE_ID, {"id": i[key]}, world.fritz))["data"]["node"]
        assert node == {"id": i[key]}, key
    outside = ["location:A_MUC", "appointment:A_MUC", "booking:Moritz@A_MUC", "report:Moritz@A_MUC",
               "promoter:Moritz", "store:MUC", "location:A_NONE", "appointment:A_NONE",
               "store:NONE"]  # fmt: skip
    for key in outside:
        assert await api.post(NODE_DEEP, {"id": i[key]}, world.fritz) == {"data": {"node": None}}, (
            key
        )
        # ...while their unlimited colleague sees all of them.
        node = (await api.post(NODE_ID, {"id": i[key]}, world.anke))["data"]["node"]
        assert node == {"id": i[key]}, key


async def test_a_territory_limited_contact_requests_appointments_only_inside_them(api, world):
    before = await Appointment.all().count()
    for location in ("location:A_MUC", "location:A_NONE"):
        result = await api.op(
            "RequestAppointment",
            {
                "input": {
                    "locationId": world.ids[location],
                    "startsAt": _at(22, 9),
                    "endsAt": _at(22, 17),
                }
            },
            world.fritz,
        )
        payload = result["data"]["requestAppointment"]
        assert payload["appointment"] is None
        assert _errors(payload) == [("locationId", "NOT_FOUND")], location
    assert await Appointment.all().count() == before
    inside = await _ok(
        api,
        "RequestAppointment",
        {
            "input": {
                "locationId": world.ids["location:A_HH"],
                "startsAt": _at(22, 9),
                "endsAt": _at(22, 17),
            }
        },
        world.fritz,
        "requestAppointment",
    )
    assert inside["appointment"]["status"] == "REQUESTED"


async def test_a_territory_grants_nothing_of_another_customer_in_it(api, world):
    # Markt Bremen (Nord) and Beta's location at Markt Hamburg lie inside Fritz's territory.
    for key in ("location:B_HB", "location:B_HH", "appointment:B_HH", "store:HB"):
        assert await api.post(NODE_DEEP, {"id": world.ids[key]}, world.fritz) == {
            "data": {"node": None}
        }, key


# ---------------------------------------------------------------- CRM


async def test_customers_may_not_use_the_crm_root_fields(api, world):
    token = await _customer_token(api, world.anke, ["PROJECTS_READ", "REPORTS_READ"])
    for viewer in (world.anke, token, world.fritz):
        for query in CRM_ROOT_FIELDS:
            result = await api.post(query, None, viewer)
            assert error_codes(result) == ["FORBIDDEN"], query


async def test_customers_see_no_crm_data_on_the_addresses_they_reach(api, world):
    data = await _query(
        api,
        CUSTOMER_CRM,
        {"project": world.ids["project:A"], "store": world.ids["store:HH"]},
        world.anke,
    )
    assert data["project"]["contacts"] == []
    assert data["project"]["customer"] == {"name": "Alpha Getränke GmbH", **NO_CRM}
    assert data["store"] == {"name": "Markt Hamburg", **NO_CRM}
    # The agency sees the CRM data on the same paths.
    agency = await _query(
        api,
        CUSTOMER_CRM,
        {"project": world.ids["project:A"], "store": world.ids["store:HH"]},
        world.admin.token,
    )
    assert agency["project"]["customer"]["customerNumber"] == "K-1001"
    assert len(agency["project"]["customer"]["contactPersons"]) == 2
    assert agency["project"]["customer"]["activities"] == {"totalCount": 1}
    assert len(agency["project"]["contacts"]) == 2


async def test_customers_see_no_other_customers_contact_persons(api, world):
    for viewer, other in ((world.anke, "contact:bernd"), (world.bernd, "contact:anke")):
        assert await api.post(NODE_DEEP, {"id": world.ids[other]}, viewer) == {
            "data": {"node": None}
        }
    own = await api.post(NODE_DEEP, {"id": world.ids["contact:anke"]}, world.anke)
    assert own["data"]["node"]["lastName"] == "Alpha"
    for viewer, project in ((world.anke, "project:A"), (world.bernd, "project:B")):
        data = await _query(
            api, "query($id: ID!) { node(id: $id) { ... on Project { contacts { id } } } }",
            {"id": world.ids[project]}, viewer,
        )  # fmt: skip
        assert data == {"node": {"contacts": []}}


# ---------------------------------------------------------------- promoters


async def test_a_promoter_lists_only_their_own_bookings(api, world):
    result = await api.op("MyAssignments", {}, world.paula)
    assert "errors" not in result, result
    promoter = result["data"]["viewer"]["promoter"]
    assert promoter["name"] == "Paula Promo"
    assert [b["id"] for b in promoter["bookings"]] == [
        world.ids["booking:Paula@A_HH"],
        world.ids["booking:Paula@B_HH"],
    ]
    listed = await _query(api, LIST_APPOINTMENTS, {"projectId": None}, world.paula)
    assert listed["appointments"]["totalCount"] == 2
    assert [e["node"]["id"] for e in listed["appointments"]["edges"]] == [
        world.ids["appointment:A_HH"],
        world.ids["appointment:B_HH"],
    ]
    # Bruno works on the same appointment: Paula sees only her own booking on it.
    appointment = await _query(
        api,
        "query($id: ID!) { node(id: $id) { ... on Appointment { bookings { id } } } }",
        {"id": world.ids["appointment:B_HH"]},
        world.paula,
    )
    assert appointment == {"node": {"bookings": [{"id": world.ids["booking:Paula@B_HH"]}]}}
    tree = (await _query(api, PROJECT_TREE, {"id": world.ids["project:B"]}, world.paula))["node"]
    assert [loc["id"] for loc in tree["locations"]] == [world.ids["location:B_HH"]]
    assert tree["reports"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": world.ids["report:Paula@B_HH"]}}],
    }


async def test_another_promoters_booking_is_not_found(api, world):
    i = world.ids
    hidden = ["booking:Bruno@B_HH", "booking:Bruno@B_HB", "booking:Moritz@A_MUC",
              "promoter:Bruno", "promoter:Moritz", "report:Bruno@B_HB", "report:Moritz@A_MUC",
              "appointment:B_HB", "location:B_HB", "appointment:A_MUC", "address:A",
              "address:B", "contact:anke"]  # fmt: skip
    for key in hidden:
        assert await api.post(NODE_DEEP, {"id": i[key]}, world.paula) == {"data": {"node": None}}, (
            key
        )
    own = await api.post(NODE_DEEP, {"id": i["booking:Paula@B_HH"]}, world.paula)
    assert own["data"]["node"]["promoter"] == {"name": "Paula Promo"}

    for mutation in ("CheckIn", "CheckOut"):
        result = await api.op(mutation, {"bookingId": i["booking:Bruno@B_HH"]}, world.paula)
        payload = result["data"][mutation[0].lower() + mutation[1:]]
        assert payload["timeEntry"] is None
        assert _errors(payload) == [("bookingId", "NOT_FOUND")], mutation
    submitted = await api.op(
        "SubmitReport",
        {"input": {"bookingId": i["booking:Bruno@B_HB"], "answers": []}},
        world.paula,
    )
    payload = submitted["data"]["submitReport"]
    assert payload["report"] is None
    assert _errors(payload) == [("bookingId", "NOT_FOUND")]


async def test_promoters_do_not_see_the_projects_customer(api, world):
    data = await _query(api, ASSIGNMENT_PROJECTS, None, world.paula)
    assert data["projects"]["totalCount"] == 2
    assert sorted(e["node"]["name"] for e in data["projects"]["edges"]) == [
        "Alpha Sommeraktion",
        "Beta Winteraktion",
    ]
    assert all(e["node"]["customer"] is None for e in data["projects"]["edges"])
    assert all(e["node"]["contacts"] == [] for e in data["projects"]["edges"])
    projects = [
        b["appointment"]["location"]["project"] for b in data["viewer"]["promoter"]["bookings"]
    ]
    assert len(projects) == 2
    assert all(p["customer"] is None for p in projects)
    for key in ("project:A", "project:B"):
        node = await api.post(NODE_DEEP, {"id": world.ids[key]}, world.paula)
        assert "errors" not in node, node
        assert node["data"]["node"]["customer"] is None
    # Customers themselves do see it.
    own = await api.post(NODE_DEEP, {"id": world.ids["project:A"]}, world.anke)
    assert own["data"]["node"]["customer"] == {"name": "Alpha Getränke GmbH"}


async def test_a_promoter_sees_their_own_contact_details_only(api, world):
    data = await _promoter_paths(api, world, world.paula)
    mine = data["viewer"]["promoter"]
    assert mine["phone"] == "+491701234561"
    assert mine["notes"] == "Privat: Paula nicht am Wochenende"
    assert {p["name"] for p in _promoters_in(data)} == {"Paula Promo"}


async def test_a_promoter_reaches_no_other_promoters_login(api, world):
    for name in ("Bruno", "Moritz"):
        user_id = to_base64("User", world.users[name])
        assert await api.post(NODE_DEEP, {"id": user_id}, world.paula) == {"data": {"node": None}}
    own = await api.post(NODE_DEEP, {"id": to_base64("User", world.users["Paula"])}, world.paula)
    assert own["data"]["node"]["userEmail"] == "paula@promoter.example.com"


# ---------------------------------------------------------------- more territory and token cases


UPDATE_TERRITORY = """
mutation($input: UpdateTerritoryInput!) {
  updateTerritory(input: $input) { territory { parent { name } } errors { field code } }
}"""


async def test_a_territory_limit_follows_the_tree_when_a_territory_moves(api, world):
    i = world.ids
    moved = await api.post(
        UPDATE_TERRITORY,
        {"input": {"id": i["territory:Hamburg"], "parentId": i["territory:Süd"]}},
        world.admin.token,
    )
    assert moved["data"]["updateTerritory"] == {
        "territory": {"parent": {"name": "Süd"}},
        "errors": [],
    }
    listed = await _query(api, LIST_APPOINTMENTS, {"projectId": None}, world.fritz)
    assert listed["appointments"] == {"totalCount": 0, "edges": []}
    for key in ("location:A_HH", "appointment:A_HH", "booking:Paula@A_HH", "promoter:Paula"):
        assert await api.post(NODE_DEEP, {"id": i[key]}, world.fritz) == {"data": {"node": None}}, (
            key
        )
    # Limited to Süd instead, Fritz sees München and (now inside Süd) Hamburg.
    await _ok(
        api,
        "AssignContactTerritories",
        {"contactPersonId": i["contact:fritz"], "territoryIds": [i["territory:Süd"]]},
        world.admin.token,
        "assignContactTerritories",
    )
    listed = await _query(api, LIST_APPOINTMENTS, {"projectId": None}, world.fritz)
    assert {e["node"]["id"] for e in listed["appointments"]["edges"]} == {
        i["appointment:A_HH"],
        i["appointment:A_MUC"],
    }
    assert listed["appointments"]["totalCount"] == 2


async def test_a_customer_token_without_read_scopes_still_finds_no_other_customers_ids(api, world):
    token = await _customer_token(api, world.anke, ["APPOINTMENTS_REQUEST"])
    for key in BETA:
        result = await api.post(NODE_ID, {"id": world.ids[key]}, token)
        assert result == {"data": {"node": None}}, key
    result = await api.op(
        "RequestAppointment",
        {
            "input": {
                "locationId": world.ids["location:B_HB"],
                "startsAt": _at(23, 9),
                "endsAt": _at(23, 17),
            }
        },
        token,
    )
    assert _errors(result["data"]["requestAppointment"]) == [("locationId", "NOT_FOUND")]


async def test_a_field_rep_sees_a_promoters_bookings_only_inside_their_territories(api, world):
    i = world.ids
    paula = await _query(api, PROMOTER_BOOKINGS, {"id": i["promoter:Paula"]}, world.fritz)
    assert paula == {
        "node": {
            "bookings": [
                {"id": i["booking:Paula@A_HH"], "appointment": {"id": i["appointment:A_HH"]}}
            ]
        }
    }


TERRITORY_PATHS = """
query($store: ID!, $contact: ID!, $location: ID!) {
  store: node(id: $store) { ... on Address { territory { id parent { id parent { id } } } } }
  contact: node(id: $contact) { ... on ContactPerson { territories { id parent { id } } } }
  location: node(id: $location) { ... on Location { store { territory { id } } } }
}"""


def _territory_ids(data: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        if isinstance(data.get("id"), str) and from_base64(data["id"])[0] == "Territory":
            found.add(data["id"])
        for value in data.values():
            found |= _territory_ids(value)
    elif isinstance(data, list):
        for value in data:
            found |= _territory_ids(value)
    return found


async def test_territories_are_the_agencys_and_shown_to_no_one_else(api, world):
    """Territories are the agency's organisation: customers and promoters reach none, on
    any path, just as node(id:) answers none of them."""
    i = world.ids
    variables = {
        "store": i["store:HH"],
        "contact": i["contact:fritz"],  # Fritz's own contact person, with his territory Nord
        "location": i["location:A_HH"],
    }
    agency = (await api.post(TERRITORY_PATHS, variables, world.admin.token))["data"]
    reached = _territory_ids(agency)
    assert len(reached) == 3, "Hamburg, Nord and Deutschland are on these paths"
    for viewer in (world.fritz, world.paula):
        data = (await api.post(TERRITORY_PATHS, variables, viewer)).get("data") or {}
        assert _territory_ids(data) == set()
        for territory_id in reached:
            node = await api.post(NODE_ID, {"id": territory_id}, viewer)
            assert node == {"data": {"node": None}}, territory_id


async def test_a_projects_appointments_are_listed_without_reading_the_project(api, world):
    """Only a visible project's appointments are visible, so the list needs no statement
    asking whether the customer may see the project: its own scope answers that."""
    with count_queries() as queries:
        mine = await api.op(
            "ProjectAppointments", {"projectId": world.ids["project:A"]}, world.anke
        )
    assert mine["data"]["appointments"]["totalCount"] > 0, mine
    assert not [sql for sql in queries.sql if re.search(r'FROM "?projects"?\b', sql)], (
        queries.report()
    )
