"""Appointments at locations: scheduling, the request/approve/reject workflow, cancelling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.clock import now
from api.notifications.events import Event
from api.notifications.outbox import Notification, enqueue
from api.permissions.scoping import visible_appointments
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.bookings import notify_unbooked
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from api.resolvers.pagination import Page, PageRequest, paginate
from api.resolvers.periods import overlapping
from api.resolvers.projects import visible_argument
from api.settings import Settings
from db.models.accounts import Language, User
from db.models.crm import Address, ContactPerson
from db.models.promotions import (
    Appointment,
    AppointmentStatus,
    Booking,
    BookingStatus,
    Location,
    Project,
)

MAX_PROMOTERS = 100


@dataclass(frozen=True, slots=True)
class NewAppointment:
    location_id: str
    starts_at: datetime
    ends_at: datetime
    promoters_needed: int
    note: str | None = None


@dataclass(frozen=True, slots=True)
class AppointmentQuery:
    project_id: str | None = None
    status: AppointmentStatus | None = None
    from_: datetime | None = None
    to: datetime | None = None


async def _validated(viewer: Viewer, new: NewAppointment, requested: bool) -> tuple[Location, str]:
    problems = FailureCollector()
    location = await problems.check_async(
        lambda v, f: visible_argument(Location, viewer, v, f), new.location_id, "locationId"
    )
    if new.ends_at <= new.starts_at:
        problems.add("endsAt", ErrorCode.INVALID, "endsAt must lie after startsAt.")
    if requested and new.starts_at <= now():
        problems.add("startsAt", ErrorCode.INVALID, "A requested appointment must lie ahead.")
    if not 1 <= new.promoters_needed <= MAX_PROMOTERS:
        problems.add(
            "promotersNeeded", ErrorCode.INVALID, f"promotersNeeded must be 1 to {MAX_PROMOTERS}."
        )
    note = problems.check(lambda v, f: inputs.optional_text(v, f, 5000), new.note, "note")
    problems.raise_if_any()
    return location, note


async def schedule_appointment(viewer: Viewer, new: NewAppointment) -> Appointment:
    """The agency adds an appointment: it is confirmed at once."""
    location, note = await _validated(viewer, new, requested=False)
    return await Appointment.create(
        location_id=location.id,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        promoters_needed=new.promoters_needed,
        note=note,
        status=AppointmentStatus.CONFIRMED,
    )


async def request_appointment(
    viewer: Viewer, settings: Settings, new: NewAppointment
) -> Appointment:
    """A customer (or staff for them) asks for an appointment; the agency is told by mail."""
    location, note = await _validated(viewer, new, requested=True)
    appointment = await Appointment.create(
        location_id=location.id,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        promoters_needed=new.promoters_needed,
        note=note,
        status=AppointmentStatus.REQUESTED,
        requested_by_id=viewer.contact_person_id if viewer.is_customer else None,
    )
    await _notify_agency(settings, appointment, location, await _requester_name(viewer))
    return appointment


async def _requester_name(viewer: Viewer) -> str:
    """Who asked, as the agency's mail names them: the customer's contact, or the colleague."""
    if viewer.contact_person_id is not None:
        contact = await ContactPerson.get(id=viewer.contact_person_id)
        return f"{contact.first_name} {contact.last_name}".strip()
    return (await User.get(id=viewer.user_id)).name


async def _facts(location: Location) -> tuple[Project, Address]:
    project = await Project.get(id=location.project_id)
    store = await Address.get(id=location.store_id)
    return project, store


async def _notify_agency(
    settings: Settings, appointment: Appointment, location: Location, requested_by: str
) -> None:
    project, store = await _facts(location)
    responsible = await User.get_or_none(id=project.responsible_id, is_active=True)
    recipient = responsible.email if responsible else settings.agency_notify_email
    if not recipient:
        return
    await enqueue(
        Notification(
            event=Event.APPOINTMENT_REQUESTED,
            recipient=recipient,
            language=Language(responsible.language) if responsible else Language.DE,
            variables={
                "project": project.name,
                "store": store.name,
                "city": store.city,
                "starts_at": appointment.starts_at,
                "ends_at": appointment.ends_at,
                "promoters_needed": appointment.promoters_needed,
                "note": appointment.note,
                "requested_by": requested_by,
                "link": f"{settings.public_base_url}/appointments/{appointment.id}",
            },
            key=f"appointment.{appointment.id}.requested",
        )
    )


async def decide(
    viewer: Viewer, settings: Settings, global_id: str, approve: bool, reason: str | None
) -> Appointment:
    """Approve or reject a requested appointment. One conditional statement decides, so of
    any number of simultaneous decisions exactly one wins and one mail goes out."""
    appointment = await visible_argument(Appointment, viewer, global_id, "id")
    if not approve:
        reason = inputs.required_text(reason or "", "reason", 2000)
    status = AppointmentStatus.CONFIRMED if approve else AppointmentStatus.REJECTED
    won = await Appointment.filter(id=appointment.id, status=AppointmentStatus.REQUESTED).update(
        status=status, decided_at=now(), decided_by_id=viewer.user_id, rejection_reason=reason
    )
    if not won:
        raise UserFailure.of(
            "id", ErrorCode.INVALID_STATE, "Only a requested appointment can be decided."
        )
    decided = await Appointment.get(id=appointment.id)
    await _notify_requester(settings, decided)
    return decided


async def _notify_requester(settings: Settings, appointment: Appointment) -> None:
    contact = await ContactPerson.get_or_none(id=appointment.requested_by_id)
    if contact is None or not contact.email:
        return
    login = await User.get_or_none(id=contact.user_id) if contact.user_id else None
    project, store = await _facts(await Location.get(id=appointment.location_id))
    approved = appointment.status == AppointmentStatus.CONFIRMED
    variables = {
        "project": project.name,
        "store": store.name,
        "city": store.city,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "recipient_name": f"{contact.first_name} {contact.last_name}".strip(),
        "link": f"{settings.public_base_url}/appointments/{appointment.id}",
    }
    if not approved:
        variables["reason"] = appointment.rejection_reason
    await enqueue(
        Notification(
            event=Event.APPOINTMENT_APPROVED if approved else Event.APPOINTMENT_REJECTED,
            recipient=contact.email,
            language=Language(login.language) if login else Language.DE,
            variables=variables,
            key=f"appointment.{appointment.id}.decided",
        )
    )


async def cancel_appointment(
    viewer: Viewer, settings: Settings, global_id: str, reason: str
) -> Appointment:
    """Cancel a requested or confirmed appointment; every booked promoter is told."""
    appointment = await visible_argument(Appointment, viewer, global_id, "id")
    reason = inputs.required_text(reason, "reason", 2000)
    open_states = [AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED]
    if not await Appointment.filter(id=appointment.id, status__in=open_states).update(
        status=AppointmentStatus.CANCELLED, cancellation_reason=reason
    ):
        raise UserFailure.of("id", ErrorCode.INVALID_STATE, "This appointment is already closed.")
    bookings = await Booking.filter(appointment_id=appointment.id, status=BookingStatus.BOOKED)
    for booking in bookings:
        await Booking.filter(id=booking.id).update(
            status=BookingStatus.CANCELLED, cancelled_at=now(), sequence=booking.sequence + 1
        )
        await notify_unbooked(settings, await Booking.get(id=booking.id))
    return await Appointment.get(id=appointment.id)


async def complete_appointment(viewer: Viewer, global_id: str) -> Appointment:
    """Close a confirmed appointment: its reports can no longer change."""
    appointment = await visible_argument(Appointment, viewer, global_id, "id")
    if not await Appointment.filter(id=appointment.id, status=AppointmentStatus.CONFIRMED).update(
        status=AppointmentStatus.COMPLETED
    ):
        raise UserFailure.of(
            "id", ErrorCode.INVALID_STATE, "Only a confirmed appointment completes."
        )
    return await Appointment.get(id=appointment.id)


async def find_appointments(
    viewer: Viewer, query: AppointmentQuery, page: PageRequest
) -> Page[Appointment]:
    """Appointments overlapping [from, to), ordered by start."""
    queryset = Appointment.filter(visible_appointments(viewer))
    if query.project_id is not None:
        # Only a visible project's appointments are visible (visible_appointments), so the
        # list of a project the viewer may not see is empty without asking for the project.
        try:
            project_id = inputs.node_pk(query.project_id, "Project", "projectId")
        except UserFailure:
            project_id = 0
        queryset = queryset.filter(location__project_id=project_id)
    if query.status is not None:
        queryset = queryset.filter(status=query.status)
    return await paginate(overlapping(queryset, query.from_, query.to), ("starts_at", "id"), page)
