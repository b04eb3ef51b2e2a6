"""Writing mail to the outbox, inside the caller's transaction."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api.clock import now
from api.notifications.events import Event
from api.notifications.rendering import render
from db.models.accounts import Language
from db.models.notifications import OutboxMail


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Notification:
    event: Event
    recipient: str
    language: Language
    variables: Mapping[str, Any]
    # Names the cause, e.g. "appointment.12.approved": enqueuing it again adds no mail.
    key: str
    attachments: Sequence[Attachment] = ()


async def enqueue(notification: Notification) -> None:
    """Add the mail to the outbox. Call it inside the transaction of the change it reports:
    if that rolls back, the mail never existed."""
    mail = render(notification.event, notification.language, notification.variables)
    row = OutboxMail(
        idempotency_key=notification.key,
        event=notification.event.value,
        recipient=notification.recipient,
        subject=mail.subject,
        text_body=mail.text,
        html_body=mail.html,
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "content": base64.b64encode(a.content).decode(),
            }
            for a in notification.attachments
        ],
        next_attempt_at=now(),
    )
    await OutboxMail.bulk_create([row], ignore_conflicts=True)
