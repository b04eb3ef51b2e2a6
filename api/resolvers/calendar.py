"""Each user's private iCalendar feed: tasks as VTODO/VEVENT, subscribed to by URL."""

from __future__ import annotations

import secrets
from datetime import timedelta

from icalendar import Calendar, Event, Todo, vDuration

from api.clock import now
from api.permissions.viewer import Viewer
from api.resolvers.bookings import booking_event
from api.settings import Settings
from db.models.accounts import User
from db.models.promotions import Booking
from db.models.tasks import CalendarFeed, Task, TaskStatus

REFRESH = timedelta(minutes=15)
# A due-on task is an appointment: shown as an hour unless it says otherwise.
APPOINTMENT_LENGTH = timedelta(hours=1)


def _url(settings: Settings, feed: CalendarFeed) -> str:
    return f"{settings.public_base_url}/calendar/{feed.token}.ics"


async def feed_url(viewer: Viewer, settings: Settings) -> str:
    """The viewer's feed URL, made on first request."""
    feed = await CalendarFeed.filter(user_id=viewer.user_id, revoked_at__isnull=True).first()
    if feed is None:
        feed = await CalendarFeed.create(user_id=viewer.user_id, token=secrets.token_urlsafe(32))
    return _url(settings, feed)


async def regenerate_feed_url(viewer: Viewer, settings: Settings) -> str:
    await CalendarFeed.filter(user_id=viewer.user_id, revoked_at__isnull=True).update(
        revoked_at=now()
    )
    feed = await CalendarFeed.create(user_id=viewer.user_id, token=secrets.token_urlsafe(32))
    return _url(settings, feed)


async def feed_owner(token: str) -> User | None:
    feed = (
        await CalendarFeed.filter(token=token, revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def _uid(kind: str, pk: int, settings: Settings) -> str:
    host = settings.public_base_url.split("://", 1)[-1]
    return f"{kind}-{pk}@{host}"


def _task_component(task: Task, settings: Settings) -> Todo | Event:
    done = task.status == TaskStatus.DONE
    if task.due_by is not None:
        component: Todo | Event = Todo()
        component.add("due", task.due_by)
        component.add("status", "COMPLETED" if done else "NEEDS-ACTION")
        if done and task.completed_at:
            component.add("completed", task.completed_at)
    else:
        component = Event()
        component.add("dtstart", task.due_on)
        component.add("dtend", task.due_on + APPOINTMENT_LENGTH)
        component.add("status", "CONFIRMED")
    component.add("uid", _uid("task", task.id, settings))
    component.add("summary", task.title)
    if task.description:
        component.add("description", task.description)
    component.add("dtstamp", now())
    component.add("sequence", task.sequence)
    component.add("url", f"{settings.public_base_url}/tasks/{task.id}")
    return component


async def feed_ics(user: User, settings: Settings) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Promoplan//Calendar feed//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Promoplan: {user.name}")
    # Outlook reads X-PUBLISHED-TTL, RFC 7986 clients REFRESH-INTERVAL.
    calendar.add("x-published-ttl", vDuration(REFRESH))
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    for task in await Task.filter(assignee_id=user.id).order_by("due_at", "id"):
        calendar.add_component(_task_component(task, settings))
    for booking in await _bookings_of(user):
        location = booking.appointment.location
        calendar.add_component(
            booking_event(
                settings, booking, location.project, location.store, booking.appointment.note
            )
        )
    return calendar.to_ical()


async def _bookings_of(user: User) -> list[Booking]:
    """A promoter's bookings, cancelled ones included: the feed must tell calendars to
    drop them (STATUS:CANCELLED) rather than leave a stale entry."""
    return (
        await Booking.filter(promoter__user_id=user.id)
        .select_related("appointment__location__project", "appointment__location__store")
        .order_by("starts_at", "id")
    )
