"""The manual's promotion story end to end, with the clients' own operations over HTTP:
the agency sets up a project, a customer contact requests an appointment, the agency
approves it and books a promoter, the promoter works it and reports, and the customer
reads the report without ever seeing the promoter's contact details. Also: rejecting,
cancelling, and requests that make no sense."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event
from strawberry.relay import GlobalID

from api.notifications.worker import OutboxWorker
from db.models.accounts import Role
from tests.factories import Login
from tests.graphql_client import GraphQLClient

CONTACT_EMAIL = "clara.kunde@frischback.example.com"
CONTACT_PASSWORD = "Sauerteig-2026!"
PROMOTER_EMAIL = "pia.promo@example.com"
PROMOTER_PASSWORD = "Verkostung-2026!"
PUBLIC_BASE_URL = "https://promoplan.example.com"
BERLIN = ZoneInfo("Europe/Berlin")

APPOINTMENT_DECISION = """
query($id: ID!) {
  node(id: $id) {
    ... on Appointment {
      id status rejectionReason decidedAt decidedBy { id name } requestedBy { id }
    }
  }
}"""
PROMOTER_NODE = """
query($id: ID!) {
  node(id: $id) {
    ... on Promoter { id name phone email street postalCode city birthDate notes }
  }
}"""
HIDDEN_PROMOTER_FIELDS = ("phone", "email", "street", "postalCode", "city", "birthDate", "notes")


# ---------------------------------------------------------------- helpers


def _at(**delta: float) -> datetime:
    """A moment relative to now, on a whole second."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


def _ten_oclock_in_berlin(days: int) -> datetime:
    """10:00 agency time, `days` ahead, in UTC: a span of hours from it stays on one day."""
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, 10, tzinfo=BERLIN).astimezone(UTC)


def _shown(starts: datetime, ends: datetime) -> str:
    """How a German mail shows a same-day span: in agency time, joined by an en dash."""
    start, end = starts.astimezone(BERLIN), ends.astimezone(BERLIN)
    return f"{start:%d.%m.%Y, %H:%M} \u2013 {end:%H:%M}"


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _pk(global_id: str) -> str:
    return GlobalID.from_id(global_id).node_id


def _user_id(login: Login) -> str:
    return str(GlobalID("User", str(login.user.id)))


def _errors(payload: dict) -> set[tuple[str | None, str]]:
    return {(e["field"], e["code"]) for e in payload["errors"]}


async def _data(api: GraphQLClient, name: str, variables: dict | None, token: str | None) -> dict:
    """The data of a client operation that must not fail at the request level."""
    result = await api.op(name, variables, token)
    assert "errors" not in result, (name, result)
    return result["data"]


async def _attempt(api: GraphQLClient, name: str, variables: dict, token: str | None) -> dict:
    """The payload of a client mutation (its one root field), successful or not."""
    [payload] = (await _data(api, name, variables, token)).values()
    return payload


async def _mutate(api: GraphQLClient, name: str, variables: dict, token: str | None) -> dict:
    """The payload of a client mutation that must succeed."""
    payload = await _attempt(api, name, variables, token)
    assert payload["errors"] == [], (name, payload)
    return payload


async def _deliver(mail_settings, smtp) -> list[EmailMessage]:
    """Deliver every queued mail; the messages that arrived with it."""
    before = len(smtp.mailbox.messages)
    worker = OutboxWorker(mail_settings)
    await worker.run_once()
    await worker.run_once()
    return smtp.mailbox.messages[before:]


