"""Sending outbox rows over SMTP and classifying what the server answered."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from api.settings import Settings
from db.models.notifications import OutboxMail


@dataclass(frozen=True, slots=True)
class Outcome:
    """`sent`, or an error that is `permanent` (5xx) or worth retrying (4xx, network)."""

    sent: bool
    permanent: bool = False
    error: str | None = None


SENT = Outcome(sent=True)


def _retry(error: str) -> Outcome:
    return Outcome(sent=False, permanent=False, error=error)


def _by_code(code: int, message: str) -> Outcome:
    return Outcome(sent=False, permanent=500 <= code < 600, error=f"{code} {message}".strip())


def message_id(key: str, mail_from: str) -> str:
    # Python's email package truncates a Message-ID at ":"; keep it to dots and dashes.
    local = re.sub(r"[^A-Za-z0-9.\-]", ".", key)
    domain = mail_from.rpartition("@")[2] or "promoplan.localhost"
    return f"<{local}@{domain}>"


def build_message(mail: OutboxMail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate()
    message["Message-ID"] = message_id(mail.idempotency_key, settings.mail_from)
    message.set_content(mail.text_body)
    message.add_alternative(mail.html_body, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(
            base64.b64decode(attachment["content"]),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return message


async def _send_one(client: aiosmtplib.SMTP, message: EmailMessage) -> Outcome:
    """The server's verdict on one message; a lost connection raises."""
    try:
        await client.send_message(message)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients[0]
        return _by_code(refused.code, refused.message)
    except aiosmtplib.SMTPResponseException as exc:
        return _by_code(exc.code, exc.message)
    return SENT


async def send_all(
    mails: Sequence[OutboxMail], settings: Settings
) -> AsyncIterator[tuple[OutboxMail, Outcome]]:
    """Send `mails` over one SMTP connection, yielding each outcome as soon as it is known.

    A connection that cannot be made or is lost makes the unsent rest worth retrying.
    """
    remaining = list(mails)
    try:
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            timeout=settings.smtp_timeout_seconds,
            start_tls=settings.smtp_starttls,
        )
        async with client:
            if settings.smtp_username:
                await client.login(settings.smtp_username, settings.smtp_password)
            while remaining:
                mail = remaining[0]
                outcome = await _send_one(client, build_message(mail, settings))
                remaining.pop(0)
                yield mail, outcome
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        for mail in remaining:
            yield mail, _retry(error)
