"""Faults under load (`make test-faults`; CI leaves them out): the database going away and
coming back, SIGTERM while requests are in flight, and the mail server down for a minute."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest
from strawberry.relay import to_base64

from api.notifications.worker import OutboxWorker
from db.models.accounts import Role
from db.models.crm import Address, AddressSearchTerm
from db.models.notifications import MailStatus, OutboxMail
from tests.conftest import Backend
from tests.factories import Login
from tests.graphql_client import GraphQLClient, error_codes, serving
from tests.smtp_server import free_port

pytestmark = pytest.mark.faults

REPO = Path(__file__).parents[1]
CREATE = """
mutation($name: String!) {
  createAddress(input: {kind: COMPANY, name: $name}) { address { id } errors { code } }
}"""
VIEWER = "{ viewer { id } }"


def _server_url() -> str:
    return os.environ["TEST_POSTGRES_URL"].replace("postgres://", "postgresql://", 1)


async def _set_reachable(database: str, reachable: bool) -> None:
    admin = await asyncpg.connect(_server_url())
    try:
        await admin.execute(
            f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(reachable).lower()}'
        )
        if not reachable:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
    finally:
        await admin.close()


async def test_requests_fail_cleanly_while_the_database_is_down_and_work_after(db, make):
    if db.name != "postgres":
        pytest.skip("an embedded SQLite file does not go down")
    anna = await make.login(Role.STAFF)
    # Four clients as fast as the API answers: more than one user's budget per minute.
    async with serving(db.settings, rate_limit_per_minute=100_000) as api:
        await _load_through_an_outage(api, db, anna)


async def _load_through_an_outage(api: GraphQLClient, db: Backend, anna: Login) -> None:
    database = db.url.rsplit("/", 1)[1]
    answers: list[tuple[float, int, list[str]]] = []
    started = time.monotonic()

    async def client(number: int) -> None:
        sent = 0
        while time.monotonic() - started < 6:
            query, variables = (
                (CREATE, {"name": f"Laden {number}-{sent}"}) if sent % 2 else (VIEWER, {})
            )
            # Each request in a task of its own, as uvicorn runs them: the in-process
            # transport would otherwise run them all in this client's task and context,
            # where a transaction that ended with the connection broken leaves Tortoise's
            # context variable pointing at it (its __aexit__ skips the reset when the
            # release raises) and fails every later request of the client.
            response = await asyncio.create_task(
                api.http.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {anna.token}"},
                )
            )
            codes = (
                error_codes(response.json())
                if response.headers.get("content-type", "").startswith("application/json")
                else ["NOT_JSON"]
            )
            answers.append((time.monotonic() - started, response.status_code, codes))
            sent += 1
            await asyncio.sleep(0.01)

    async def outage() -> None:
        await asyncio.sleep(1)
        await _set_reachable(database, False)
        await asyncio.sleep(2)
        await _set_reachable(database, True)

    try:
        await asyncio.gather(outage(), *(client(n) for n in range(4)))
    finally:
        await _set_reachable(database, True)

    during = [a for a in answers if 1.2 < a[0] < 3]
    after = [a for a in answers if a[0] > 4.5]
    assert during and after
    assert all(codes in ([], ["SERVICE_UNAVAILABLE"]) for _, _, codes in answers), {
        tuple(codes) for _, _, codes in answers
    }
    assert any(codes == ["SERVICE_UNAVAILABLE"] for _, _, codes in during)
    assert all(codes == [] and status == 200 for _, status, codes in after)


async def test_sigterm_lets_requests_in_flight_finish_and_leaves_nothing_half_written(db, make):
    anna = await make.login(Role.STAFF)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": db.url, "OUTBOX_WORKER_IN_PROCESS": "false",
             "PROMOPLAN_RATE_LIMIT_PER_MINUTE": "100000"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    succeeded = 0
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the server did not become ready")

            async def create(number: int) -> bool:
                try:
                    response = await http.post(
                        "/graphql",
                        json={"query": CREATE, "variables": {"name": f"Markt {number}"}},
                        headers={"Authorization": f"Bearer {anna.token}"},
                    )
                except httpx.ConnectError:
                    return False  # refused: the server had stopped accepting
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # An idle keep-alive connection the shutdown closed just as the request
                    # went out: never read (the count below fails if it ran after all).
                    return False
                payload = response.json()["data"]["createAddress"]
                return payload["errors"] == []

            async def terminate() -> None:
                await asyncio.sleep(0.3)
                server.send_signal(signal.SIGTERM)

            results = await asyncio.gather(
                terminate(), *(create(n) for n in range(200)), return_exceptions=True
            )
            outcomes = results[1:]
            # Every request either ran to its answer or was never read: none was cut off.
            assert all(isinstance(r, bool) for r in outcomes), outcomes
            succeeded = sum(outcomes)
    finally:
        # uvicorn shuts down gracefully, then re-raises the signal for the parent to see.
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)
    assert 0 < succeeded < 200, "SIGTERM came while requests were in flight"
    assert await Address.all().count() == succeeded, "every answered change is there"
    indexed = await AddressSearchTerm.all().distinct().values_list("address_id", flat=True)
    assert len(set(indexed)) == succeeded, "no address without its search terms"


async def test_a_minute_without_the_mail_server_loses_no_mail(api, db, make, smtp, mail_settings):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    worker = OutboxWorker(mail_settings.model_copy(update={"outbox_retry_max_seconds": 5}))
    delivery = asyncio.create_task(worker.run())
    smtp.stop()
    assigned = 0
    try:
        down_until = time.monotonic() + 60
        while time.monotonic() < down_until:
            task = {"title": f"Rückruf {assigned}", "assigneeId": to_base64("User", ben.user.id),
                    "dueBy": "2036-01-05T10:00:00+00:00"}  # fmt: skip
            result = await api.op("CreateTask", {"input": task}, anna.token)
            assert result["data"]["createTask"]["errors"] == [], result
            assigned += 1
            await asyncio.sleep(2)
        assert smtp.mailbox.messages == []
        assert await OutboxMail.filter(attempts__gt=1).exists(), "delivery was retried"
        smtp.start()
        await smtp.mailbox.wait_for(assigned, timeout=60)
        await asyncio.sleep(1)
    finally:
        worker.stop()
        await delivery
    ids = smtp.mailbox.message_ids()
    assert len(ids) == assigned == len(set(ids)), "every mail once"
    assert await OutboxMail.filter(status=MailStatus.SENT).count() == assigned