def _text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def _calendar(message: EmailMessage) -> Calendar:
    """The message's one .ics attachment, parsed."""
    [attachment] = [
        part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    assert attachment.get_filename().endswith(".ics")
    return Calendar.from_ical(attachment.get_payload(decode=True))


def _event(calendar: Calendar) -> Event:
    [event] = calendar.walk("VEVENT")
    return event


@dataclass
class Promotion:
    """A project set up by the agency, with a customer contact who has portal access."""

    admin: Login
    responsible: Login
    customer_id: str
    store_id: str
    project_id: str
    location_id: str
    number_field_id: str
    boolean_field_id: str
    contact_id: str


async def _set_up_promotion(api: GraphQLClient, make) -> Promotion:
    """The agency's part of the manual: customer, store, project with a responsible
    planner, report fields, location, and a contact with portal access in the project."""
    admin = await make.login(Role.ADMIN, name="Ada Admin")
    responsible = await make.login(Role.STAFF, name="Paula Planer")
    # The planner must see the customer to decide its requests: its addresses go to her group.
    viewer = (await _data(api, "Viewer", None, responsible.token))["viewer"]
    [group] = viewer["accountGroups"]

    customer = await _mutate(
        api,
        "CreateAddress",
        {
            "input": {
                "kind": "COMPANY",
                "name": "Frischback GmbH",
                "street": "Mühlenweg 3",
                "postalCode": "10115",
                "city": "Berlin",
                "accountGroupId": group["id"],
            }
        },
        admin.token,
    )
    assert customer["address"]["accountGroup"] == {"id": group["id"]}
    customer_id = customer["address"]["id"]
    store = await _mutate(
        api,
        "CreateAddress",
        {
            "input": {
                "kind": "STORE",
                "name": "Edeka Mitte",
                "street": "Torstraße 12",
                "postalCode": "10119",
                "city": "Berlin",
                "phone": "030 1234567",
                "accountGroupId": group["id"],
            }
        },
        admin.token,
    )
    store_id = store["address"]["id"]

    created = await _mutate(
        api,
        "CreateProject",
        {
            "input": {
                "customerId": customer_id,
                "name": "Brotzeit-Verkostung",
                "description": "Verkostung der neuen Dinkelbrote",
                "startsOn": _at(days=1).date().isoformat(),
                "endsOn": _at(days=90).date().isoformat(),
                "responsibleId": _user_id(responsible),
            }
        },
        admin.token,
    )
    project = created["project"]
    assert project["customer"] == {"id": customer_id, "name": "Frischback GmbH"}
    assert project["responsible"] == {"id": _user_id(responsible)}
    project_id = project["id"]

    for label, kind, required in (
        ("Verkaufte Brote", "NUMBER", True),
        ("Aufsteller aufgebaut", "BOOLEAN", False),
    ):
        added = await _mutate(
            api,
            "AddReportField",
            {
                "input": {
                    "projectId": project_id,
                    "label": label,
                    "type": kind,
                    "required": required,
                }
            },
            admin.token,
        )
    fields = added["project"]["reportFields"]
    assert {(f["label"], f["type"], f["required"]) for f in fields} == {
        ("Verkaufte Brote", "NUMBER", True),
        ("Aufsteller aufgebaut", "BOOLEAN", False),
    }
    field_ids = {f["label"]: f["id"] for f in fields}

    added = await _mutate(
        api, "AddLocation", {"input": {"projectId": project_id, "storeId": store_id}}, admin.token
    )
    location = added["location"]
    assert location["store"] == {"id": store_id, "name": "Edeka Mitte", "city": "Berlin"}

    contact = await _mutate(
        api,
        "CreateContactPerson",
        {
            "input": {
                "addressId": customer_id,
                "firstName": "Clara",
                "lastName": "Kunde",
                "position": "Marketing",
                "email": CONTACT_EMAIL,
            }
        },
        admin.token,
    )
    contact_id = contact["contactPerson"]["id"]
    enabled = await _mutate(
        api,
        "EnablePortalAccess",
        {"input": {"contactPersonId": contact_id, "password": CONTACT_PASSWORD}},
        admin.token,
    )
    assert enabled["contactPerson"] == {"id": contact_id, "portalAccess": True}
    assigned = await _mutate(
        api,
        "AssignProjectContact",
        {"projectId": project_id, "contactPersonId": contact_id},
        admin.token,
    )
    assert assigned["project"]["contacts"] == [
        {"id": contact_id, "firstName": "Clara", "lastName": "Kunde"}
    ]

    return Promotion(
        admin=admin,
        responsible=responsible,
        customer_id=customer_id,
        store_id=store_id,
        project_id=project_id,
        location_id=location["id"],
        number_field_id=field_ids["Verkaufte Brote"],
        boolean_field_id=field_ids["Aufsteller aufgebaut"],
        contact_id=contact_id,
    )


async def _login(api: GraphQLClient, operation: str, email: str, password: str, role: str) -> str:
    """A session token from the client's own login operation."""
    payload = await _mutate(api, operation, {"email": email, "password": password}, None)
    assert payload["viewer"]["role"] == role
    assert payload["token"]
    return payload["token"]


async def _customer_login(api: GraphQLClient) -> str:
    return await _login(api, "CustomerLogin", CONTACT_EMAIL, CONTACT_PASSWORD, "CUSTOMER")


def _appointment_input(location_id: str, **fields) -> dict:
    """Six hours in two weeks at the location, for one promoter."""
    starts = _ten_oclock_in_berlin(days=14)
    return {
        "locationId": location_id,
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=6)).isoformat(),
        "promotersNeeded": 1,
        "note": "Bitte mit Verkostungstisch.",
        **fields,
    }


