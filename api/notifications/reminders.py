"""The due-reminder sweep: each due reminder's mail is queued exactly once."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from api.clock import now
from api.notifications.events import Event
from api.notifications.outbox import Notification, enqueue
from api.settings import Settings
from db.models.accounts import Language
from db.models.activities import Reminder
from db.models.crm import Address

BATCH = 100


async def queue_due_reminders(settings: Settings) -> int:
    """Queue the mails of reminders now due; the number queued.

    A reminder is marked with a conditional update in the transaction that queues its mail,
    so two workers sweeping at once queue it once. Completing an activity deletes its
    reminders, so a completed activity is never reminded of.
    """
    moment = now()
    due = (
        await Reminder.filter(notified_at__isnull=True, remind_at__lte=moment)
        .select_related("activity", "user")
        .order_by("remind_at", "id")
        .limit(BATCH)
    )
    queued = 0
    for reminder in due:
        activity, user = reminder.activity, reminder.user
        address = await Address.get(id=activity.address_id)
        async with in_transaction():
            marked = await Reminder.filter(id=reminder.id, notified_at__isnull=True).update(
                notified_at=moment
            )
            if not marked:
                continue
            await enqueue(
                Notification(
                    event=Event.REMINDER_DUE,
                    recipient=user.email,
                    language=Language(user.language),
                    variables={
                        "recipient_name": user.name,
                        "subject": activity.subject,
                        "address": address.name,
                        "starts_at": activity.starts_at,
                        "link": f"{settings.public_base_url}/activities/{activity.id}",
                    },
                    key=f"reminder.{reminder.id}",
                )
            )
            queued += 1
    return queued
