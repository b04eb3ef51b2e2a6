"""What promoters do on the job: their bookings, checking in and out, and reports."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from api.clock import now
from api.permissions.scoping import visible_bookings
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.failures import ErrorCode, UserFailure
from db.models.promotions import (
    Appointment,
    AppointmentStatus,
    Booking,
    BookingStatus,
    Location,
    Report,
    ReportAnswer,
    ReportField,
    ReportFieldType,
    TimeEntry,
)

BOOLEANS = {"true": "true", "false": "false"}


@dataclass(frozen=True, slots=True)
class Answer:
    field_id: str
    value: str


async def own_booking(viewer: Viewer, global_id: str, field: str) -> Booking:
    """One of the viewer's own bookings: promoters work only on theirs."""
    pk = inputs.node_pk(global_id, "Booking", field)
    booking = await Booking.filter(visible_bookings(viewer), pk=pk).first()
    if booking is None:
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, "No Booking with this ID.")
    if booking.promoter_id != viewer.promoter_id:
        raise UserFailure.of(field, ErrorCode.FORBIDDEN, "Only the booked promoter may do this.")
    return booking


async def _working(booking: Booking) -> Appointment:
    appointment = await Appointment.get(id=booking.appointment_id)
    if booking.status != BookingStatus.BOOKED or appointment.status != AppointmentStatus.CONFIRMED:
        raise UserFailure.of(
            "bookingId", ErrorCode.INVALID_STATE, "The booking or its appointment is not active."
        )
    return appointment


async def check_in(viewer: Viewer, booking_id: str) -> TimeEntry:
    booking = await own_booking(viewer, booking_id, "bookingId")
    await _working(booking)
    await Booking.filter(id=booking.id).select_for_update().first()
    if await TimeEntry.exists(booking_id=booking.id, checked_out_at__isnull=True):
        raise UserFailure.of("bookingId", ErrorCode.INVALID_STATE, "Already checked in.")
    return await TimeEntry.create(booking_id=booking.id, checked_in_at=now())


async def check_out(viewer: Viewer, booking_id: str) -> TimeEntry:
    booking = await own_booking(viewer, booking_id, "bookingId")
    entry = await TimeEntry.filter(booking_id=booking.id, checked_out_at__isnull=True).first()
    if entry is None:
        raise UserFailure.of("bookingId", ErrorCode.INVALID_STATE, "Check in first.")
    moment = now()
    if not await TimeEntry.filter(id=entry.id, checked_out_at__isnull=True).update(
        checked_out_at=moment
    ):
        raise UserFailure.of("bookingId", ErrorCode.INVALID_STATE, "Already checked out.")
    entry.checked_out_at = moment
    return entry


def _checked_value(field: ReportField, raw: str) -> str:
    """The answer as stored; blank is no answer (so REQUIRED, not INVALID, when it must be)."""
    value = raw.strip()
    if not value:
        return ""
    if field.type == ReportFieldType.NUMBER:
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise UserFailure.of("answers", ErrorCode.INVALID, f"{field.label}: not a number.")
        return str(number)
    if field.type == ReportFieldType.BOOLEAN:
        if value.lower() not in BOOLEANS:
            raise UserFailure.of("answers", ErrorCode.INVALID, f"{field.label}: true or false.")
        return BOOLEANS[value.lower()]
    return inputs.optional_text(value, "answers", 20_000)


async def submit_report(viewer: Viewer, booking_id: str, answers: list[Answer]) -> Report:
    """Answer the project's report fields; resubmitting replaces the answers until the
    appointment is completed."""
    booking = await own_booking(viewer, booking_id, "bookingId")
    appointment = await _working(booking)
    fields = {f.id: f for f in await ReportField.filter(project_id=await _project_of(appointment))}
    given: dict[int, str] = {}
    for answer in answers:
        pk = inputs.node_pk(answer.field_id, "ReportField", "answers")
        field = fields.get(pk)
        if field is None:
            raise UserFailure.of("answers", ErrorCode.NOT_FOUND, "No report field of this project.")
        value = _checked_value(field, answer.value)
        if value:
            given[pk] = value
    missing = [f.label for f in fields.values() if f.required and f.id not in given]
    if missing:
        raise UserFailure.of("answers", ErrorCode.REQUIRED, f"Answer: {', '.join(missing)}.")
    report, _ = await Report.get_or_create(booking_id=booking.id, defaults={"submitted_at": now()})
    report.submitted_at = now()
    await report.save(update_fields=["submitted_at"])
    await ReportAnswer.filter(report_id=report.id).delete()
    await ReportAnswer.bulk_create(
        [ReportAnswer(report_id=report.id, field_id=pk, value=v) for pk, v in given.items()]
    )
    return report


async def _project_of(appointment: Appointment) -> int:
    return (await Location.get(id=appointment.location_id)).project_id
