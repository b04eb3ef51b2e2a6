"""Root fields of promotions: projects and appointments, the request/approve workflow,
bookings, and the promoter app's check-in, check-out and reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.permissions.fields import allow, current_viewer
from api.permissions.scopes import AGENCY_ROLES
from api.resolvers import appointments, bookings, fieldwork, projects
from api.schema.errors import Payload, mutate
from api.schema.nodes import Connection, page_request
from api.schema.promotions import (
    AppointmentNode,
    AppointmentStatus,
    BookingNode,
    LocationNode,
    ProjectNode,
    PromoterNode,
    ReportFieldType,
    ReportNode,
    TimeEntryNode,
)
from db.models import promotions as models
from db.models.accounts import Role, TokenScope

READ = allow(
    Role.ADMIN, Role.STAFF, Role.CUSTOMER, Role.PROMOTER,
    scopes=(TokenScope.PROMOTIONS_READ, TokenScope.PROJECTS_READ),
)  # fmt: skip
WRITE = allow(*AGENCY_ROLES, scopes=(TokenScope.PROMOTIONS_WRITE,))
REQUEST = allow(
    Role.ADMIN, Role.STAFF, Role.CUSTOMER,
    scopes=(TokenScope.PROMOTIONS_WRITE, TokenScope.APPOINTMENTS_REQUEST),
)  # fmt: skip
PROMOTER = allow(Role.PROMOTER)


@strawberry.input
class CreatePromoterInput:
    name: str
    phone: str | None = None
    email: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    birth_date: date | None = None
    notes: str | None = None
    password: str | None = strawberry.field(
        default=None, description="With a password the promoter gets a PROMOTER login."
    )


@strawberry.type
class PromoterPayload(Payload):
    promoter: PromoterNode | None = None


@strawberry.input
class CreateProjectInput:
    customer_id: strawberry.ID
    name: str
    description: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    responsible_id: strawberry.ID | None = None


@strawberry.type
class ProjectPayload(Payload):
    project: ProjectNode | None = None


@strawberry.input
class AddReportFieldInput:
    project_id: strawberry.ID
    label: str
    type: ReportFieldType
    required: bool = False


@strawberry.input
class AddLocationInput:
    project_id: strawberry.ID
    store_id: strawberry.ID = strawberry.field(description="An address of kind STORE.")


@strawberry.type
class LocationPayload(Payload):
    location: LocationNode | None = None


@strawberry.input
class AppointmentInput:
    location_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    promoters_needed: int = 1
    note: str | None = None


@strawberry.input
class ScheduleAppointmentInput(AppointmentInput):
    pass


@strawberry.input
class RequestAppointmentInput(AppointmentInput):
    pass


@strawberry.type
class AppointmentPayload(Payload):
    appointment: AppointmentNode | None = None


@strawberry.type
class BookingPayload(Payload):
    booking: BookingNode | None = None


@strawberry.type
class TimeEntryPayload(Payload):
    time_entry: TimeEntryNode | None = None


@strawberry.input
class ReportAnswerInput:
    field_id: strawberry.ID
    value: str = strawberry.field(description="As text; NUMBER fields must parse as numbers.")


@strawberry.input
class SubmitReportInput:
    booking_id: strawberry.ID
    answers: list[ReportAnswerInput]


@strawberry.type
class ReportPayload(Payload):
    report: ReportNode | None = None


def _new_appointment(input: AppointmentInput) -> appointments.NewAppointment:
    return appointments.NewAppointment(
        location_id=str(input.location_id),
        starts_at=input.starts_at,
        ends_at=input.ends_at,
        promoters_needed=input.promoters_needed,
        note=input.note,
    )


async def _decide(
    info: Info, id: strawberry.ID, approve: bool, reason: str | None
) -> AppointmentPayload:
    viewer = current_viewer(info)
    settings = info.context.settings

    async def work() -> AppointmentPayload:
        appointment = await appointments.decide(viewer, settings, str(id), approve, reason)
        return AppointmentPayload(appointment=AppointmentNode.of(appointment))

    return await mutate(AppointmentPayload, work)


@strawberry.type
class PromotionsQuery:
    @strawberry.field(extensions=READ, description="Projects the viewer sees, by name.")
    async def projects(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ProjectNode]:
        page = await projects.find_projects(
            current_viewer(info), page_request(first, after, last, before)
        )
        return Connection.of(page, ProjectNode.of)

    @strawberry.field(extensions=READ, description="Appointments overlapping [from, to), by start.")
    async def appointments(
        self,
        info: Info,
        project_id: strawberry.ID | None = None,
        status: AppointmentStatus | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AppointmentNode]:
        query = appointments.AppointmentQuery(
            project_id=str(project_id) if project_id is not None else None,
            status=models.AppointmentStatus(status) if status else None,
            from_=from_,
            to=to,
        )
        page = await appointments.find_appointments(
            current_viewer(info), query, page_request(first, after, last, before)
        )
        return Connection.of(page, AppointmentNode.of)

    @strawberry.field(
        extensions=allow(*AGENCY_ROLES, scopes=(TokenScope.PROMOTIONS_READ,)),
        description="Promoters, by name.",
    )
    async def promoters(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PromoterNode]:
        page = await projects.find_promoters(
            current_viewer(info), page_request(first, after, last, before)
        )
        return Connection.of(page, PromoterNode.of)


@strawberry.type
class PromotionsMutation:
    @strawberry.mutation(extensions=WRITE)
    async def create_promoter(self, input: CreatePromoterInput) -> PromoterPayload:
        new = projects.NewPromoter(
            name=input.name, phone=input.phone, email=input.email, street=input.street,
            postal_code=input.postal_code, city=input.city, birth_date=input.birth_date,
            notes=input.notes, password=input.password,
        )  # fmt: skip

        async def work() -> PromoterPayload:
            return PromoterPayload(promoter=PromoterNode.of(await projects.create_promoter(new)))

        return await mutate(PromoterPayload, work)

    @strawberry.mutation(extensions=WRITE)
    async def create_project(self, info: Info, input: CreateProjectInput) -> ProjectPayload:
        viewer = current_viewer(info)
        new = projects.NewProject(
            customer_id=str(input.customer_id),
            name=input.name,
            description=input.description,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            responsible_id=str(input.responsible_id) if input.responsible_id else None,
        )

        async def work() -> ProjectPayload:
            return ProjectPayload(
                project=ProjectNode.of(await projects.create_project(viewer, new))
            )

        return await mutate(ProjectPayload, work)

    @strawberry.mutation(extensions=WRITE)
    async def add_report_field(self, info: Info, input: AddReportFieldInput) -> ProjectPayload:
        viewer = current_viewer(info)
        kind = models.ReportFieldType(input.type)

        async def work() -> ProjectPayload:
            project = await projects.add_report_field(
                viewer, str(input.project_id), input.label, kind, input.required
            )
            return ProjectPayload(project=ProjectNode.of(project))

        return await mutate(ProjectPayload, work)

    @strawberry.mutation(extensions=WRITE)
    async def add_location(self, info: Info, input: AddLocationInput) -> LocationPayload:
        viewer = current_viewer(info)

        async def work() -> LocationPayload:
            location = await projects.add_location(
                viewer, str(input.project_id), str(input.store_id)
            )
            return LocationPayload(location=LocationNode.of(location))

        return await mutate(LocationPayload, work)

    @strawberry.mutation(
        extensions=WRITE, description="Assign a contact of the customer with portal access."
    )
    async def assign_project_contact(
        self, info: Info, project_id: strawberry.ID, contact_person_id: strawberry.ID
    ) -> ProjectPayload:
        viewer = current_viewer(info)

        async def work() -> ProjectPayload:
            project = await projects.assign_project_contact(
                viewer, str(project_id), str(contact_person_id)
            )
            return ProjectPayload(project=ProjectNode.of(project))

        return await mutate(ProjectPayload, work)

    @strawberry.mutation(extensions=WRITE, description="The agency adds a CONFIRMED appointment.")
    async def schedule_appointment(
        self, info: Info, input: ScheduleAppointmentInput
    ) -> AppointmentPayload:
        viewer = current_viewer(info)
        new = _new_appointment(input)

        async def work() -> AppointmentPayload:
            appointment = await appointments.schedule_appointment(viewer, new)
            return AppointmentPayload(appointment=AppointmentNode.of(appointment))

        return await mutate(AppointmentPayload, work)

    @strawberry.mutation(
        extensions=REQUEST,
        description="Ask for an appointment (REQUESTED); the agency is told by e-mail.",
    )
    async def request_appointment(
        self, info: Info, input: RequestAppointmentInput
    ) -> AppointmentPayload:
        viewer = current_viewer(info)
        settings = info.context.settings
        new = _new_appointment(input)

        async def work() -> AppointmentPayload:
            appointment = await appointments.request_appointment(viewer, settings, new)
            return AppointmentPayload(appointment=AppointmentNode.of(appointment))

        return await mutate(AppointmentPayload, work)

    @strawberry.mutation(extensions=WRITE, description="Confirm a requested appointment.")
    async def approve_appointment(self, info: Info, id: strawberry.ID) -> AppointmentPayload:
        return await _decide(info, id, True, None)

    @strawberry.mutation(extensions=WRITE, description="Turn down a requested appointment.")
    async def reject_appointment(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> AppointmentPayload:
        return await _decide(info, id, False, reason)

    @strawberry.mutation(extensions=WRITE, description="Booked promoters are told by e-mail.")
    async def cancel_appointment(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> AppointmentPayload:
        viewer = current_viewer(info)
        settings = info.context.settings

        async def work() -> AppointmentPayload:
            appointment = await appointments.cancel_appointment(viewer, settings, str(id), reason)
            return AppointmentPayload(appointment=AppointmentNode.of(appointment))

        return await mutate(AppointmentPayload, work)

    @strawberry.mutation(extensions=WRITE, description="Close a confirmed appointment.")
    async def complete_appointment(self, info: Info, id: strawberry.ID) -> AppointmentPayload:
        viewer = current_viewer(info)

        async def work() -> AppointmentPayload:
            appointment = await appointments.complete_appointment(viewer, str(id))
            return AppointmentPayload(appointment=AppointmentNode.of(appointment))

        return await mutate(AppointmentPayload, work)

    @strawberry.mutation(extensions=WRITE, description="The promoter gets a mail with an .ics.")
    async def book_promoter(
        self, info: Info, appointment_id: strawberry.ID, promoter_id: strawberry.ID
    ) -> BookingPayload:
        viewer = current_viewer(info)
        settings = info.context.settings

        async def work() -> BookingPayload:
            booking = await bookings.book_promoter(
                viewer, settings, str(appointment_id), str(promoter_id)
            )
            return BookingPayload(booking=BookingNode.of(booking))

        return await mutate(BookingPayload, work)

    @strawberry.mutation(extensions=WRITE)
    async def cancel_booking(self, info: Info, id: strawberry.ID) -> BookingPayload:
        viewer = current_viewer(info)
        settings = info.context.settings

        async def work() -> BookingPayload:
            booking = await bookings.cancel_booking(viewer, settings, str(id))
            return BookingPayload(booking=BookingNode.of(booking))

        return await mutate(BookingPayload, work)

    @strawberry.mutation(extensions=PROMOTER)
    async def check_in(self, info: Info, booking_id: strawberry.ID) -> TimeEntryPayload:
        viewer = current_viewer(info)

        async def work() -> TimeEntryPayload:
            entry = await fieldwork.check_in(viewer, str(booking_id))
            return TimeEntryPayload(time_entry=TimeEntryNode.of(entry))

        return await mutate(TimeEntryPayload, work)

    @strawberry.mutation(extensions=PROMOTER)
    async def check_out(self, info: Info, booking_id: strawberry.ID) -> TimeEntryPayload:
        viewer = current_viewer(info)

        async def work() -> TimeEntryPayload:
            entry = await fieldwork.check_out(viewer, str(booking_id))
            return TimeEntryPayload(time_entry=TimeEntryNode.of(entry))

        return await mutate(TimeEntryPayload, work)

    @strawberry.mutation(
        extensions=PROMOTER,
        description="Answer the report fields; resubmitting replaces the answers until the "
        "appointment is completed.",
    )
    async def submit_report(self, info: Info, input: SubmitReportInput) -> ReportPayload:
        viewer = current_viewer(info)
        answers = [fieldwork.Answer(str(a.field_id), a.value) for a in input.answers]

        async def work() -> ReportPayload:
            report = await fieldwork.submit_report(viewer, str(input.booking_id), answers)
            return ReportPayload(report=ReportNode.of(report))

        return await mutate(ReportPayload, work)
