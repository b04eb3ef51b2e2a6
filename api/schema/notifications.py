"""The mail outbox, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions.fields import allow, current_viewer
from api.resolvers import notifications
from api.schema.nodes import Connection, VisibleNode, page_request
from db.models import notifications as models
from db.models.accounts import Role

MailStatus = strawberry.enum(models.MailStatus, name="MailStatus")


@strawberry.type(name="Notification", description="A mail in the outbox.")
class NotificationNode(VisibleNode):
    id: relay.NodeID[int]
    event: str
    recipient: str
    subject: str
    status: MailStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, mail: models.OutboxMail) -> Self:
        return cls(
            id=mail.id,
            event=mail.event,
            recipient=mail.recipient,
            subject=mail.subject,
            status=models.MailStatus(mail.status),
            attempts=mail.attempts,
            last_error=mail.last_error,
            created_at=mail.created_at,
            next_attempt_at=mail.next_attempt_at,
            sent_at=mail.sent_at,
        )

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        mail = await notifications.visible_mail(current_viewer(info), pk)
        return cls.of(mail) if mail else None


@strawberry.type
class NotificationsQuery:
    @strawberry.field(
        extensions=allow(Role.ADMIN, api_tokens=False),
        description="The outbox, newest first (admins only).",
    )
    async def notifications(
        self,
        info: Info,
        status: MailStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[NotificationNode]:
        page = await notifications.find_mails(
            current_viewer(info),
            models.MailStatus(status) if status else None,
            page_request(first, after, last, before),
        )
        return Connection.of(page, NotificationNode.of)
