"""The contact history: logging and completing activities, participants, documents,
reminders and their mail; campaigns (also archived ones) and the tag hierarchy."""

from datetime import UTC, datetime, timedelta

import pytest
from strawberry.relay import to_base64

from api.notifications import reminders as reminder_sweep
from api.notifications.worker import OutboxWorker
from db.models.accounts import Role
from db.models.activities import Activity, ActivityDocument, Campaign, Reminder
from tests.factories import Login
from tests.graphql_client import error_codes

ACTIVITY = """
query($id: ID!) {
  node(id: $id) {
    ... on Activity {
      id kind status subject description startsAt durationMinutes
      campaign { name status }
      documents { kind title url }
      reminders { id remindAt }
    }
  }
}"""
HISTORY = """
query($id: ID!) {
  node(id: $id) {
    ... on Address {
      activities(first: 50) {
        totalCount
        edges { node { subject status campaign { name status } subtag { name } } }
      }
      campaignMemberships { status handler { name } campaign { name status } }
    }
  }
}"""
CAMPAIGN = "query($id: ID!) { node(id: $id) { ... on Campaign { name status description } } }"
UPDATE_CAMPAIGN = """
mutation($input: UpdateCampaignInput!) {
  updateCampaign(input: $input) {
    campaign { id name status }
    errors { field code message }
  }
}"""


# ---------------------------------------------------------------- helpers


def _gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def _user_id(login: Login) -> str:
    return _gid("User", login.user.id)


def _at(**delta: float) -> datetime:
    """A moment relative to now, on a whole second."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _errors(payload: dict) -> set[tuple[str | None, str]]:
    return {(e["field"], e["code"]) for e in payload["errors"]}


def _input(address_id: str, **overrides) -> dict:
    """A planned outbound call a week ahead, without reminder."""
    return {
        "addressId": address_id,
        "kind": "CALL",
        "direction": "OUTBOUND",
        "status": "PLANNED",
        "startsAt": _at(days=7).isoformat(),
        "subject": "Rückruf wegen Angebot",
        **overrides,
    }


async def _address(api, login: Login, name: str, **fields) -> str:
    result = await api.op(
        "CreateAddress", {"input": {"kind": "COMPANY", "name": name, **fields}}, login.token
    )
    payload = result["data"]["createAddress"]
    assert payload["errors"] == []
    return payload["address"]["id"]


async def _log(api, login: Login, address_id: str, **overrides) -> dict:
    result = await api.op("LogActivity", {"input": _input(address_id, **overrides)}, login.token)
    return result["data"]["logActivity"]


async def _logged(api, login: Login, address_id: str, **overrides) -> str:
    payload = await _log(api, login, address_id, **overrides)
    assert payload["errors"] == [], payload
    return payload["activity"]["id"]


async def _complete(api, login: Login, activity_id: str, **fields) -> dict:
    result = await api.op("CompleteActivity", {"input": {"id": activity_id, **fields}}, login.token)
    return result["data"]["completeActivity"]


async def _activity(api, login: Login, activity_id: str) -> dict | None:
    return (await api.post(ACTIVITY, {"id": activity_id}, login.token))["data"]["node"]


async def _detail(api, login: Login, address_id: str) -> dict | None:
    return (await api.op("AddressDetail", {"id": address_id}, login.token))["data"]["node"]


async def _history(api, login: Login, address_id: str) -> list[str]:
    """The subjects of an address's contact history, in the order shown; checks totalCount."""
    activities = (await _detail(api, login, address_id))["activities"]
    subjects = [edge["node"]["subject"] for edge in activities["edges"]]
    assert activities["totalCount"] == len(subjects)
    return subjects


async def _reminders(api, login: Login) -> list[dict]:
    return (await api.op("MyReminders", token=login.token))["data"]["viewer"]["reminders"]


async def _shared_group(api, admin: Login, name: str, *members: Login) -> str:
    result = await api.op(
        "CreateAccountGroup",
        {"input": {"name": name, "memberIds": [_user_id(m) for m in members]}},
        admin.token,
    )
    payload = result["data"]["createAccountGroup"]
    assert payload["errors"] == []
    return payload["accountGroup"]["id"]


async def _campaign(api, login: Login, name: str, **fields) -> str:
    result = await api.op("CreateCampaign", {"input": {"name": name, **fields}}, login.token)
    payload = result["data"]["createCampaign"]
    assert payload["errors"] == []
    return payload["campaign"]["id"]


async def _campaigns(api, login: Login, include_archived: bool = False) -> list[dict]:
    result = await api.op("Campaigns", {"includeArchived": include_archived}, login.token)
    return [edge["node"] for edge in result["data"]["campaigns"]["edges"]]


async def _add_members(api, login: Login, campaign_id: str, address_ids: list[str], **fields):
    result = await api.op(
        "AddCampaignMembers",
        {"input": {"campaignId": campaign_id, "addressIds": address_ids, **fields}},
        login.token,
    )
    return result["data"]["addCampaignMembers"]