async def _request(api: GraphQLClient, token: str, location_id: str, **fields) -> dict:
    variables = {"input": _appointment_input(location_id, **fields)}
    return await _attempt(api, "RequestAppointment", variables, token)


async def _requested(api: GraphQLClient, token: str, location_id: str, **fields) -> dict:
    payload = await _request(api, token, location_id, **fields)
    assert payload["errors"] == [], payload
    assert payload["appointment"]["status"] == "REQUESTED"
    return payload["appointment"]


async def _promoter(api: GraphQLClient, token: str, name: str, email: str, **fields) -> dict:
    variables = {"input": {"name": name, "email": email, **fields}}
    return (await _mutate(api, "CreatePromoter", variables, token))["promoter"]


async def _book(api: GraphQLClient, token: str, appointment_id: str, promoter_id: str) -> dict:
    variables = {"appointmentId": appointment_id, "promoterId": promoter_id}
    return (await _mutate(api, "BookPromoter", variables, token))["booking"]


async def _portal_appointments(api: GraphQLClient, token: str, project_id: str) -> list[dict]:
    data = await _data(api, "ProjectAppointments", {"projectId": project_id}, token)
    nodes = [edge["node"] for edge in data["appointments"]["edges"]]
    assert data["appointments"]["totalCount"] == len(nodes)
    return nodes


async def _agency_appointments(api: GraphQLClient, token: str, project_id: str) -> list[dict]:
    data = await _data(api, "Appointments", {"projectId": project_id}, token)
    nodes = [edge["node"] for edge in data["appointments"]["edges"]]
    assert data["appointments"]["totalCount"] == len(nodes)
    return nodes


async def _decision(api: GraphQLClient, token: str, appointment_id: str) -> dict:
    result = await api.post(APPOINTMENT_DECISION, {"id": appointment_id}, token)
    assert "errors" not in result, result
    return result["data"]["node"]


# ---------------------------------------------------------------- the whole story


