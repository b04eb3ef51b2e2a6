"""Tasks for a user or a team pool: creating (and the mail it causes), claiming, completing,
the viewer's task lists; and each user's private iCalendar feed of their tasks."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar, Component
from strawberry.relay import from_base64, to_base64

from api.notifications.worker import OutboxWorker
from db.models.accounts import Role, User
from db.models.notifications import OutboxMail
from db.models.tasks import Task
from tests.factories import Login

REGENERATE = """
mutation {
  regenerateCalendarFeedUrl {
    calendarFeedUrl
    errors { field code message }
  }
}"""
TASK = """
query($id: ID!) {
  node(id: $id) {
    ... on Task { id title status completedAt assignee { id } team { id } }
  }
}"""
BASE_URL = "https://promoplan.example.com"


# ---------------------------------------------------------------- helpers


def _gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def _user_id(login: Login) -> str:
    return _gid("User", login.user.id)


def _pk(global_id: str) -> int:
    return int(from_base64(global_id)[1])


def _at(**delta: float) -> datetime:
    """A moment relative to now, on a whole second."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


def _offset(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _errors(payload: dict) -> set[tuple[str | None, str]]:
    return {(e["field"], e["code"]) for e in payload["errors"]}


async def _team(api, admin: Login, name: str, *members: Login) -> str:
    result = await api.op(
        "CreateTeam",
        {"input": {"name": name, "memberIds": [_user_id(m) for m in members]}},
        admin.token,
    )
    payload = result["data"]["createTeam"]
    assert payload["errors"] == [], payload
    return payload["team"]["id"]


async def _create(api, login: Login, **fields) -> dict:
    """createTask with a title; give the assignee/team and due fields."""
    result = await api.op("CreateTask", {"input": {"title": "Angebot nachfassen", **fields}},
                          login.token)  # fmt: skip
    assert "errors" not in result, result
    return result["data"]["createTask"]


async def _task(api, login: Login, **fields) -> dict:
    payload = await _create(api, login, **fields)
    assert payload["errors"] == [], payload
    return payload["task"]


async def _pooled(api, creator: Login, team_id: str, title: str, **due: datetime) -> dict:
    """A task in a team's pool (due_by= or due_on=)."""
    [(kind, when)] = due.items()
    field = {"due_by": "dueBy", "due_on": "dueOn"}[kind]
    return await _task(api, creator, teamId=team_id, title=title, **{field: when.isoformat()})


async def _claim(api, login: Login, task_id: str) -> dict:
    result = await api.op("ClaimTask", {"id": task_id}, login.token)
    assert "errors" not in result, result
    return result["data"]["claimTask"]


async def _complete(api, login: Login, task_id: str) -> dict:
    result = await api.op("CompleteTask", {"id": task_id}, login.token)
    assert "errors" not in result, result
    return result["data"]["completeTask"]


async def _my_tasks(api, login: Login, status: str | None = "OPEN") -> dict:
    result = await api.op("MyTasks", {"status": status}, login.token)
    assert "errors" not in result, result
    return result["data"]["viewer"]


async def _titles(api, login: Login, status: str | None = "OPEN") -> list[str]:
    viewer = await _my_tasks(api, login, status)
    return [edge["node"]["title"] for edge in viewer["tasks"]["edges"]]


async def _pool(api, login: Login, team_id: str) -> list[str]:
    """The titles in a team's pool of open, unclaimed tasks, as a member sees it."""
    [team] = [t for t in (await _my_tasks(api, login))["teams"] if t["id"] == team_id]
    return [edge["node"]["title"] for edge in team["openTasks"]["edges"]]


async def _feed_url(api, login: Login) -> str:
    result = await api.op("Viewer", token=login.token)
    assert "errors" not in result, result
    url = result["data"]["viewer"]["calendarFeedUrl"]
    assert url is not None
    return url


async def _get_feed(api, url: str):
    """GET a feed URL as a calendar app would: no Authorization header."""
    return await api.http.get(urlsplit(url).path)


async def _calendar(api, url: str) -> Calendar:
    response = await _get_feed(api, url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _by_summary(calendar: Calendar) -> dict[str, Component]:
    return {str(c["SUMMARY"]): c for c in calendar.walk() if c.name in ("VTODO", "VEVENT")}


async def _deliver_all(mail_settings) -> None:
    worker = OutboxWorker(mail_settings)
    while await worker.run_once():
        pass


# ---------------------------------------------------------------- creating tasks


@pytest.mark.parametrize(
    ("who", "due", "expected"),
    [
        ("nobody", "by", {("assigneeId", "INVALID")}),
        ("both", "by", {("assigneeId", "INVALID")}),
        ("user", "neither", {("dueBy", "INVALID")}),
        ("team", "both", {("dueBy", "INVALID")}),
        ("both", "neither", {("assigneeId", "INVALID"), ("dueBy", "INVALID")}),
        ("nobody", "both", {("assigneeId", "INVALID"), ("dueBy", "INVALID")}),
    ],
)
async def test_a_task_needs_exactly_one_assignee_and_exactly_one_due(api, make, who, due, expected):
    admin = await make.login(Role.ADMIN)
    ben = await make.login(Role.STAFF)
    team = await _team(api, admin, "Innendienst", ben)
    fields: dict = {}
    if who in ("user", "both"):
        fields["assigneeId"] = _user_id(ben)
    if who in ("team", "both"):
        fields["teamId"] = team
    if due in ("by", "both"):
        fields["dueBy"] = _at(days=2).isoformat()
    if due == "both":
        fields["dueOn"] = _at(days=3).isoformat()

    payload = await _create(api, admin, **fields)

    assert payload["task"] is None
    assert _errors(payload) == expected
    assert await Task.all().count() == 0
    assert await OutboxMail.all().count() == 0, "a rejected task mails nobody"
    assert await _titles(api, ben, None) == []
    assert await _pool(api, ben, team) == []


async def test_bad_assignees_and_titles_name_the_field(api, make):
    admin = await make.login(Role.ADMIN)
    promoter = await make.login(Role.PROMOTER)
    due = {"dueBy": _at(days=1).isoformat()}
    cases = [
        ({"assigneeId": _user_id(promoter)}, {("assigneeId", "NOT_FOUND")}),
        ({"assigneeId": _gid("User", 999_999)}, {("assigneeId", "NOT_FOUND")}),
        ({"teamId": _gid("Team", 999_999)}, {("teamId", "NOT_FOUND")}),
        ({"teamId": "garbage"}, {("teamId", "NOT_FOUND")}),
        ({"assigneeId": _user_id(admin), "title": "   "}, {("title", "REQUIRED")}),
    ]
    for fields, expected in cases:
        payload = await _create(api, admin, **due, **fields)
        assert (payload["task"], _errors(payload)) == (None, expected), fields
    assert await Task.all().count() == 0


async def test_a_task_is_due_by_a_deadline_or_due_on_a_date_and_time(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    # Given with a non-UTC offset: the same instant comes back.
    deadline = datetime(2031, 3, 14, 17, 30, tzinfo=UTC)
    meeting = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)
    todo = await _task(api, anna, assigneeId=_user_id(ben), title="Angebot schicken",
                       dueBy=deadline.astimezone(_offset(2)).isoformat())  # fmt: skip
    appointment = await _task(api, anna, assigneeId=_user_id(ben), title="Kundentermin",
                              dueOn=meeting.astimezone(_offset(-5)).isoformat())  # fmt: skip

    assert todo["status"] == "OPEN"
    assert todo["assignee"] == {"id": _user_id(ben)} and todo["team"] is None
    assert (_when(todo["dueBy"]), todo["dueOn"]) == (deadline, None)
    assert (appointment["dueBy"], _when(appointment["dueOn"])) == (None, meeting)
    # Ben's list: soonest due first, whichever of the two it is due by.
    assert await _titles(api, ben) == ["Kundentermin", "Angebot schicken"]
    assert await _titles(api, anna) == [], "the creator is not the assignee"


# ---------------------------------------------------------------- mail on assignment


async def test_assigning_to_a_user_mails_that_user(api, make, mail_settings, smtp):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    await _task(api, anna, assigneeId=_user_id(ben), title="Preisliste Müller prüfen",
                dueBy=_at(days=2).isoformat())  # fmt: skip

    await _deliver_all(mail_settings)

    [message] = smtp.mailbox.messages
    assert message["To"] == ben.user.email
    assert "Preisliste Müller prüfen" in message["Subject"]
    assert "Preisliste Müller prüfen" in message.get_body(("plain",)).get_content()


async def test_a_task_for_a_team_lands_in_its_pool(api, make):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    team = await _team(api, admin, "Innendienst", ben)
    task = await _task(api, anna, teamId=team, title="Katalog versenden",
                       dueBy=_at(days=2).isoformat())  # fmt: skip
    assert (task["status"], task["assignee"], task["team"]) == ("OPEN", None, {"id": team})
    assert await _pool(api, ben, team) == ["Katalog versenden"]
    assert await _titles(api, ben) == []
    assert (await _claim(api, ben, task["id"]))["errors"] == []


async def test_assigning_to_a_team_mails_every_member(api, make, mail_settings, smtp):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    carl = await make.login(Role.STAFF)
    outsider = await make.login(Role.STAFF)
    team = await _team(api, admin, "Innendienst", ben, carl, admin)
    await _team(api, admin, "Außendienst", outsider)

    task = await _task(api, anna, teamId=team, title="Messestand planen",
                       dueOn=_at(days=5).isoformat())  # fmt: skip
    assert (task["assignee"], task["team"]) == (None, {"id": team})

    await _deliver_all(mail_settings)

    messages = smtp.mailbox.messages
    assert sorted(m["To"] for m in messages) == sorted(
        login.user.email for login in (ben, carl, admin)
    ), "every member once; neither the creator nor another team"
    for message in messages:
        assert "Messestand planen" in message["Subject"]
        assert "Innendienst" in message.get_body(("plain",)).get_content()


# ---------------------------------------------------------------- claiming and completing


async def test_only_a_member_claims_an_unclaimed_team_task(api, make):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)  # hands the task out, not a member
    ben = await make.login(Role.STAFF)
    carl = await make.login(Role.STAFF)
    dora = await make.login(Role.STAFF)  # in another team
    team = await _team(api, admin, "Innendienst", ben, carl)
    await _team(api, admin, "Außendienst", dora)
    task = await _pooled(api, anna, team, "Rückruf Schulz KG", due_by=_at(days=1))
    task_id = task["id"]

    assert await _pool(api, ben, team) == ["Rückruf Schulz KG"]
    assert await _pool(api, carl, team) == ["Rückruf Schulz KG"]
    assert await _titles(api, ben) == [], "an unclaimed task is nobody's yet"

    # Dora does not even see another team's task; anna and the admin see it but are
    # not members.
    refused = await _claim(api, dora, task_id)
    assert (refused["task"], _errors(refused)) == (None, {("id", "NOT_FOUND")})
    for outsider in (anna, admin):
        refused = await _claim(api, outsider, task_id)
        assert (refused["task"], _errors(refused)) == (None, {("id", "FORBIDDEN")})
    assert await _pool(api, ben, team) == ["Rückruf Schulz KG"]

    claimed = await _claim(api, ben, task_id)
    assert claimed["errors"] == []
    assert claimed["task"]["assignee"] == {"id": _user_id(ben), "name": ben.user.name}

    node = (await api.post(TASK, {"id": task_id}, carl.token))["data"]["node"]
    assert node["assignee"] == {"id": _user_id(ben)} and node["team"] == {"id": team}
    assert await _pool(api, carl, team) == []
    assert await _pool(api, ben, team) == []
    assert await _titles(api, ben) == ["Rückruf Schulz KG"]
    assert await _titles(api, carl) == []

    # Once claimed, nobody claims it again: not another member, not the claimer.
    for member in (carl, ben):
        again = await _claim(api, member, task_id)
        assert (again["task"], _errors(again)) == (None, {("id", "INVALID_STATE")})
    assert (await Task.get(id=_pk(task_id))).assignee_id == ben.user.id


async def test_a_task_assigned_to_a_user_cannot_be_claimed(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    task = await _task(api, anna, assigneeId=_user_id(anna), dueBy=_at(days=1).isoformat())
    refused = await _claim(api, anna, task["id"])
    assert (refused["task"], _errors(refused)) == (None, {("id", "INVALID_STATE")})
    hidden = await _claim(api, ben, task["id"])
    assert (hidden["task"], _errors(hidden)) == (None, {("id", "NOT_FOUND")})
    garbage = await _claim(api, anna, "garbage")
    assert (garbage["task"], _errors(garbage)) == (None, {("id", "NOT_FOUND")})


async def test_completing_moves_a_task_from_open_to_done(api, make):
    admin = await make.login(Role.ADMIN)
    ben = await make.login(Role.STAFF)
    carl = await make.login(Role.STAFF)
    team = await _team(api, admin, "Innendienst", ben, carl)
    mine = await _pooled(api, admin, team, "Team-Aufgabe", due_by=_at(days=3))
    await _task(api, admin, assigneeId=_user_id(ben), title="Direkt an Ben",
                dueOn=_at(days=1).isoformat())  # fmt: skip
    assert (await _claim(api, ben, mine["id"]))["errors"] == []
    assert await _titles(api, ben) == ["Direkt an Ben", "Team-Aufgabe"]

    # A fellow member sees the claimed task but may not complete it.
    refused = await _complete(api, carl, mine["id"])
    assert (refused["task"], _errors(refused)) == (None, {("id", "FORBIDDEN")})

    before = datetime.now(UTC)
    done = await _complete(api, ben, mine["id"])
    assert done["errors"] == []
    assert done["task"]["status"] == "DONE"
    assert before - timedelta(seconds=1) <= _when(done["task"]["completedAt"]) <= datetime.now(UTC)

    assert await _titles(api, ben) == ["Direkt an Ben"]
    assert await _titles(api, ben, "DONE") == ["Team-Aufgabe"]
    assert sorted(await _titles(api, ben, None)) == ["Direkt an Ben", "Team-Aufgabe"]
    assert await _titles(api, carl, "DONE") == []

    again = await _complete(api, ben, mine["id"])
    assert (again["task"], _errors(again)) == (None, {("id", "INVALID_STATE")})
    node = (await api.post(TASK, {"id": mine["id"]}, ben.token))["data"]["node"]
    assert (node["status"], node["completedAt"]) == ("DONE", done["task"]["completedAt"])


async def test_a_completed_team_task_leaves_the_pool_and_cannot_be_claimed(api, make):
    admin = await make.login(Role.ADMIN)
    ben = await make.login(Role.STAFF)
    carl = await make.login(Role.STAFF)
    team = await _team(api, admin, "Innendienst", ben, carl)
    task = await _pooled(api, admin, team, "Erledigt sich", due_by=_at(days=1))
    assert (await _complete(api, carl, task["id"]))["errors"] == []
    assert await _pool(api, ben, team) == []
    # Completing a pooled task takes it: it shows among the completer's done tasks.
    assert await _titles(api, carl, "DONE") == ["Erledigt sich"]
    refused = await _claim(api, ben, task["id"])
    assert (refused["task"], _errors(refused)) == (None, {("id", "INVALID_STATE")})


@pytest.mark.parametrize("claimers", [2, 10])
async def test_of_simultaneous_claims_exactly_one_wins(api, make, db, claimers):
    if db.name != "postgres":
        pytest.skip("concurrent transactions need PostgreSQL")
    admin = await make.login(Role.ADMIN)
    members = [await make.login(Role.STAFF) for _ in range(claimers)]
    team = await _team(api, admin, "Innendienst", *members)
    task = await _pooled(api, admin, team, "Wer zuerst kommt", due_by=_at(days=1))

    payloads = await asyncio.gather(*(_claim(api, m, task["id"]) for m in members))

    winners = [
        (member, p) for member, p in zip(members, payloads, strict=True) if p["errors"] == []
    ]
    assert len(winners) == 1, payloads
    [(winner, won)] = winners
    assert won["task"]["assignee"]["id"] == _user_id(winner)
    losers = [p for p in payloads if p["errors"]]
    assert len(losers) == claimers - 1
    for lost in losers:
        assert (lost["task"], _errors(lost)) == (None, {("id", "INVALID_STATE")})

    stored = await Task.get(id=_pk(task["id"]))
    assert stored.assignee_id == winner.user.id
    assert stored.sequence == 1, "claimed exactly once"
    assert await _titles(api, winner) == ["Wer zuerst kommt"]
    for member in members:
        if member is not winner:
            assert await _titles(api, member) == []
    assert await _pool(api, winner, team) == []


# ---------------------------------------------------------------- the calendar feed


async def test_the_feed_shows_to_dos_as_vtodo_and_appointments_as_vevent(api, make):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    team = await _team(api, admin, "Innendienst", anna, ben)
    deadline = _at(days=3)
    meeting = _at(days=5, hours=2)
    await _task(api, admin, assigneeId=_user_id(anna), title="Angebot schicken",
                description="Mit Staffelpreisen", dueBy=deadline.isoformat())  # fmt: skip
    await _task(api, admin, assigneeId=_user_id(anna), title="Kundentermin Müller",
                dueOn=meeting.isoformat())  # fmt: skip
    claimed = await _pooled(api, admin, team, "Aus dem Pool", due_on=_at(days=4))
    await _pooled(api, admin, team, "Noch im Pool", due_by=_at(days=2))
    assert (await _claim(api, anna, claimed["id"]))["errors"] == []

    url = await _feed_url(api, anna)
    assert url.startswith(f"{BASE_URL}/calendar/") and url.endswith(".ics")
    assert await _feed_url(api, anna) == url, "the URL stays the same until regenerated"

    calendar = await _calendar(api, url)
    assert str(calendar["PRODID"])
    assert str(calendar["VERSION"]) == "2.0"
    assert "REFRESH-INTERVAL" in calendar or "X-PUBLISHED-TTL" in calendar
    if "REFRESH-INTERVAL" in calendar:
        assert timedelta(0) < calendar["REFRESH-INTERVAL"].dt <= timedelta(days=1)

    components = _by_summary(calendar)
    assert set(components) == {"Angebot schicken", "Kundentermin Müller", "Aus dem Pool"}
    vtodo = components["Angebot schicken"]
    assert vtodo.name == "VTODO"
    assert vtodo["DUE"].dt == deadline
    assert str(vtodo["DESCRIPTION"]) == "Mit Staffelpreisen"
    assert str(vtodo["STATUS"]) == "NEEDS-ACTION"
    assert components["Aus dem Pool"].name == "VEVENT", "a claimed appointment is in the feed"
    vevent = components["Kundentermin Müller"]
    assert vevent.name == "VEVENT"
    assert vevent["DTSTART"].dt == meeting
    assert vevent["DTEND"].dt > meeting
    uids = [str(c["UID"]) for c in components.values()]
    assert len(set(uids)) == 3
    for component in components.values():
        assert isinstance(component["DTSTAMP"].dt, datetime)
        assert component["DTSTAMP"].dt.utcoffset() == timedelta(0)

    # The same task keeps its UID across fetches, so calendars update rather than duplicate.
    again = _by_summary(await _calendar(api, url))
    assert {str(c["UID"]) for c in again.values()} == set(uids)


async def test_completed_tasks_stay_in_the_feed_marked_done(api, make):
    anna = await make.login(Role.STAFF)
    todo = await _task(api, anna, assigneeId=_user_id(anna), title="Erledigter Anruf",
                       dueBy=_at(days=1).isoformat())  # fmt: skip
    appointment = await _task(api, anna, assigneeId=_user_id(anna), title="Vergangener Termin",
                              dueOn=_at(days=2).isoformat())  # fmt: skip
    url = await _feed_url(api, anna)
    before = _by_summary(await _calendar(api, url))

    done = await _complete(api, anna, todo["id"])
    assert done["errors"] == []
    assert (await _complete(api, anna, appointment["id"]))["errors"] == []

    after = _by_summary(await _calendar(api, url))
    assert set(after) == {"Erledigter Anruf", "Vergangener Termin"}
    vtodo = after["Erledigter Anruf"]
    assert str(vtodo["STATUS"]) == "COMPLETED"
    assert vtodo["COMPLETED"].dt == _when(done["task"]["completedAt"]).replace(microsecond=0)
    # The calendar is told the entry changed, and keeps the same UID.
    assert vtodo["UID"] == before["Erledigter Anruf"]["UID"]
    assert int(vtodo["SEQUENCE"]) > int(before["Erledigter Anruf"]["SEQUENCE"])
    # A done appointment stays in the calendar as the event it was.
    vevent = after["Vergangener Termin"]
    assert vevent.name == "VEVENT"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert int(vevent["SEQUENCE"]) > int(before["Vergangener Termin"]["SEQUENCE"])


async def test_regenerating_the_url_retires_the_old_one(api, make):
    anna = await make.login(Role.STAFF)
    await _task(api, anna, assigneeId=_user_id(anna), title="Geheim", dueBy=_at(days=1).isoformat())
    old = await _feed_url(api, anna)
    assert (await _get_feed(api, old)).status_code == 200

    result = await api.post(REGENERATE, token=anna.token)
    payload = result["data"]["regenerateCalendarFeedUrl"]
    assert payload["errors"] == []
    new = payload["calendarFeedUrl"]
    assert new != old and new.startswith(f"{BASE_URL}/calendar/")

    gone = await _get_feed(api, old)
    assert gone.status_code == 404
    assert "Geheim" not in gone.text
    assert set(_by_summary(await _calendar(api, new))) == {"Geheim"}
    assert await _feed_url(api, anna) == new


async def test_unknown_feed_tokens_are_not_found(api, make):
    anna = await make.login(Role.STAFF)
    await _task(api, anna, assigneeId=_user_id(anna), title="Geheim", dueBy=_at(days=1).isoformat())
    url = await _feed_url(api, anna)
    token = urlsplit(url).path.removeprefix("/calendar/").removesuffix(".ics")
    for path in (
        "/calendar/garbage.ics",
        f"/calendar/{token[:-1]}.ics",
        f"/calendar/{token.swapcase()}.ics",
    ):
        response = await api.http.get(path)
        assert response.status_code == 404, path
        assert "Geheim" not in response.text

    # A deactivated user's feed stops working too.
    await User.filter(id=anna.user.id).update(is_active=False)
    assert (await _get_feed(api, url)).status_code == 404


async def test_another_users_feed_never_shows_my_tasks(api, make):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    team = await _team(api, admin, "Innendienst", anna, ben)
    # Ben hands tasks to anna, and anna claims one of their team's.
    await _task(api, ben, assigneeId=_user_id(anna), title="Annas To-do",
                dueBy=_at(days=1).isoformat())  # fmt: skip
    await _task(api, ben, assigneeId=_user_id(anna), title="Annas Termin",
                dueOn=_at(days=2).isoformat())  # fmt: skip
    pooled = await _pooled(api, admin, team, "Annas Teamaufgabe", due_by=_at(days=3))
    assert (await _claim(api, anna, pooled["id"]))["errors"] == []
    await _task(api, admin, assigneeId=_user_id(ben), title="Bens Aufgabe",
                dueBy=_at(days=1).isoformat())  # fmt: skip

    annas = await _calendar(api, await _feed_url(api, anna))
    bens = await _calendar(api, await _feed_url(api, ben))
    admins = await _calendar(api, await _feed_url(api, admin))

    assert set(_by_summary(annas)) == {"Annas To-do", "Annas Termin", "Annas Teamaufgabe"}
    assert set(_by_summary(bens)) == {"Bens Aufgabe"}
    assert set(_by_summary(admins)) == set()
    anna_uids = {str(c["UID"]) for c in _by_summary(annas).values()}
    assert not anna_uids & {str(c["UID"]) for c in _by_summary(bens).values()}
    assert await _feed_url(api, anna) != await _feed_url(api, ben)