# ---------------------------------------------------------------- logging activities


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"subject": "   "}, {("subject", "REQUIRED")}),
        ({"status": "DONE"}, {("durationMinutes", "REQUIRED")}),
        ({"status": "DONE", "durationMinutes": 0}, {("durationMinutes", "REQUIRED")}),
        ({"durationMinutes": -5}, {("durationMinutes", "INVALID")}),
        ({"status": "DONE", "durationMinutes": -1}, {("durationMinutes", "INVALID")}),
        ({"addressId": _gid("Address", 999_999)}, {("addressId", "NOT_FOUND")}),
        ({"addressId": "garbage"}, {("addressId", "NOT_FOUND")}),
        ({"status": "DONE", "durationMinutes": 15, "reminder": True}, {("reminder", "INVALID")}),
        ({"status": "NOT_DONE", "reminder": True}, {("reminder", "INVALID")}),
        ({"subtagId": _gid("Subtag", 999_999)}, {("subtagId", "NOT_FOUND")}),
        ({"campaignId": _gid("Campaign", 999_999)}, {("campaignId", "NOT_FOUND")}),
        (
            {"subject": "", "status": "DONE", "reminder": True},
            {("subject", "REQUIRED"), ("durationMinutes", "REQUIRED"), ("reminder", "INVALID")},
        ),
    ],
)
async def test_bad_activity_input_names_the_field_and_logs_nothing(api, make, overrides, expected):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    # Planned ones ask for a reminder too: none may be left behind.
    planned = overrides.get("status", "PLANNED") == "PLANNED"
    payload = await _log(api, anna, shop, **{"reminder": planned, **overrides})
    assert payload["activity"] is None
    assert _errors(payload) == expected
    assert await _history(api, anna, shop) == []
    assert await _reminders(api, anna) == []
    assert await Activity.all().count() == 0