async def test_a_promotion_from_the_customers_request_to_the_report(api, make, mail_settings, smtp):
    story = await _set_up_promotion(api, make)
    planner = story.responsible

    # The contact logs in to the portal and sees the project with its store.
    clara = await _customer_login(api)
    projects = (await _data(api, "MyProjects", None, clara))["projects"]
    assert projects["totalCount"] == 1
    [project] = [edge["node"] for edge in projects["edges"]]
    assert (project["id"], project["name"]) == (story.project_id, "Brotzeit-Verkostung")
    assert project["customer"] == {"id": story.customer_id, "name": "Frischback GmbH"}
    assert project["locations"] == [
        {
            "id": story.location_id,
            "store": {
                "id": story.store_id,
                "name": "Edeka Mitte",
                "street": "Torstraße 12",
                "postalCode": "10119",
                "city": "Berlin",
            },
        }
    ]
    assert await _portal_appointments(api, clara, story.project_id) == []

    # She asks for an appointment at the store.
    starts = _ten_oclock_in_berlin(days=14)
    ends = starts + timedelta(hours=6)
    requested = await _requested(
        api, clara, story.location_id, startsAt=starts.isoformat(), endsAt=ends.isoformat()
    )
    appointment_id = requested["id"]
    assert (_when(requested["startsAt"]), _when(requested["endsAt"])) == (starts, ends)

    # The responsible planner is told by mail…
    [to_agency] = await _deliver(mail_settings, smtp)
    assert to_agency["To"] == planner.user.email
    assert to_agency["From"] == "planung@agentur.example.com"
    assert "Brotzeit-Verkostung" in to_agency["Subject"]
    assert "Edeka Mitte" in to_agency["Subject"]
    body = _text(to_agency)
    for expected in (
        "Clara Kunde",
        "Brotzeit-Verkostung",
        "Edeka Mitte, Berlin",
        _shown(starts, ends),
        "Bitte mit Verkostungstisch.",
        f"{PUBLIC_BASE_URL}/appointments/{_pk(appointment_id)}",
    ):
        assert expected in body, expected

    # …finds the request and who asked for it…
    [seen] = await _agency_appointments(api, planner.token, story.project_id)
    assert (seen["id"], seen["status"], seen["bookings"]) == (appointment_id, "REQUESTED", [])
    assert seen["requestedBy"] == {
        "id": story.contact_id,
        "firstName": "Clara",
        "lastName": "Kunde",
    }

    # …and approves it.
    before = datetime.now(UTC)
    payload = await _mutate(api, "ApproveAppointment", {"id": appointment_id}, planner.token)
    approved = payload["appointment"]
    assert (approved["status"], approved["decidedBy"]) == ("CONFIRMED", {"id": _user_id(planner)})
    assert before - timedelta(seconds=1) <= _when(approved["decidedAt"]) <= datetime.now(UTC)

    # The contact is told by mail and sees it confirmed.
    [to_contact] = await _deliver(mail_settings, smtp)
    assert to_contact["To"] == CONTACT_EMAIL
    assert "bestätigt" in to_contact["Subject"]
    assert "Edeka Mitte" in to_contact["Subject"]
    body = _text(to_contact)
    for expected in ("Clara Kunde", "Brotzeit-Verkostung", _shown(starts, ends)):
        assert expected in body, expected
    [portal_view] = await _portal_appointments(api, clara, story.project_id)
    assert (portal_view["status"], portal_view["rejectionReason"]) == ("CONFIRMED", None)

    # The agency creates a promoter with a login and books her.
    pia = await _promoter(
        api,
        planner.token,
        "Pia Promo",
        PROMOTER_EMAIL,
        phone="0151 23456789",
        street="Lindenallee 5",
        postalCode="10437",
        city="Berlin",
        birthDate="1998-04-12",
        notes="Hat eine Hygieneschulung.",
        password=PROMOTER_PASSWORD,
    )
    assert pia | {"id": None} == {
        "id": None,
        "name": "Pia Promo",
        "phone": "+4915123456789",
        "email": PROMOTER_EMAIL,
    }
    booking = await _book(api, planner.token, appointment_id, pia["id"])
    assert booking | {"id": None} == {
        "id": None,
        "status": "BOOKED",
        "promoter": {"id": pia["id"], "name": "Pia Promo"},
        "appointment": {"id": appointment_id},
    }

    # She gets a mail with the booking as a calendar entry.
    [to_promoter] = await _deliver(mail_settings, smtp)
    assert to_promoter["To"] == PROMOTER_EMAIL
    assert "Brotzeit-Verkostung" in to_promoter["Subject"]
    body = _text(to_promoter)
    for expected in ("Pia Promo", "Torstraße 12", _shown(starts, ends), "Verkostungstisch"):
        assert expected in body, expected
    calendar = _calendar(to_promoter)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = _event(calendar)
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == ends
    assert str(event["SUMMARY"]) == "Brotzeit-Verkostung: Edeka Mitte"
    assert "Torstraße 12" in str(event["LOCATION"])
    assert str(event["STATUS"]) == "CONFIRMED"

    # The promoter logs in and finds the booking in her app.
    promoter = await _login(api, "PromoterLogin", PROMOTER_EMAIL, PROMOTER_PASSWORD, "PROMOTER")
    me = (await _data(api, "MyAssignments", None, promoter))["viewer"]["promoter"]
    assert (me["id"], me["name"]) == (pia["id"], "Pia Promo")
    [mine] = me["bookings"]
    assert (mine["id"], mine["status"]) == (booking["id"], "BOOKED")
    assert (mine["timeEntries"], mine["report"]) == ([], None)
    assert mine["appointment"]["id"] == appointment_id
    assert _when(mine["appointment"]["startsAt"]) == starts
    assert _when(mine["appointment"]["endsAt"]) == ends
    assert mine["appointment"]["note"] == "Bitte mit Verkostungstisch."
    assert mine["appointment"]["location"]["store"] == {
        "name": "Edeka Mitte",
        "street": "Torstraße 12",
        "postalCode": "10119",
        "city": "Berlin",
        "phone": "+49301234567",
    }
    their_project = mine["appointment"]["location"]["project"]
    assert (their_project["id"], their_project["name"]) == (
        story.project_id,
        "Brotzeit-Verkostung",
    )
    assert {
        (f["id"], f["label"], f["type"], f["required"]) for f in their_project["reportFields"]
    } == {
        (story.number_field_id, "Verkaufte Brote", "NUMBER", True),
        (story.boolean_field_id, "Aufsteller aufgebaut", "BOOLEAN", False),
    }
    around = {"from": (starts - timedelta(days=1)).isoformat(), "to": ends.isoformat()}
    in_range = (await _data(api, "MyAssignments", around, promoter))["viewer"]["promoter"]
    assert [b["id"] for b in in_range["bookings"]] == [booking["id"]]

    # She cannot check out before checking in; then she works the appointment.
    on_booking = {"bookingId": booking["id"]}
    early = await _attempt(api, "CheckOut", on_booking, promoter)
    assert (early["timeEntry"], _errors(early)) == (None, {("bookingId", "INVALID_STATE")})
    checked_in = (await _mutate(api, "CheckIn", on_booking, promoter))["timeEntry"]
    checked_out = (await _mutate(api, "CheckOut", on_booking, promoter))["timeEntry"]
    assert checked_out["id"] == checked_in["id"]
    assert checked_out["checkedInAt"] == checked_in["checkedInAt"]
    assert _when(checked_out["checkedOutAt"]) >= _when(checked_in["checkedInAt"])

    # The report needs the required number, as a number.
    def answers(number: str | None) -> dict:
        given = [{"fieldId": story.boolean_field_id, "value": "true"}]
        if number is not None:
            given.insert(0, {"fieldId": story.number_field_id, "value": number})
        return {"input": {"bookingId": booking["id"], "answers": given}}

    for number, code in ((None, "REQUIRED"), ("viele", "INVALID")):
        refused = await _attempt(api, "SubmitReport", answers(number), promoter)
        assert (refused["report"], _errors(refused)) == (None, {("answers", code)})
    report = (await _mutate(api, "SubmitReport", answers("42"), promoter))["report"]
    assert {(a["field"]["id"], a["value"]) for a in report["answers"]} == {
        (story.number_field_id, "42"),
        (story.boolean_field_id, "true"),
    }
    [mine] = (await _data(api, "MyAssignments", None, promoter))["viewer"]["promoter"]["bookings"]
    assert mine["timeEntries"] == [checked_out]
    assert mine["report"] == {"id": report["id"], "submittedAt": report["submittedAt"]}

    # The contact reads the report, with the promoter's name.
    node = (await _data(api, "ProjectReports", {"projectId": story.project_id}, clara))["node"]
    assert node["id"] == story.project_id
    assert {(f["id"], f["label"], f["type"]) for f in node["reportFields"]} == {
        (story.number_field_id, "Verkaufte Brote", "NUMBER"),
        (story.boolean_field_id, "Aufsteller aufgebaut", "BOOLEAN"),
    }
    assert node["reports"]["totalCount"] == 1
    [read] = [edge["node"] for edge in node["reports"]["edges"]]
    assert (read["id"], read["submittedAt"]) == (report["id"], report["submittedAt"])
    assert read["booking"]["promoter"] == {"name": "Pia Promo"}
    assert _when(read["booking"]["appointment"]["startsAt"]) == starts
    assert read["booking"]["appointment"]["location"] == {"store": {"name": "Edeka Mitte"}}
    assert {(a["field"]["id"], a["field"]["label"], a["value"]) for a in read["answers"]} == {
        (story.number_field_id, "Verkaufte Brote", "42"),
        (story.boolean_field_id, "Aufsteller aufgebaut", "true"),
    }

    # Wherever the portal reaches the promoter, her contact details are null.
    [portal_view] = await _portal_appointments(api, clara, story.project_id)
    assert (portal_view["id"], portal_view["status"]) == (appointment_id, "CONFIRMED")
    assert portal_view["location"] == {
        "id": story.location_id,
        "store": {"id": story.store_id, "name": "Edeka Mitte", "city": "Berlin"},
    }
    assert portal_view["bookings"] == [
        {
            "id": booking["id"],
            "status": "BOOKED",
            "promoter": {"id": pia["id"], "name": "Pia Promo", "phone": None, "email": None},
        }
    ]
    by_node = await api.post(PROMOTER_NODE, {"id": pia["id"]}, clara)
    assert by_node == {
        "data": {
            "node": {"id": pia["id"], "name": "Pia Promo", **dict.fromkeys(HIDDEN_PROMOTER_FIELDS)}
        }
    }

    # The agency still sees them: the nulls are the customer's view, not missing data.
    [agency_view] = await _agency_appointments(api, planner.token, story.project_id)
    assert [b["promoter"] for b in agency_view["bookings"]] == [
        {"id": pia["id"], "name": "Pia Promo", "phone": "+4915123456789", "email": PROMOTER_EMAIL}
    ]

    # Three mails in all, one per step, none twice.
    assert await _deliver(mail_settings, smtp) == []
    assert [m["To"] for m in smtp.mailbox.messages] == [
        planner.user.email,
        CONTACT_EMAIL,
        PROMOTER_EMAIL,
    ]


