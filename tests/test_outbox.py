"""Mail is written with the change that causes it and delivered once, whatever SMTP does."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise.transactions import in_transaction

from api.notifications.events import Event
from api.notifications.outbox import Attachment, Notification, enqueue
from api.notifications.worker import OutboxWorker
from db.models.accounts import Language, Role
from db.models.crm import Team
from db.models.notifications import MailStatus, OutboxMail
from tests.graphql_client import error_codes

REPO = Path(__file__).parents[1]
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def task_mail(key: str, recipient: str = "lena.koch@example.com", **extra) -> Notification:
    return Notification(
        event=Event.TASK_ASSIGNED,
        recipient=recipient,
        language=Language.DE,
        variables={
            "recipient_name": "Lena Koch",
            "title": "Rückruf Müller GmbH",
            "description": "Angebot besprechen",
            "team": None,
            "due_by": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
            "due_on": None,
            "address": "Müller GmbH",
            "link": "https://promoplan.example.com/tasks/1",
        },
        key=key,
        **extra,
    )


@contextlib.asynccontextmanager
async def running(worker: OutboxWorker):
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await task


async def _settle(worker: OutboxWorker, rounds: int = 3) -> None:
    for _ in range(rounds):
        await worker.run_once()


async def test_a_committed_change_sends_its_mail_once(mail_settings, smtp):
    async with in_transaction():
        team = await Team.create(name="Außendienst Nord")
        await enqueue(
            task_mail(
                f"team.{team.id}.task",
                attachments=[Attachment("termin.ics", "text/calendar", ICS)],
            )
        )
    worker = OutboxWorker(mail_settings)
    async with running(worker):
        await smtp.mailbox.wait_for(1)
    await _settle(worker)

    [message] = smtp.mailbox.messages
    assert message["To"] == "lena.koch@example.com"
    assert message["From"] == "planung@agentur.example.com"
    assert "Rückruf Müller GmbH" in message["Subject"]
    assert message["Message-ID"] == f"<team.{team.id}.task@agentur.example.com>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Rückruf Müller GmbH" in text and "<p" not in text
    assert "Rückruf Müller GmbH" in html and "<html" in html.lower()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "termin.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_payload(decode=True) == ICS
    row = await OutboxMail.get(idempotency_key=f"team.{team.id}.task")
    assert (row.status, row.attempts, row.last_error) == (MailStatus.SENT, 1, None)
    assert row.sent_at is not None


async def test_a_rolled_back_change_sends_nothing(mail_settings, smtp):
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await Team.create(name="Verworfen")
            await enqueue(task_mail("rolled.back"))
            raise RuntimeError("the change fails after the mail was queued")
    await _settle(OutboxWorker(mail_settings))
    assert await OutboxMail.all().count() == 0
    assert await Team.all().count() == 0
    assert smtp.mailbox.messages == []


async def test_enqueuing_one_cause_twice_makes_one_mail(mail_settings, smtp):
    await enqueue(task_mail("same.cause"))
    await enqueue(task_mail("same.cause"))
    await _settle(OutboxWorker(mail_settings))
    assert len(smtp.mailbox.messages) == 1


async def test_mail_queued_while_the_server_is_down_arrives_once_it_is_back(mail_settings, smtp):
    smtp.stop()
    for i in range(5):
        await enqueue(task_mail(f"outage.{i}"))
    worker = OutboxWorker(mail_settings)
    async with running(worker):
        while await OutboxMail.filter(attempts__gte=2).count() < 5:
            await asyncio.sleep(0.02)
        assert await OutboxMail.filter(status=MailStatus.SENT).count() == 0
        assert "Connect" in (await OutboxMail.first()).last_error
        smtp.start()
        await smtp.mailbox.wait_for(5)
    await _settle(worker)
    assert sorted(smtp.mailbox.message_ids()) == sorted(
        f"<outage.{i}@agentur.example.com>" for i in range(5)
    )
    assert await OutboxMail.filter(status=MailStatus.SENT).count() == 5


async def test_a_temporary_refusal_is_retried(mail_settings, smtp):
    smtp.mailbox.answer = "451 4.3.0 Mailbox busy, try later"
    await enqueue(task_mail("busy"))
    worker = OutboxWorker(mail_settings)
    await worker.run_once()
    row = await OutboxMail.get(idempotency_key="busy")
    assert (row.status, row.attempts) == (MailStatus.PENDING, 1)
    assert row.last_error.startswith("451")
    assert row.next_attempt_at > row.created_at

    smtp.mailbox.answer = None
    async with running(worker):
        await smtp.mailbox.wait_for(1)
    await _settle(worker)
    row = await OutboxMail.get(idempotency_key="busy")
    assert (row.status, row.attempts, len(smtp.mailbox.messages)) == (MailStatus.SENT, 2, 1)


async def test_temporary_failures_give_up_after_the_maximum_age(mail_settings, smtp):
    smtp.mailbox.answer = "421 4.7.0 Try again later"
    await enqueue(task_mail("ancient"))
    await OutboxMail.filter(idempotency_key="ancient").update(
        created_at=datetime.now(UTC) - timedelta(hours=mail_settings.outbox_max_age_hours + 1)
    )
    await OutboxWorker(mail_settings).run_once()
    row = await OutboxMail.get(idempotency_key="ancient")
    assert row.status == MailStatus.FAILED
    assert row.last_error.startswith("421")


async def test_the_worker_logs_in_when_the_server_asks(mail_settings, smtp):
    smtp.stop()
    smtp.login = ("agentur", "s3cret")
    smtp.start()
    await enqueue(task_mail("with.login"))
    wrong = mail_settings.model_copy(update={"smtp_username": "agentur", "smtp_password": "x"})
    await OutboxWorker(wrong).run_once()
    row = await OutboxMail.get(idempotency_key="with.login")
    assert row.status == MailStatus.PENDING, "a rejected login is the server's problem: retry"
    assert "535" in row.last_error

    right = wrong.model_copy(update={"smtp_password": "s3cret"})
    async with running(OutboxWorker(right)):
        await smtp.mailbox.wait_for(1)
    assert len(smtp.mailbox.messages) == 1


def promoplan(backend, smtp, *args, **env):
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        cwd=REPO,
        env={**os.environ, **_worker_env(backend, smtp), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _worker_env(backend, smtp, **overrides) -> dict[str, str]:
    return {
        "DATABASE_URL": backend.url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "MAIL_FROM": "planung@agentur.example.com",
        "OUTBOX_POLL_SECONDS": "0.05",
        "OUTBOX_RETRY_BASE_SECONDS": "0.05",
        "OUTBOX_RETRY_MAX_SECONDS": "0.2",
        **overrides,
    }


async def test_a_permanent_refusal_fails_and_an_operator_can_retry_it(db, mail_settings, smtp):
    smtp.mailbox.answer = "550 5.1.1 No such user here"
    await enqueue(task_mail("unknown.user", recipient="nobody@example.com"))
    worker = OutboxWorker(mail_settings)
    await worker.run_once()
    row = await OutboxMail.get(idempotency_key="unknown.user")
    assert (row.status, row.attempts) == (MailStatus.FAILED, 1)
    assert row.last_error.startswith("550")

    smtp.mailbox.answer = None
    await asyncio.sleep(0.1)
    await _settle(worker)
    assert smtp.mailbox.messages == [], "a permanent failure is not retried"
    assert (await OutboxMail.get(id=row.id)).attempts == 1

    listing = promoplan(db, smtp, "outbox")
    assert listing.returncode == 0
    assert "FAILED" in listing.stdout and "550 5.1.1" in listing.stdout

    retried = promoplan(db, smtp, "outbox", "retry", str(row.id))
    assert retried.returncode == 0, retried.stderr
    async with running(worker):
        await smtp.mailbox.wait_for(1)
    await _settle(worker)
    assert len(smtp.mailbox.messages) == 1
    assert (await OutboxMail.get(id=row.id)).status == MailStatus.SENT
    again = promoplan(db, smtp, "outbox", "retry", str(row.id))
    assert again.returncode == 1, "only failed mail can be queued again"


def _start_worker(backend, smtp, **overrides) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "api", "worker"],
        cwd=REPO,
        env={**os.environ, **_worker_env(backend, smtp, **overrides)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    process.wait(timeout=30)


async def test_two_workers_deliver_200_mails_without_duplicates(db, smtp):
    if db.name != "postgres":
        pytest.skip("several workers share one database on PostgreSQL; SQLite runs one")
    async with in_transaction():
        for i in range(200):
            await enqueue(task_mail(f"bulk.{i}"))
    workers = [_start_worker(db, smtp, OUTBOX_BATCH_SIZE="7") for _ in range(2)]
    try:
        await smtp.mailbox.wait_for(200, timeout=60)
        await asyncio.sleep(0.5)
    finally:
        for process in workers:
            _stop(process)
    ids = smtp.mailbox.message_ids()
    assert len(ids) == 200 == len(set(ids))
    assert await OutboxMail.filter(status=MailStatus.SENT).count() == 200
    claimed_by = await OutboxMail.all().distinct().values_list("claimed_by", flat=True)
    assert len(set(claimed_by)) == 2, "both workers took part"


async def test_a_worker_killed_mid_batch_loses_nothing(db, smtp):
    smtp.mailbox.delay_seconds = 0.05
    for i in range(30):
        await enqueue(task_mail(f"crash.{i}"))
    overrides = {"OUTBOX_BATCH_SIZE": "10", "OUTBOX_LEASE_SECONDS": "1"}
    doomed = _start_worker(db, smtp, **overrides)
    try:
        await smtp.mailbox.wait_for(5)
    finally:
        _stop(doomed, signal.SIGKILL)
    assert len(smtp.mailbox.messages) < 30, "killed mid-way"
    survivor = _start_worker(db, smtp, **overrides)
    try:
        await smtp.mailbox.wait_for(30, timeout=60)
        while await OutboxMail.exclude(status=MailStatus.SENT).exists():
            await asyncio.sleep(0.05)
    finally:
        _stop(survivor)
    ids = smtp.mailbox.message_ids()
    assert set(ids) == {f"<crash.{i}@agentur.example.com>" for i in range(30)}
    # Only the one message in flight when the worker died may have gone out twice.
    assert len(ids) - len(set(ids)) <= 1


NOTIFICATIONS = """
query($status: MailStatus) {
  notifications(status: $status, first: 10) { totalCount edges { node { id recipient status } } }
}
"""


async def test_admins_read_the_outbox_and_no_one_else(api, make, mail_settings, smtp):
    smtp.mailbox.answer = "550 5.1.1 No such user"
    await enqueue(task_mail("for.admins", recipient="gone@example.com"))
    await enqueue(task_mail("pending.one"))
    await OutboxWorker(mail_settings.model_copy(update={"outbox_batch_size": 1})).run_once()
    admin = await make.login(Role.ADMIN)
    failed = await api.post(NOTIFICATIONS, {"status": "FAILED"}, admin.token)
    page = failed["data"]["notifications"]
    assert page["totalCount"] == 1
    assert page["edges"][0]["node"]["recipient"] == "gone@example.com"
    everything = await api.post(NOTIFICATIONS, {}, admin.token)
    assert everything["data"]["notifications"]["totalCount"] == 2

    staff = await make.login(Role.STAFF)
    assert error_codes(await api.post(NOTIFICATIONS, {}, staff.token)) == ["FORBIDDEN"]
    node = await api.post(
        "query($id: ID!) { node(id: $id) { id } }", {"id": page["edges"][0]["node"]["id"]},
        staff.token,
    )  # fmt: skip
    assert node["data"]["node"] is None