async def test_addresses_the_viewer_cannot_see_are_not_found(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    mine = await _address(api, anna, "Müller GmbH")
    theirs = await _address(api, ben, "Markt Ost")

    on_theirs = await _log(api, anna, theirs)
    assert (on_theirs["activity"], _errors(on_theirs)) == (None, {("addressId", "NOT_FOUND")})

    with_theirs = await _log(api, anna, mine, participantAddressIds=[theirs])
    assert with_theirs["activity"] is None
    assert _errors(with_theirs) == {("participantAddressIds", "NOT_FOUND")}

    assert await _history(api, anna, mine) == []
    assert await _history(api, ben, theirs) == []


async def test_an_activity_shows_in_the_history_of_every_participating_address(api, make):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    main = await _address(api, anna, "Müller GmbH")
    store = await _address(api, ben, "Markt Ost")
    done = {"status": "DONE", "durationMinutes": 30}

    # Logged out of order: the history sorts by start, newest first.
    await _logged(api, ben, store, subject="Anruf Sortiment", startsAt=_at(days=-2).isoformat(),
                  **done)  # fmt: skip
    joint = await _logged(
        api, admin, main, participantAddressIds=[store], kind="MEETING",
        subject="Jahresgespräch", startsAt=_at(days=-1).isoformat(), **done,
    )  # fmt: skip
    await _logged(api, ben, store, kind="VISIT", subject="Erstbesuch",
                  startsAt=_at(days=-10).isoformat(), **done)  # fmt: skip

    assert await _history(api, ben, store) == ["Jahresgespräch", "Anruf Sortiment", "Erstbesuch"]
    assert await _history(api, anna, main) == ["Jahresgespräch"]
    assert await _history(api, admin, main) == ["Jahresgespräch"]

    # Ben sees only the store, yet the joint meeting is his to open.
    assert await _detail(api, ben, main) is None
    seen = await _activity(api, ben, joint)
    assert (seen["id"], seen["subject"], seen["kind"]) == (joint, "Jahresgespräch", "MEETING")
    # Anna does not see the store, so nor its own calls.
    [store_call] = [
        e["node"]["id"]
        for e in (await _detail(api, ben, store))["activities"]["edges"]
        if e["node"]["subject"] == "Anruf Sortiment"
    ]
    assert await _activity(api, anna, store_call) is None


async def test_the_contact_person_belongs_to_an_address_of_the_activity(api, make):
    anna = await make.login(Role.STAFF)
    main = await _address(api, anna, "Müller GmbH")
    store = await _address(api, anna, "Markt Ost")
    elsewhere = await _address(api, anna, "Schulz KG")
    contacts = {}
    for address, last_name in ((main, "Müller"), (store, "Ostmann"), (elsewhere, "Schulz")):
        result = await api.op(
            "CreateContactPerson", {"input": {"addressId": address, "lastName": last_name}},
            anna.token,
        )  # fmt: skip
        contacts[last_name] = result["data"]["createContactPerson"]["contactPerson"]["id"]
    query = "query($id: ID!) { node(id: $id) { ... on Activity { contactPerson { lastName } } } }"

    for last_name in ("Müller", "Ostmann"):
        activity = await _logged(api, anna, main, participantAddressIds=[store],
                                 contactPersonId=contacts[last_name])  # fmt: skip
        node = (await api.post(query, {"id": activity}, anna.token))["data"]["node"]
        assert node["contactPerson"] == {"lastName": last_name}

    payload = await _log(api, anna, main, contactPersonId=contacts["Schulz"], subject="Falsch")
    assert (payload["activity"], _errors(payload)) == (None, {("contactPersonId", "NOT_FOUND")})
    assert "Falsch" not in await _history(api, anna, main)


# ---------------------------------------------------------------- reminders


async def test_a_planned_activity_reminds_its_responsible_user_a_day_before(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    admin = await make.login(Role.ADMIN)
    nord = await _shared_group(api, admin, "Nord", anna, ben)
    shop = await _address(api, anna, "Müller GmbH", accountGroupId=nord)
    starts = _at(days=7, hours=3)

    payload = await _log(api, anna, shop, reminder=True, startsAt=starts.isoformat(),
                         responsibleId=_user_id(ben), subject="Angebot nachfassen")  # fmt: skip
    assert payload["errors"] == []
    [reminder] = payload["activity"]["reminders"]
    assert _when(reminder["remindAt"]) == starts - timedelta(days=1)

    [bens] = await _reminders(api, ben)
    assert bens["id"] == reminder["id"]
    assert _when(bens["remindAt"]) == starts - timedelta(days=1)
    assert bens["activity"]["subject"] == "Angebot nachfassen"
    assert _when(bens["activity"]["startsAt"]) == starts
    assert bens["activity"]["address"]["name"] == "Müller GmbH"
    assert await _reminders(api, anna) == [], "the responsible user is reminded, not the creator"

    await _logged(api, anna, shop, reminder=True, responsibleId=_user_id(admin),
                  subject="Messe vorbereiten")  # fmt: skip
    assert [r["activity"]["subject"] for r in await _reminders(api, admin)] == ["Messe vorbereiten"]
    assert len(await _reminders(api, ben)) == 1


async def test_without_a_responsible_user_the_creator_is_reminded(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    starts = _at(days=3)
    activity = await _logged(api, anna, shop, reminder=True, startsAt=starts.isoformat())
    [reminder] = await _reminders(api, anna)
    assert reminder["activity"]["id"] == activity
    assert _when(reminder["remindAt"]) == starts - timedelta(days=1)


async def test_without_the_flag_no_reminder_is_made(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    payload = await _log(api, anna, shop)
    assert payload["activity"]["reminders"] == []
    assert await _reminders(api, anna) == []


async def test_the_responsible_user_must_be_an_agency_user(api, make):
    anna = await make.login(Role.STAFF)
    promoter = await make.login(Role.PROMOTER)
    shop = await _address(api, anna, "Müller GmbH")
    for responsible in (_user_id(promoter), _gid("User", 999_999)):
        payload = await _log(api, anna, shop, reminder=True, responsibleId=responsible)
        assert (payload["activity"], _errors(payload)) == (None, {("responsibleId", "NOT_FOUND")})
    assert await _history(api, anna, shop) == []
    assert await Reminder.all().count() == 0


async def test_my_reminders_list_the_soonest_first(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    for subject, days in (("Drittens", 10), ("Erstens", 3), ("Zweitens", 6)):
        await _logged(api, anna, shop, reminder=True, subject=subject,
                      startsAt=_at(days=days).isoformat())  # fmt: skip
    await _logged(api, anna, shop, subject="Ohne Erinnerung", startsAt=_at(days=1).isoformat())

    reminders = await _reminders(api, anna)
    assert [r["activity"]["subject"] for r in reminders] == ["Erstens", "Zweitens", "Drittens"]
    moments = [_when(r["remindAt"]) for r in reminders]
    assert moments == sorted(moments)


@pytest.mark.parametrize(
    "completion", [{"status": "DONE", "durationMinutes": 25}, {"status": "NOT_DONE"}]
)
async def test_completing_an_activity_removes_its_reminders(api, make, completion):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    done = await _logged(api, anna, shop, reminder=True, subject="Wird erledigt")
    kept = await _logged(api, anna, shop, reminder=True, subject="Bleibt offen")

    payload = await _complete(api, anna, done, **completion)
    assert payload["errors"] == []
    assert payload["activity"]["status"] == completion["status"]
    assert payload["activity"]["reminders"] == []
    assert (await _activity(api, anna, done))["reminders"] == []
    assert [r["activity"]["id"] for r in await _reminders(api, anna)] == [kept]


# ---------------------------------------------------------------- reminder mail


async def test_a_due_reminder_is_mailed_once_to_the_responsible_user(
    api, make, mail_settings, smtp
):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    # Less than a day ahead: the reminder is due at once.
    payload = await _log(api, anna, shop, reminder=True, startsAt=_at(hours=2).isoformat(),
                         responsibleId=_user_id(ben), subject="Preisgespräch Müller")  # fmt: skip
    assert payload["errors"] == []
    assert _when(payload["activity"]["reminders"][0]["remindAt"]) < datetime.now(UTC)

    worker = OutboxWorker(mail_settings)
    await worker.run_once()
    await worker.run_once()

    [message] = smtp.mailbox.messages
    assert message["To"] == ben.user.email
    assert "Preisgespräch Müller" in message["Subject"]
    assert "Preisgespräch Müller" in message.get_body(("plain",)).get_content()


async def test_the_reminder_of_a_completed_activity_is_never_mailed(
    api, make, mail_settings, smtp, monkeypatch
):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    starts = _at(days=2).isoformat()
    finished = await _logged(api, anna, shop, reminder=True, startsAt=starts,
                             subject="Vorher erledigt")  # fmt: skip
    await _logged(api, anna, shop, reminder=True, startsAt=starts, subject="Noch offen")
    assert (await _complete(api, anna, finished, status="DONE", durationMinutes=10))["errors"] == []

    worker = OutboxWorker(mail_settings)
    await worker.run_once()
    assert smtp.mailbox.messages == [], "neither reminder is due yet"

    # A day and an hour later both reminders would be due.
    later = datetime.now(UTC) + timedelta(days=1, hours=1)
    monkeypatch.setattr(reminder_sweep, "now", lambda: later)
    await worker.run_once()
    await worker.run_once()

    [message] = smtp.mailbox.messages
    assert message["To"] == anna.user.email
    assert "Noch offen" in message["Subject"]
    assert "Vorher erledigt" not in message.get_body(("plain",)).get_content()


async def test_a_reminder_completed_after_it_fell_due_but_before_the_sweep_is_not_mailed(
    api, make, mail_settings, smtp
):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    soon = await _logged(api, anna, shop, reminder=True, startsAt=_at(hours=1).isoformat(),
                         subject="Schon telefoniert")  # fmt: skip
    assert (await _complete(api, anna, soon, status="DONE", durationMinutes=5))["errors"] == []
    worker = OutboxWorker(mail_settings)
    await worker.run_once()
    await worker.run_once()
    assert smtp.mailbox.messages == []


# ---------------------------------------------------------------- completing activities


async def test_completing_as_planned_is_invalid(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    activity = await _logged(api, anna, shop, reminder=True)
    payload = await _complete(api, anna, activity, status="PLANNED", durationMinutes=10)
    assert (payload["activity"], _errors(payload)) == (None, {("status", "INVALID")})
    after = await _activity(api, anna, activity)
    assert (after["status"], after["durationMinutes"]) == ("PLANNED", 0)
    assert len(after["reminders"]) == 1


async def test_an_activity_is_completed_only_once(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    activity = await _logged(api, anna, shop, description="Angebot besprechen")
    first = await _complete(api, anna, activity, status="DONE", durationMinutes=30,
                            note="Kunde bestellt")  # fmt: skip
    assert first["errors"] == []

    for again in (
        {"status": "NOT_DONE", "note": "Doch nicht"},
        {"status": "DONE", "durationMinutes": 90, "note": "Doch nicht"},
    ):
        payload = await _complete(api, anna, activity, **again)
        assert payload["activity"] is None
        assert [e["code"] for e in payload["errors"]] == ["INVALID_STATE"]

    after = await _activity(api, anna, activity)
    assert (after["status"], after["durationMinutes"]) == ("DONE", 30)
    assert "Doch nicht" not in after["description"]


async def test_completion_appends_the_note_and_may_correct_duration_and_start(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    activity = await _logged(api, anna, shop, description="Angebot besprechen",
                             startsAt=_at(days=1).isoformat())  # fmt: skip
    actual_start = _at(hours=-3)

    payload = await _complete(api, anna, activity, status="DONE", durationMinutes=45,
                              startsAt=actual_start.isoformat(),
                              note="Kunde wünscht ein Muster")  # fmt: skip
    assert payload["errors"] == []
    assert (payload["activity"]["status"], payload["activity"]["durationMinutes"]) == ("DONE", 45)

    after = await _activity(api, anna, activity)
    assert after["description"].startswith("Angebot besprechen")
    assert after["description"].endswith("Kunde wünscht ein Muster")
    assert _when(after["startsAt"]) == actual_start
    assert after["durationMinutes"] == 45

    bare = await _logged(api, anna, shop, subject="Ohne Beschreibung")
    done = await _complete(api, anna, bare, status="NOT_DONE", note="Nicht erreicht")
    assert done["errors"] == []
    assert (await _activity(api, anna, bare))["description"] == "Nicht erreicht"


async def test_a_done_completion_needs_a_valid_duration(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    activity = await _logged(api, anna, shop, reminder=True)
    for fields, expected in (
        ({}, {("durationMinutes", "REQUIRED")}),
        ({"durationMinutes": -10}, {("durationMinutes", "INVALID")}),
    ):
        payload = await _complete(api, anna, activity, status="DONE", note="Erledigt", **fields)
        assert (payload["activity"], _errors(payload)) == (None, expected)
    after = await _activity(api, anna, activity)
    assert (after["status"], after["description"]) == ("PLANNED", "")
    assert len(after["reminders"]) == 1


async def test_a_measure_is_done_only_once_a_campaign_is_set(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    campaign = await _campaign(api, anna, "Frühjahrsaktion")
    measure = await _logged(api, anna, shop, kind="MEASURE", subject="Flyer verteilen")

    payload = await _complete(api, anna, measure, status="DONE", durationMinutes=60)
    assert (payload["activity"], _errors(payload)) == (None, {("campaignId", "CAMPAIGN_REQUIRED")})
    assert (await _activity(api, anna, measure))["status"] == "PLANNED"

    payload = await _complete(api, anna, measure, status="DONE", durationMinutes=60,
                              campaignId=campaign)  # fmt: skip
    assert payload["errors"] == []
    after = await _activity(api, anna, measure)
    assert after["status"] == "DONE"
    assert after["campaign"] == {"name": "Frühjahrsaktion", "status": "ACTIVE"}
    [entry] = (await _detail(api, anna, shop))["activities"]["edges"]
    assert entry["node"]["campaign"] == {"id": campaign, "name": "Frühjahrsaktion"}

    # Logged as done straight away, a measure needs its campaign too.
    direct = await _log(api, anna, shop, kind="MEASURE", status="DONE", durationMinutes=20)
    assert (direct["activity"], _errors(direct)) == (None, {("campaignId", "CAMPAIGN_REQUIRED")})
    await _logged(api, anna, shop, kind="MEASURE", status="DONE", durationMinutes=20,
                  campaignId=campaign, subject="Plakat aufgehängt",
                  startsAt=_at(days=-1).isoformat())  # fmt: skip
    assert await _history(api, anna, shop) == ["Flyer verteilen", "Plakat aufgehängt"]


async def test_staff_cannot_complete_an_activity_they_do_not_see(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    activity = await _logged(api, anna, shop, reminder=True)
    payload = await _complete(api, ben, activity, status="NOT_DONE", note="Fremd")
    assert (payload["activity"], _errors(payload)) == (None, {("id", "NOT_FOUND")})
    after = await _activity(api, anna, activity)
    assert (after["status"], after["description"], len(after["reminders"])) == ("PLANNED", "", 1)


# ---------------------------------------------------------------- documents


async def test_documents_are_linked_to_an_activity(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    activity = await _logged(api, anna, shop, status="DONE", durationMinutes=30)

    async def link(login, **fields):
        document = {"activityId": activity, "kind": "URL", "title": "Angebot", **fields}
        result = await api.op("LinkDocument", {"input": document}, login.token)
        return result["data"]["linkDocument"]

    first = await link(anna, kind="REPORT", title="Besuchsbericht KW 12",
                       url="https://dms.example.com/berichte/12")  # fmt: skip
    assert first["errors"] == []
    second = await link(anna, kind="URL", title="Angebot online", url="http://shop.example.com/a")
    assert second["errors"] == []
    third = await link(anna, kind="FILE", title="Lieferschein 4711",
                       url="ablage/lieferscheine/4711.pdf")  # fmt: skip
    assert third["errors"] == []
    expected = [
        {"kind": "REPORT", "title": "Besuchsbericht KW 12",
         "url": "https://dms.example.com/berichte/12"},
        {"kind": "URL", "title": "Angebot online", "url": "http://shop.example.com/a"},
        {"kind": "FILE", "title": "Lieferschein 4711", "url": "ablage/lieferscheine/4711.pdf"},
    ]  # fmt: skip
    listed = third["activity"]["documents"]
    assert [{k: d[k] for k in ("kind", "title", "url")} for d in listed] == expected
    assert len({d["id"] for d in listed}) == 3

    for login, fields, errors in (
        (anna, {"title": "  ", "url": "https://example.com"}, {("title", "REQUIRED")}),
        (anna, {"url": "ftp://files.example.com/angebot.pdf"}, {("url", "INVALID")}),
        (anna, {"url": "javascript:alert(1)"}, {("url", "INVALID")}),
        (ben, {"url": "https://example.com"}, {("activityId", "NOT_FOUND")}),
    ):
        payload = await link(login, **fields)
        assert (payload["activity"], _errors(payload)) == (None, errors)

    assert (await _activity(api, anna, activity))["documents"] == expected
    assert await ActivityDocument.all().count() == 3


async def test_a_blank_document_url_is_required_not_malformed(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    activity = await _logged(api, anna, shop)
    for kind in ("FILE", "URL"):
        document = {"activityId": activity, "kind": kind, "title": "Angebot", "url": "  "}
        result = await api.op("LinkDocument", {"input": document}, anna.token)
        payload = result["data"]["linkDocument"]
        assert (payload["activity"], _errors(payload)) == (None, {("url", "REQUIRED")}), kind
    assert (await _activity(api, anna, activity))["documents"] == []


# ---------------------------------------------------------------- campaigns


async def test_a_campaign_needs_a_name_and_a_sane_period(api, make):
    anna = await make.login(Role.STAFF)
    for fields, errors in (
        ({"name": " "}, {("name", "REQUIRED")}),
        ({"name": "Sommer", "startsOn": "2026-06-30", "endsOn": "2026-06-01"},
         {("endsOn", "INVALID")}),
    ):  # fmt: skip
        result = await api.op("CreateCampaign", {"input": fields}, anna.token)
        payload = result["data"]["createCampaign"]
        assert (payload["campaign"], _errors(payload)) == (None, errors)
    assert await _campaigns(api, anna, include_archived=True) == []

    result = await api.op(
        "CreateCampaign",
        {"input": {"name": "Sommer", "startsOn": "2026-06-01", "endsOn": "2026-06-30"}},
        anna.token,
    )
    assert result["data"]["createCampaign"]["errors"] == []
    assert result["data"]["createCampaign"]["campaign"]["status"] == "ACTIVE"
    [listed] = await _campaigns(api, anna)
    assert listed | {"id": None} == {
        "id": None,
        "name": "Sommer",
        "status": "ACTIVE",
        "startsOn": "2026-06-01",
        "endsOn": "2026-06-30",
        "memberCount": 0,
    }


async def test_members_carry_a_status_and_a_handler(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF, name="Ben Berger")
    mueller = await _address(api, anna, "Müller GmbH")
    schulz = await _address(api, anna, "Schulz KG")
    campaign = await _campaign(api, anna, "Frühjahrsaktion")

    payload = await _add_members(api, anna, campaign, [mueller], handlerId=_user_id(ben),
                                 status="INTERESTED")  # fmt: skip
    assert payload["errors"] == []
    assert payload["campaign"] == {"id": campaign, "memberCount": 1}
    payload = await _add_members(api, anna, campaign, [schulz])
    assert payload["campaign"]["memberCount"] == 2

    assert (await _detail(api, anna, mueller))["campaignMemberships"] == [
        {
            "status": "INTERESTED",
            "handler": {"id": _user_id(ben), "name": "Ben Berger"},
            "campaign": {"id": campaign, "name": "Frühjahrsaktion", "status": "ACTIVE"},
        }
    ]
    [plain] = (await _detail(api, anna, schulz))["campaignMemberships"]
    assert (plain["status"], plain["handler"]) == ("OPEN", None)
    # The handler is informative: Ben sees neither address.
    assert await _detail(api, ben, mueller) is None
    [listed] = await _campaigns(api, ben)
    assert listed["memberCount"] == 0


async def test_members_of_addresses_the_viewer_cannot_see_are_not_found(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    mine = await _address(api, anna, "Müller GmbH")
    theirs = await _address(api, ben, "Markt Ost")
    campaign = await _campaign(api, anna, "Frühjahrsaktion")
    payload = await _add_members(api, anna, campaign, [mine, theirs])
    assert (payload["campaign"], _errors(payload)) == (None, {("addressIds", "NOT_FOUND")})
    assert (await _detail(api, anna, mine))["campaignMemberships"] == []
    assert (await _detail(api, ben, theirs))["campaignMemberships"] == []


async def test_member_count_counts_only_addresses_the_viewer_sees(api, make):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    nord = await _shared_group(api, admin, "Nord", anna, ben)
    shared = await _address(api, anna, "Nordmarkt", accountGroupId=nord)
    private = await _address(api, anna, "Müller GmbH")
    campaign = await _campaign(api, anna, "Frühjahrsaktion")

    payload = await _add_members(api, anna, campaign, [shared, private])
    assert payload["campaign"]["memberCount"] == 2
    assert [c["memberCount"] for c in await _campaigns(api, anna)] == [2]
    assert [c["memberCount"] for c in await _campaigns(api, admin)] == [2]
    assert [c["memberCount"] for c in await _campaigns(api, ben)] == [1]


async def test_an_archived_campaign_stays_in_history_but_takes_nothing_new(api, make):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    other = await _address(api, anna, "Schulz KG")
    autumn = await _campaign(api, anna, "Herbstaktion")
    await _campaign(api, anna, "Winteraktion")
    assert (await _add_members(api, anna, autumn, [shop], status="CONTACTED"))["errors"] == []
    await _logged(api, anna, shop, status="DONE", durationMinutes=15, campaignId=autumn,
                  subject="Mailing verschickt", startsAt=_at(days=-3).isoformat())  # fmt: skip
    measure = await _logged(api, anna, shop, kind="MEASURE", subject="Aufsteller liefern",
                            startsAt=_at(days=-1).isoformat())  # fmt: skip

    archived = (await api.op("ArchiveCampaign", {"id": autumn}, anna.token))["data"]
    assert archived["archiveCampaign"]["errors"] == []
    assert archived["archiveCampaign"]["campaign"] == {"id": autumn, "status": "ARCHIVED"}

    assert [c["name"] for c in await _campaigns(api, anna)] == ["Winteraktion"]
    listed = {c["name"]: c for c in await _campaigns(api, anna, include_archived=True)}
    assert set(listed) == {"Herbstaktion", "Winteraktion"}
    assert (listed["Herbstaktion"]["status"], listed["Herbstaktion"]["memberCount"]) == (
        "ARCHIVED",
        1,
    )

    # It can no longer be chosen for an activity…
    payload = await _log(api, anna, shop, campaignId=autumn, subject="Nachfassen")
    assert (payload["activity"], _errors(payload)) == (None, {("campaignId", "CAMPAIGN_ARCHIVED")})
    payload = await _complete(api, anna, measure, status="DONE", durationMinutes=30,
                              campaignId=autumn)  # fmt: skip
    assert (payload["activity"], _errors(payload)) == (None, {("campaignId", "CAMPAIGN_ARCHIVED")})
    assert (await _activity(api, anna, measure))["status"] == "PLANNED"
    # …nor take members…
    payload = await _add_members(api, anna, autumn, [other], status="OPEN")
    assert (payload["campaign"], [e["code"] for e in payload["errors"]]) == (
        None,
        ["CAMPAIGN_ARCHIVED"],
    )
    assert (await _detail(api, anna, other))["campaignMemberships"] == []
    # …nor be edited or reactivated.
    result = await api.post(
        UPDATE_CAMPAIGN, {"input": {"id": autumn, "name": "Herbstaktion 2"}}, anna.token
    )
    payload = result["data"]["updateCampaign"]
    assert (payload["campaign"], [e["code"] for e in payload["errors"]]) == (
        None,
        ["CAMPAIGN_ARCHIVED"],
    )
    node = (await api.post(CAMPAIGN, {"id": autumn}, anna.token))["data"]["node"]
    assert (node["name"], node["status"]) == ("Herbstaktion", "ARCHIVED")

    # The history and the membership still show it.
    history = (await api.post(HISTORY, {"id": shop}, anna.token))["data"]["node"]
    entries = [edge["node"] for edge in history["activities"]["edges"]]
    assert [(e["subject"], e["campaign"]) for e in entries] == [
        ("Aufsteller liefern", None),
        ("Mailing verschickt", {"name": "Herbstaktion", "status": "ARCHIVED"}),
    ]
    assert history["campaignMemberships"] == [
        {"status": "CONTACTED", "handler": None,
         "campaign": {"name": "Herbstaktion", "status": "ARCHIVED"}},
    ]  # fmt: skip
    detail = await _detail(api, anna, shop)
    assert detail["activities"]["edges"][1]["node"]["campaign"] == {
        "id": autumn,
        "name": "Herbstaktion",
    }


async def test_an_active_campaign_can_be_edited(api, make):
    anna = await make.login(Role.STAFF)
    campaign = await _campaign(api, anna, "Sommer")
    result = await api.post(
        UPDATE_CAMPAIGN,
        {"input": {"id": campaign, "name": "Sommer", "startsOn": "2026-07-01",
                   "endsOn": "2026-06-01"}},
        anna.token,
    )  # fmt: skip
    payload = result["data"]["updateCampaign"]
    assert (payload["campaign"], _errors(payload)) == (None, {("endsOn", "INVALID")})
    result = await api.post(
        UPDATE_CAMPAIGN, {"input": {"id": campaign, "name": "Sommeraktion"}}, anna.token
    )
    assert result["data"]["updateCampaign"]["errors"] == []
    [listed] = await _campaigns(api, anna)
    assert (listed["name"], listed["status"], listed["endsOn"]) == ("Sommeraktion", "ACTIVE", None)


# ---------------------------------------------------------------- tags


async def test_tags_form_a_three_level_hierarchy_sorted_by_name(api, make):
    anna = await make.login(Role.STAFF)

    async def create(operation: str, field: str, token=anna.token, **variables):
        result = await api.op(operation, variables, token)
        return result["data"][field]

    groups = {}
    for name in ("Region", "Branche"):
        payload = await create("CreateTagGroup", "createTagGroup", name=name)
        assert payload["errors"] == []
        groups[name] = payload["tagGroup"]["id"]
    tags = {}
    for group, name in (("Branche", "Lebensmittel"), ("Branche", "Drogerie"), ("Region", "Nord")):
        payload = await create("CreateTag", "createTag", groupId=groups[group], name=name)
        assert payload["errors"] == []
        tags[name] = payload["tag"]["id"]
    subtags = {}
    for tag, name in (("Lebensmittel", "Vollsortiment"), ("Lebensmittel", "Discounter"),
                      ("Drogerie", "Discounter")):  # fmt: skip
        payload = await create("CreateSubtag", "createSubtag", tagId=tags[tag], name=name)
        assert payload["errors"] == [], "the same name under another parent is fine"
        subtags[tag, name] = payload["subtag"]["id"]

    # Duplicates within one parent, and unknown parents.
    for operation, field, variables, errors in (
        ("CreateTagGroup", "createTagGroup", {"name": "Branche"}, {("name", "DUPLICATE")}),
        ("CreateTagGroup", "createTagGroup", {"name": " "}, {("name", "REQUIRED")}),
        ("CreateTag", "createTag", {"groupId": groups["Branche"], "name": "Drogerie"},
         {("name", "DUPLICATE")}),
        ("CreateTag", "createTag", {"groupId": _gid("TagGroup", 999_999), "name": "Neu"},
         {("groupId", "NOT_FOUND")}),
        ("CreateSubtag", "createSubtag", {"tagId": tags["Lebensmittel"], "name": "Discounter"},
         {("name", "DUPLICATE")}),
        ("CreateSubtag", "createSubtag", {"tagId": _gid("Tag", 999_999), "name": "Neu"},
         {("tagId", "NOT_FOUND")}),
    ):  # fmt: skip
        payload = await create(operation, field, **variables)
        assert _errors(payload) == errors, (operation, variables)

    # A tag of the same name in another group is fine.
    payload = await create("CreateTag", "createTag", groupId=groups["Region"], name="Drogerie")
    assert payload["errors"] == []

    result = await api.op("Tags", token=anna.token)
    assert result["data"]["tagGroups"] == [
        {"id": groups["Branche"], "name": "Branche", "tags": [
            {"id": tags["Drogerie"], "name": "Drogerie", "subtags": [
                {"id": subtags["Drogerie", "Discounter"], "name": "Discounter"},
            ]},
            {"id": tags["Lebensmittel"], "name": "Lebensmittel", "subtags": [
                {"id": subtags["Lebensmittel", "Discounter"], "name": "Discounter"},
                {"id": subtags["Lebensmittel", "Vollsortiment"], "name": "Vollsortiment"},
            ]},
        ]},
        {"id": groups["Region"], "name": "Region", "tags": [
            {"id": payload["tag"]["id"], "name": "Drogerie", "subtags": []},
            {"id": tags["Nord"], "name": "Nord", "subtags": []},
        ]},
    ]  # fmt: skip

    # An activity is classified with a subtag.
    shop = await _address(api, anna, "Müller GmbH")
    discounter = subtags["Lebensmittel", "Discounter"]
    await _logged(api, anna, shop, subtagId=discounter, subject="Listungsgespräch")
    [entry] = (await _detail(api, anna, shop))["activities"]["edges"]
    assert entry["node"]["subtag"] == {"id": discounter, "name": "Discounter"}


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.PROMOTER])
async def test_customers_and_promoters_cannot_touch_the_crm_history(api, make, role):
    anna = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Müller GmbH")
    campaign = await _campaign(api, anna, "Frühjahrsaktion")
    activity = await _logged(api, anna, shop, reminder=True)
    outsider = await make.login(role)

    attempts = [
        ("LogActivity", {"input": _input(shop)}),
        ("CompleteActivity", {"input": {"id": activity, "status": "NOT_DONE"}}),
        ("LinkDocument", {"input": {"activityId": activity, "kind": "URL", "title": "x",
                                    "url": "https://example.com"}}),
        ("Campaigns", {}),
        ("CreateCampaign", {"input": {"name": "Fremdaktion"}}),
        ("AddCampaignMembers", {"input": {"campaignId": campaign, "addressIds": [shop]}}),
        ("ArchiveCampaign", {"id": campaign}),
        ("CreateTagGroup", {"name": "Fremd"}),
        ("Tags", {}),
    ]  # fmt: skip
    for operation, variables in attempts:
        result = await api.op(operation, variables, outsider.token)
        assert error_codes(result) == ["FORBIDDEN"], operation

    assert await _history(api, anna, shop) == ["Rückruf wegen Angebot"]
    after = await _activity(api, anna, activity)
    assert (after["status"], after["documents"], len(after["reminders"])) == ("PLANNED", [], 1)
    [listed] = await _campaigns(api, anna, include_archived=True)
    assert (listed["name"], listed["status"], listed["memberCount"]) == (
        "Frühjahrsaktion",
        "ACTIVE",
        0,
    )
    assert await Campaign.all().count() == 1
    assert (await api.op("Tags", token=anna.token))["data"]["tagGroups"] == []