# ---------------------------------------------------------------- rejecting


async def test_rejecting_with_a_reason_mails_the_contact_and_records_who_and_when(
    api, make, mail_settings, smtp
):
    story = await _set_up_promotion(api, make)
    planner = story.responsible
    clara = await _customer_login(api)
    appointment_id = (await _requested(api, clara, story.location_id))["id"]
    [to_agency] = await _deliver(mail_settings, smtp)
    assert to_agency["To"] == planner.user.email

    # A blank reason is no reason: nothing is decided, nobody is told.
    blank = await _attempt(
        api, "RejectAppointment", {"id": appointment_id, "reason": "  "}, planner.token
    )
    assert (blank["appointment"], _errors(blank)) == (None, {("reason", "REQUIRED")})
    assert (await _decision(api, planner.token, appointment_id))["status"] == "REQUESTED"
    assert await _deliver(mail_settings, smtp) == []

    reason = "Der Markt wird in dieser Woche umgebaut."
    before = datetime.now(UTC)
    payload = await _mutate(
        api, "RejectAppointment", {"id": appointment_id, "reason": reason}, planner.token
    )
    after = datetime.now(UTC)
    assert payload["appointment"] == {
        "id": appointment_id,
        "status": "REJECTED",
        "rejectionReason": reason,
    }

    decision = await _decision(api, planner.token, appointment_id)
    assert (decision["status"], decision["rejectionReason"]) == ("REJECTED", reason)
    assert decision["decidedBy"] == {"id": _user_id(planner), "name": "Paula Planer"}
    assert before - timedelta(seconds=1) <= _when(decision["decidedAt"]) <= after
    assert decision["requestedBy"] == {"id": story.contact_id}

    [to_contact] = await _deliver(mail_settings, smtp)
    assert to_contact["To"] == CONTACT_EMAIL
    assert "abgelehnt" in to_contact["Subject"]
    assert "Edeka Mitte" in to_contact["Subject"]
    body = _text(to_contact)
    for expected in (reason, "Clara Kunde", "Brotzeit-Verkostung"):
        assert expected in body, expected

    # The contact sees the decision and its reason in the portal.
    [portal_view] = await _portal_appointments(api, clara, story.project_id)
    assert (portal_view["id"], portal_view["status"], portal_view["rejectionReason"]) == (
        appointment_id,
        "REJECTED",
        reason,
    )

    # A decided appointment stays decided: no second decision, no second mail.
    again = await _attempt(api, "ApproveAppointment", {"id": appointment_id}, story.admin.token)
    assert (again["appointment"], _errors(again)) == (None, {("id", "INVALID_STATE")})
    assert await _deliver(mail_settings, smtp) == []
    decision = await _decision(api, planner.token, appointment_id)
    assert (decision["status"], decision["decidedBy"]["id"]) == ("REJECTED", _user_id(planner))


