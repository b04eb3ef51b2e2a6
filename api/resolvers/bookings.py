"""Booking promoters on appointments, race-free, and telling them with a calendar entry."""

from __future__ import annotations

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from tortoise.expressions import F

from api.clock import now
from api.notifications.events import Event
from api.notifications.outbox import Attachment, Notification, enqueue
from api.permissions.viewer import Viewer
from api.resolvers.failures import ErrorCode, UserFailure
from api.resolvers.projects import visible_argument
from api.settings import Settings
from db.models.accounts import Language, User
from db.models.crm import Address
from db.models.promotions import (
    Appointment,
    AppointmentStatus,
    Booking,
    BookingStatus,
    Location,
    Project,
    Promoter,
)


async def book_promoter(
    viewer: Viewer, settings: Settings, appointment_id: str, promoter_id: str
) -> Booking:
    """Staff a confirmed appointment.

    The promoter's row and then the appointment's row are locked (always in that order, so
    two bookings cannot deadlock): concurrent bookings of one promoter, or on one
    appointment, run one after the other and each sees the bookings before it. SQLite
    serialises transactions anyway.
    """
    appointment = await visible_argument(Appointment, viewer, appointment_id, "appointmentId")
    promoter = await visible_argument(Promoter, viewer, promoter_id, "promoterId")
    await Promoter.filter(id=promoter.id).select_for_update().first()
    appointment = await Appointment.filter(id=appointment.id).select_for_update().first()
    assert appointment is not None
    if appointment.status != AppointmentStatus.CONFIRMED:
        raise UserFailure.of(
            "appointmentId", ErrorCode.INVALID_STATE, "Only a confirmed appointment is staffed."
        )
    active = Booking.filter(status=BookingStatus.BOOKED)
    if await active.filter(appointment_id=appointment.id, promoter_id=promoter.id).exists():
        raise UserFailure.of(
            "promoterId", ErrorCode.PROMOTER_UNAVAILABLE, "The promoter is already booked here."
        )
    if await active.filter(appointment_id=appointment.id).count() >= appointment.promoters_needed:
        raise UserFailure.of(
            "appointmentId", ErrorCode.FULLY_STAFFED, "The appointment has all its promoters."
        )
    overlapping = active.filter(
        promoter_id=promoter.id,
        starts_at__lt=appointment.ends_at,
        ends_at__gt=appointment.starts_at,
    )
    if await overlapping.exists():
        raise UserFailure.of(
            "promoterId",
            ErrorCode.PROMOTER_UNAVAILABLE,
            "The promoter is booked on an overlapping appointment.",
        )
    booking = await Booking.create(
        appointment_id=appointment.id,
        promoter_id=promoter.id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
    )
    await _notify(settings, booking, Event.PROMOTER_BOOKED)
    return booking


async def cancel_booking(viewer: Viewer, settings: Settings, global_id: str) -> Booking:
    booking = await visible_argument(Booking, viewer, global_id, "id")
    if not await Booking.filter(id=booking.id, status=BookingStatus.BOOKED).update(
        status=BookingStatus.CANCELLED, cancelled_at=now(), sequence=F("sequence") + 1
    ):
        raise UserFailure.of("id", ErrorCode.INVALID_STATE, "This booking is already cancelled.")
    booking = await Booking.get(id=booking.id)
    await notify_unbooked(settings, booking)
    return booking


async def notify_unbooked(settings: Settings, booking: Booking) -> None:
    await _notify(settings, booking, Event.PROMOTER_UNBOOKED)


def booking_uid(settings: Settings, booking_id: int) -> str:
    return f"booking-{booking_id}@{settings.public_base_url.split('://', 1)[-1]}"


def booking_event(
    settings: Settings, booking: Booking, project: Project, store: Address, note: str
) -> CalendarEvent:
    """The booking as a calendar event; a cancelled one keeps its UID with STATUS:CANCELLED
    and a higher SEQUENCE, so calendars remove it instead of keeping a stale entry."""
    event = CalendarEvent()
    event.add("uid", booking_uid(settings, booking.id))
    event.add("dtstamp", now())
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("sequence", booking.sequence)
    event.add("summary", f"{project.name}: {store.name}")
    event.add("location", ", ".join(p for p in (store.street, store.postal_code, store.city) if p))
    if note:
        event.add("description", note)
    cancelled = booking.status == BookingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


async def _notify(settings: Settings, booking: Booking, event: Event) -> None:
    promoter = await Promoter.get(id=booking.promoter_id)
    if not promoter.email:
        return
    appointment = await Appointment.get(id=booking.appointment_id)
    location = await Location.get(id=appointment.location_id)
    project = await Project.get(id=location.project_id)
    store = await Address.get(id=location.store_id)
    login = await User.get_or_none(id=promoter.user_id) if promoter.user_id else None
    calendar = Calendar()
    calendar.add("prodid", "-//Promoplan//Booking//DE")
    calendar.add("version", "2.0")
    booked = event == Event.PROMOTER_BOOKED
    calendar.add("method", "REQUEST" if booked else "CANCEL")
    calendar.add_component(booking_event(settings, booking, project, store, appointment.note))
    await enqueue(
        Notification(
            event=event,
            recipient=promoter.email,
            language=Language(login.language) if login else Language.DE,
            variables={
                "promoter_name": promoter.name,
                "project": project.name,
                "store": store.name,
                "street": store.street,
                "postal_code": store.postal_code,
                "city": store.city,
                "starts_at": appointment.starts_at,
                "ends_at": appointment.ends_at,
                "note": appointment.note,
            },
            key=f"booking.{booking.id}.{'booked' if booked else 'unbooked'}",
            attachments=[Attachment("termin.ics", "text/calendar", calendar.to_ical())],
        )
    )
