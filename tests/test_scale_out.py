"""Scale-out on PostgreSQL: two API processes and two mail workers on one database.

The manual's workflow runs through both API processes at once: customers request
appointments, the agency approves them from both processes at the same moment, and books
two promoters racing for each one. Every decision is taken once, every mail goes out once,
and both processes answer the same.
"""

import asyncio
import os
import subprocess
import sys
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from db.models.accounts import Role
from db.models.notifications import MailStatus, OutboxMail
from tests.factories import PASSWORD
from tests.graphql_client import error_codes, operations
from tests.smtp_server import free_port

REPO = Path(__file__).parents[1]
APPOINTMENTS = 8


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if db.name != "postgres":
        pytest.skip("several processes share one database on PostgreSQL")


def _environment(db, smtp) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db.url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "MAIL_FROM": "planung@agentur.example.com",
        "OUTBOX_WORKER_IN_PROCESS": "false",
        "OUTBOX_POLL_SECONDS": "0.05",
        "PROMOPLAN_RATE_LIMIT_PER_MINUTE": "100000",
    }


def _start(arguments: list[str], environment: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "api", *arguments],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _ready(http: httpx.AsyncClient) -> None:
    for _ in range(300):
        try:
            if (await http.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{http.base_url} did not become ready")


class Process:
    """One API process, spoken to over HTTP."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def op(self, name: str, variables: dict, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = {"query": operations()[name], "variables": variables}
        response = await self.http.post("/graphql", json=body, headers=headers)
        assert response.status_code == 200, response.text
        result = response.json()
        assert "INTERNAL_SERVER_ERROR" not in error_codes(result), result
        return result

    async def ok(self, name: str, variables: dict, token: str | None = None) -> dict:
        result = await self.op(name, variables, token)
        [payload] = result["data"].values()
        assert payload["errors"] == [], payload
        return payload


def _day(offset: int, hour: int) -> str:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=offset)
    return start.replace(hour=hour).isoformat()


async def _world(a: Process, make) -> dict:
    admin = await make.login(Role.ADMIN)
    planner = await make.login(Role.STAFF, name="Paula Planer")

    async def address(kind: str, name: str) -> str:
        new = {"input": {"kind": kind, "name": name, "city": "Berlin"}}
        return (await a.ok("CreateAddress", new, admin.token))["address"]["id"]

    customer, store = await address("COMPANY", "Müller GmbH"), await address("STORE", "Edeka")
    responsible = (await a.op("Viewer", {}, planner.token))["data"]["viewer"]["id"]
    project = await a.ok(
        "CreateProject",
        {"input": {"customerId": customer, "name": "Sommer", "startsOn": _day(1, 0)[:10],
                   "endsOn": _day(60, 0)[:10],
                   "responsibleId": responsible}},
        admin.token,
    )  # fmt: skip
    project_id = project["project"]["id"]
    location = await a.ok("AddLocation", {"input": {"projectId": project_id, "storeId": store}},
                          admin.token)  # fmt: skip
    contact = await a.ok(
        "CreateContactPerson",
        {"input": {"addressId": customer, "firstName": "Maria", "lastName": "Kunz",
                   "email": "maria@kunde.example.com"}},
        admin.token,
    )  # fmt: skip
    contact_id = contact["contactPerson"]["id"]
    await a.ok("EnablePortalAccess", {"input": {"contactPersonId": contact_id,
                                                 "password": PASSWORD}}, admin.token)  # fmt: skip
    await a.ok("AssignProjectContact", {"projectId": project_id, "contactPersonId": contact_id},
               admin.token)  # fmt: skip
    promoters = []
    for name in ("Lena", "Tom"):
        created = await a.ok(
            "CreatePromoter",
            {"input": {"name": name, "email": f"{name.lower()}@promo.example.com"}},
            admin.token,
        )
        promoters.append(created["promoter"]["id"])
    return {
        "admin": admin.token,
        "project": project_id,
        "location": location["location"]["id"],
        "promoters": promoters,
    }


async def test_two_api_processes_and_two_mail_workers_share_one_database(db, make, smtp):
    environment = _environment(db, smtp)
    ports = [free_port(), free_port()]
    processes = [_start(["serve", "--port", str(p)], environment) for p in ports]
    processes += [_start(["worker"], environment) for _ in range(2)]
    try:
        async with AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(
                    httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
                )
                for port in ports
            ]
            for client in clients:
                await _ready(client)
            a, b = (Process(client) for client in clients)
            await _run_the_workflow(a, b, make, smtp)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


async def _run_the_workflow(a: Process, b: Process, make, smtp) -> None:
    world = await _world(a, make)
    login = {"email": "maria@kunde.example.com", "password": PASSWORD}
    customer = (await b.ok("CustomerLogin", login))["token"]

    # The customer asks for appointments through both processes.
    requests = [
        (a, b)[i % 2].ok(
            "RequestAppointment",
            {
                "input": {
                    "locationId": world["location"],
                    "startsAt": _day(3 + i, 9),
                    "endsAt": _day(3 + i, 13),
                    "promotersNeeded": 1,
                }
            },
            customer,
        )
        for i in range(APPOINTMENTS)
    ]
    appointments = [p["appointment"]["id"] for p in await asyncio.gather(*requests)]

    # Both processes approve each appointment at the same moment: one decision wins.
    decisions = await asyncio.gather(
        *(
            p.op("ApproveAppointment", {"id": i}, world["admin"])
            for i in appointments
            for p in (a, b)
        )
    )
    outcomes = Counter(
        "won" if d["data"]["approveAppointment"]["errors"] == [] else
        d["data"]["approveAppointment"]["errors"][0]["code"]
        for d in decisions
    )  # fmt: skip
    assert outcomes == {"won": APPOINTMENTS, "INVALID_STATE": APPOINTMENTS}

    # Two promoters race for each appointment, each through another process.
    first, second = world["promoters"]
    bookings = await asyncio.gather(
        *(
            p.op("BookPromoter", {"appointmentId": i, "promoterId": promoter}, world["admin"])
            for i in appointments
            for p, promoter in ((a, first), (b, second))
        )
    )
    booked = [d for d in bookings if d["data"]["bookPromoter"]["errors"] == []]
    assert len(booked) == APPOINTMENTS

    # Requested, approved and booked: three mails an appointment, each sent once.
    expected = 3 * APPOINTMENTS
    await smtp.mailbox.wait_for(expected, timeout=60)
    while await OutboxMail.exclude(status=MailStatus.SENT).exists():
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    ids = smtp.mailbox.message_ids()
    assert len(ids) == expected == len(set(ids))
    assert await OutboxMail.filter(status=MailStatus.SENT).count() == expected

    # Both processes read the same.
    listing = {"projectId": world["project"], "first": 50}
    seen_by_a = await a.op("Appointments", listing, world["admin"])
    seen_by_b = await b.op("Appointments", listing, world["admin"])
    assert seen_by_a == seen_by_b
    statuses = [e["node"]["status"] for e in seen_by_a["data"]["appointments"]["edges"]]
    assert statuses == ["CONFIRMED"] * APPOINTMENTS