# ---------------------------------------------------------------- cancelling


async def test_cancelling_an_appointment_mails_every_booked_promoter(
    api, make, mail_settings, smtp
):
    story = await _set_up_promotion(api, make)
    planner = story.responsible
    starts = _ten_oclock_in_berlin(days=21)
    ends = starts + timedelta(hours=5)
    variables = {
        "input": {
            "locationId": story.location_id,
            "startsAt": starts.isoformat(),
            "endsAt": ends.isoformat(),
            "promotersNeeded": 3,
        }
    }
    scheduled = (await _mutate(api, "ScheduleAppointment", variables, planner.token))["appointment"]
    appointment_id = scheduled["id"]
    assert scheduled["status"] == "CONFIRMED"

    emails = {name: f"{name.lower()}.promo@example.com" for name in ("Anna", "Ben", "Cem")}
    bookings = {}
    for name, email in emails.items():
        promoter = await _promoter(api, planner.token, f"{name} Promo", email)
        bookings[name] = await _book(api, planner.token, appointment_id, promoter["id"])
    booked_mails = {m["To"]: m for m in await _deliver(mail_settings, smtp)}
    assert set(booked_mails) == set(emails.values())
    booked_events = {to: _event(_calendar(mail)) for to, mail in booked_mails.items()}
    assert len({str(e["UID"]) for e in booked_events.values()}) == 3

    # Cem is unbooked before the cancellation: he is told then, and not again.
    await _mutate(api, "CancelBooking", {"id": bookings["Cem"]["id"]}, planner.token)
    [unbooked] = await _deliver(mail_settings, smtp)
    assert unbooked["To"] == emails["Cem"]

    cancelled = await _mutate(
        api,
        "CancelAppointment",
        {"id": appointment_id, "reason": "Aktion vom Kunden verschoben."},
        planner.token,
    )
    assert cancelled["appointment"] == {"id": appointment_id, "status": "CANCELLED"}

    mails = await _deliver(mail_settings, smtp)
    assert sorted(m["To"] for m in mails) == [emails["Anna"], emails["Ben"]]
    for mail in mails:
        assert "aufgehoben" in mail["Subject"]
        assert "Brotzeit-Verkostung" in mail["Subject"]
        assert _shown(starts, ends) in _text(mail)
        calendar = _calendar(mail)
        assert str(calendar["METHOD"]) == "CANCEL"
        # The same calendar entry, cancelled and newer: calendars remove it.
        event, booked = _event(calendar), booked_events[mail["To"]]
        assert str(event["UID"]) == str(booked["UID"])
        assert str(event["STATUS"]) == "CANCELLED"
        assert event.decoded("DTSTART") == starts
        assert int(event["SEQUENCE"]) > int(booked["SEQUENCE"])
    assert await _deliver(mail_settings, smtp) == []

    [seen] = await _agency_appointments(api, planner.token, story.project_id)
    assert seen["status"] == "CANCELLED"
    assert {b["promoter"]["name"]: b["status"] for b in seen["bookings"]} == {
        "Anna Promo": "CANCELLED",
        "Ben Promo": "CANCELLED",
        "Cem Promo": "CANCELLED",
    }


