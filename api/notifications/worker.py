"""The delivery loop: claim due rows, send them, record each outcome at once.

Claims are one statement (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so several workers never
hold the same row; a claim is a lease, so rows of a worker that died return when it lapses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
from datetime import datetime, timedelta

from tortoise import connections

from api.clock import now
from api.notifications.delivery import Outcome, send_all
from api.notifications.reminders import queue_due_reminders
from api.settings import Settings
from db.models.notifications import MailStatus, OutboxMail

logger = logging.getLogger("promoplan.outbox")

_CLAIM = """
UPDATE outbox_mails
SET status = 'SENDING', claimed_by = {worker}, lease_until = {lease}, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM outbox_mails
    WHERE (status = 'PENDING' AND next_attempt_at <= {now})
       OR (status = 'SENDING' AND lease_until < {now})
    ORDER BY next_attempt_at, id
    LIMIT {limit}
    {lock}
)
RETURNING id
"""


def _claim_statement(dialect: str) -> str:
    if dialect == "postgres":
        names = {"worker": "$1", "lease": "$2", "now": "$3", "limit": "$4"}
        return _CLAIM.format(**names, lock="FOR UPDATE SKIP LOCKED")
    # SQLite has one writer at a time: the single statement is the lock.
    return _CLAIM.format(worker="?", lease="?", now="?", limit="?", lock="")


class OutboxWorker:
    def __init__(self, settings: Settings, name: str | None = None) -> None:
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._stopping = asyncio.Event()

    def backoff(self, attempts: int) -> timedelta:
        """Exponential, capped, with jitter so retries of one outage spread out."""
        ceiling = min(
            self.settings.outbox_retry_max_seconds,
            self.settings.outbox_retry_base_seconds * 2 ** max(attempts - 1, 0),
        )
        return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))

    async def claim(self) -> list[OutboxMail]:
        connection = connections.get("default")
        moment = now()
        lease = moment + timedelta(seconds=self.settings.outbox_lease_seconds)
        limit = self.settings.outbox_batch_size
        dialect = connection.capabilities.dialect
        statement = _claim_statement(dialect)
        if dialect == "postgres":
            values: list[object] = [self.name, lease, moment, limit]
        else:
            values = [self.name, lease, moment, moment, limit]
        rows = await connection.execute_query_dict(statement, values)
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        return await OutboxMail.filter(id__in=ids, claimed_by=self.name).order_by("id")

    async def record(self, mail: OutboxMail, outcome: Outcome) -> None:
        moment = now()
        row = OutboxMail.filter(id=mail.id, status=MailStatus.SENDING)
        if outcome.sent:
            await row.update(
                status=MailStatus.SENT, sent_at=moment, lease_until=None, last_error=None
            )
        elif outcome.permanent or self._too_old(mail, moment):
            await row.update(status=MailStatus.FAILED, lease_until=None, last_error=outcome.error)
            logger.warning("mail %s to %s failed: %s", mail.id, mail.recipient, outcome.error)
        else:
            await row.update(
                status=MailStatus.PENDING,
                lease_until=None,
                last_error=outcome.error,
                next_attempt_at=moment + self.backoff(mail.attempts),
            )

    def _too_old(self, mail: OutboxMail, moment: datetime) -> bool:
        return moment - mail.created_at > timedelta(hours=self.settings.outbox_max_age_hours)

    async def run_once(self) -> int:
        """Queue due reminders, then claim and deliver one batch; the number of rows sent."""
        await queue_due_reminders(self.settings)
        mails = await self.claim()
        async for mail, outcome in send_all(mails, self.settings):
            await self.record(mail, outcome)
        return len(mails)

    async def run(self) -> None:
        logger.info("outbox worker %s started", self.name)
        while not self._stopping.is_set():
            try:
                # A task per batch, with a copy of this context: a transaction that ends on
                # a broken connection can leave Tortoise's connection context variable
                # pointing at it (its __aexit__ skips the reset when the pool's release
                # raises), which would fail every later batch of a long-lived loop.
                handled = await asyncio.create_task(self.run_once())
            except Exception:
                logger.exception("outbox worker %s: batch failed", self.name)
                handled = 0
            if handled < self.settings.outbox_batch_size:
                await self._pause()

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.settings.outbox_poll_seconds)

    def stop(self) -> None:
        self._stopping.set()


async def retry_failed(mail_id: int) -> bool:
    """Queue a failed mail again (operator action); False when it is not failed."""
    updated = await OutboxMail.filter(id=mail_id, status=MailStatus.FAILED).update(
        status=MailStatus.PENDING, next_attempt_at=now(), last_error=None
    )
    return updated > 0