# ---------------------------------------------------------------- bad requests


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [
        pytest.param({"hours": -2}, {"hours": 3}, {("startsAt", "INVALID")}, id="start-past"),
        pytest.param(
            {"days": 7}, {"days": 7, "hours": -1}, {("endsAt", "INVALID")}, id="end-before-start"
        ),
        pytest.param({"days": 7}, {"days": 7}, {("endsAt", "INVALID")}, id="end-at-start"),
        pytest.param(
            {"days": -1},
            {"days": -1, "hours": -4},
            {("startsAt", "INVALID"), ("endsAt", "INVALID")},
            id="both",
        ),
    ],
)
async def test_a_request_in_the_past_or_ending_before_it_starts_names_the_field(
    api, make, mail_settings, smtp, starts, ends, expected
):
    story = await _set_up_promotion(api, make)
    clara = await _customer_login(api)
    payload = await _request(
        api,
        clara,
        story.location_id,
        startsAt=_at(**starts).isoformat(),
        endsAt=_at(**ends).isoformat(),
    )
    assert payload["appointment"] is None
    assert _errors(payload) == expected
    assert all(e["message"] for e in payload["errors"])

    assert await _portal_appointments(api, clara, story.project_id) == []
    assert await _agency_appointments(api, story.admin.token, story.project_id) == []
    assert await _deliver(mail_settings, smtp) == [], "nobody hears of a request never made"


# ---------------------------------------------------------------- requests by the agency


async def test_a_request_the_agency_makes_for_the_customer_names_the_colleague(
    api, make, mail_settings, smtp
):
    story = await _set_up_promotion(api, make)
    appointment = await _requested(api, story.admin.token, story.location_id)
    assert (await _decision(api, story.admin.token, appointment["id"]))["requestedBy"] is None

    [to_agency] = await _deliver(mail_settings, smtp)
    assert to_agency["To"] == story.responsible.user.email
    body = _text(to_agency)
    assert "Brotzeit-Verkostung" in body
    assert "None" not in body
    assert "None" not in to_agency.get_body(("html",)).get_content()
    assert f"{story.admin.user.name} hat für das Projekt" in body
