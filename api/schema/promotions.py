"""Promotion projects, locations, appointments, promoters, bookings and reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.batch_fields import batched
from api.permissions.fields import agency_only, allow, current_viewer, promoter_contact
from api.permissions.scoping import visible_booking_parts, visible_report_fields
from api.resolvers import projects
from api.resolvers.pagination import page_of_list
from api.schema.nodes import Connection, ScopedNode, VisibleNode, page_request
from api.schema.refs import AddressRef, ContactRef, UserRef, address_ref, contact_ref, user_ref
from api.schema.row_views import ROW, row_view
from db.models import promotions as models
from db.models.accounts import Role, TokenScope

ReportFieldType = strawberry.enum(models.ReportFieldType, name="ReportFieldType")
AppointmentStatus = strawberry.enum(models.AppointmentStatus, name="AppointmentStatus")
BookingStatus = strawberry.enum(models.BookingStatus, name="BookingStatus")

READ_SCOPES = frozenset({TokenScope.PROMOTIONS_READ, TokenScope.PROJECTS_READ})
REPORTS = allow(
    Role.ADMIN, Role.STAFF, Role.CUSTOMER, Role.PROMOTER,
    scopes=(TokenScope.PROMOTIONS_READ, TokenScope.REPORTS_READ),
)  # fmt: skip


@strawberry.type(name="ReportField", description="A question promoters answer in reports.")
class ReportFieldNode(ScopedNode):
    read_scopes = READ_SCOPES
    model = models.ReportField
    scope = staticmethod(visible_report_fields)
    id: relay.NodeID[int]
    label: str
    type: ReportFieldType
    required: bool

    @classmethod
    def of(cls, field: models.ReportField) -> Self:
        kind = models.ReportFieldType(field.type)
        return cls(id=field.id, label=field.label, type=kind, required=field.required)


@row_view(row=ROW)
@strawberry.type(name="Promoter", description="A freelance promoter.")
class PromoterNode(VisibleNode):
    read_scopes = READ_SCOPES
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Customers may see the name.")
    row: strawberry.Private[models.Promoter]

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        row = await projects.visible_row(models.Promoter, current_viewer(info), pk)
        return cls.of(row) if row else None

    @strawberry.field(extensions=promoter_contact(), description="Never shown to customers.")
    def phone(self) -> str | None:
        return self.row.phone

    @strawberry.field(extensions=promoter_contact(), description="Never shown to customers.")
    def email(self) -> str | None:
        return self.row.email

    @strawberry.field(extensions=promoter_contact(), description="Never shown to customers.")
    def street(self) -> str | None:
        return self.row.street

    @strawberry.field(extensions=promoter_contact(), description="Never shown to customers.")
    def postal_code(self) -> str | None:
        return self.row.postal_code

    @strawberry.field(extensions=promoter_contact(), description="Never shown to customers.")
    def city(self) -> str | None:
        return self.row.city

    @strawberry.field(extensions=promoter_contact(), description="Never shown to customers.")
    def birth_date(self) -> date | None:
        return self.row.birth_date

    @strawberry.field(extensions=promoter_contact(), description="Never shown to customers.")
    def notes(self) -> str | None:
        return self.row.notes

    @strawberry.field(description="Bookings overlapping [from, to), by start.")
    async def bookings(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> list[BookingNode]:
        rows = await info.context.loaders.bookings_of_promoter.load((self.id, from_, to))
        return [BookingNode.of(row) for row in rows]


@strawberry.type(name="TimeEntry", description="A check-in and check-out of a booking.")
class TimeEntryNode(ScopedNode):
    read_scopes = READ_SCOPES
    model = models.TimeEntry
    scope = staticmethod(visible_booking_parts)
    id: relay.NodeID[int]
    checked_in_at: datetime
    checked_out_at: datetime | None

    @classmethod
    def of(cls, entry: models.TimeEntry) -> Self:
        return cls(
            id=entry.id, checked_in_at=entry.checked_in_at, checked_out_at=entry.checked_out_at
        )


@strawberry.type(description="One answer of a report.")
class ReportAnswer:
    value: str
    field_id: strawberry.Private[int]

    @strawberry.field
    async def field(self, info: Info) -> ReportFieldNode:
        return ReportFieldNode.of(await info.context.loaders.report_field.load(self.field_id))


@row_view()
@strawberry.type(name="Report", description="A booking's answers to the project's fields.")
class ReportNode(VisibleNode):
    read_scopes = frozenset({TokenScope.PROMOTIONS_READ, TokenScope.REPORTS_READ})
    id: relay.NodeID[int]
    submitted_at: datetime
    booking_id: strawberry.Private[int]

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        row = await projects.visible_row(models.Report, current_viewer(info), pk)
        return cls.of(row) if row else None

    @strawberry.field
    @batched(lambda loaders: loaders.booking, lambda self: self.booking_id,
             lambda row: BookingNode.of(row))  # fmt: skip
    async def booking(self, info: Info) -> BookingNode: ...

    @strawberry.field
    async def answers(self, info: Info) -> list[ReportAnswer]:
        rows = await info.context.loaders.answers_of_report.load(self.id)
        return [ReportAnswer(value=row.value, field_id=row.field_id) for row in rows]


@row_view()
@strawberry.type(name="Booking", description="A promoter staffed on an appointment.")
class BookingNode(VisibleNode):
    read_scopes = READ_SCOPES
    id: relay.NodeID[int]
    status: BookingStatus
    promoter_id: strawberry.Private[int]
    appointment_id: strawberry.Private[int]

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        row = await projects.visible_row(models.Booking, current_viewer(info), pk)
        return cls.of(row) if row else None

    @strawberry.field
    @batched(lambda loaders: loaders.promoter, lambda self: self.promoter_id,
             lambda row: PromoterNode.of(row))  # fmt: skip
    async def promoter(self, info: Info) -> PromoterNode: ...

    @strawberry.field
    @batched(lambda loaders: loaders.appointment, lambda self: self.appointment_id,
             lambda row: AppointmentNode.of(row))  # fmt: skip
    async def appointment(self, info: Info) -> AppointmentNode: ...

    @strawberry.field(extensions=allow(Role.ADMIN, Role.STAFF, Role.PROMOTER, silently=True))
    async def time_entries(self, info: Info) -> list[TimeEntryNode]:
        rows = await info.context.loaders.time_entries_of_booking.load(self.id)
        return [TimeEntryNode.of(row) for row in rows]

    @strawberry.field
    @batched(lambda loaders: loaders.report_of_booking, lambda self: self.id,
             lambda rows: ReportNode.of(rows[0]) if rows else None)  # fmt: skip
    async def report(self, info: Info) -> ReportNode | None: ...


@row_view()
@strawberry.type(name="Appointment", description="A time slot at a location needing promoters.")
class AppointmentNode(VisibleNode):
    read_scopes = READ_SCOPES
    id: relay.NodeID[int]
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    promoters_needed: int
    note: str
    rejection_reason: str | None
    decided_at: datetime | None
    location_id: strawberry.Private[int]
    requested_by_id: strawberry.Private[int | None]
    decided_by_id: strawberry.Private[int | None]

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        row = await projects.visible_row(models.Appointment, current_viewer(info), pk)
        return cls.of(row) if row else None

    @strawberry.field(extensions=agency_only(), description="The contact who asked for it.")
    @contact_ref(lambda self: self.requested_by_id)
    async def requested_by(self, info: Info) -> ContactRef | None: ...

    @strawberry.field(extensions=agency_only(), description="Who approved or rejected it.")
    @user_ref(lambda self: self.decided_by_id)
    async def decided_by(self, info: Info) -> UserRef | None: ...

    @strawberry.field
    @batched(lambda loaders: loaders.location, lambda self: self.location_id,
             lambda row: LocationNode.of(row))  # fmt: skip
    async def location(self, info: Info) -> LocationNode: ...

    @strawberry.field(description="Bookings, cancelled ones included (see status).")
    @batched(lambda loaders: loaders.bookings_of_appointment, lambda self: self.id,
             lambda rows: [BookingNode.of(row) for row in rows])  # fmt: skip
    async def bookings(self, info: Info) -> list[BookingNode]: ...


@row_view()
@strawberry.type(name="Location", description="A store taking part in a project.")
class LocationNode(VisibleNode):
    read_scopes = READ_SCOPES
    id: relay.NodeID[int]
    project_id: strawberry.Private[int]
    store_id: strawberry.Private[int]

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        row = await projects.visible_row(models.Location, current_viewer(info), pk)
        return cls.of(row) if row else None

    @strawberry.field
    @address_ref(lambda self: self.store_id)
    async def store(self, info: Info) -> AddressRef: ...

    @strawberry.field
    @batched(lambda loaders: loaders.project, lambda self: self.project_id,
             lambda row: ProjectNode.of(row))  # fmt: skip
    async def project(self, info: Info) -> ProjectNode: ...

    @strawberry.field(description="Appointments here, by start.")
    async def appointments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AppointmentNode]:
        rows = await info.context.loaders.appointments_of_location.load(self.id)
        page = page_of_list(rows, page_request(first, after, None, None), default_size=100)
        return Connection.of(page, AppointmentNode.of)


@row_view()
@strawberry.type(name="Project", description="A promotion run for a customer.")
class ProjectNode(VisibleNode):
    read_scopes = READ_SCOPES
    id: relay.NodeID[int]
    name: str
    description: str
    starts_on: date | None
    ends_on: date | None
    customer_id: strawberry.Private[int]
    responsible_id: strawberry.Private[int | None]

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        row = await projects.visible_row(models.Project, current_viewer(info), pk)
        return cls.of(row) if row else None

    @strawberry.field(
        extensions=allow(Role.ADMIN, Role.STAFF, Role.CUSTOMER, silently=True),
        description="The customer's address (not shown to promoters).",
    )
    @address_ref(lambda self: self.customer_id)
    async def customer(self, info: Info) -> AddressRef | None: ...

    @strawberry.field(description="The agency user responsible.")
    @user_ref(lambda self: self.responsible_id)
    async def responsible(self, info: Info) -> UserRef | None: ...

    @strawberry.field(extensions=agency_only(), description="Customer contacts assigned to it.")
    async def contacts(self, info: Info) -> list[ContactRef]:
        from api.schema.addresses import ContactPersonNode

        rows = await info.context.loaders.contacts_of_project.load(self.id)
        return [ContactPersonNode.of(row) for row in rows]

    @strawberry.field
    async def report_fields(self, info: Info) -> list[ReportFieldNode]:
        rows = await info.context.loaders.report_fields_of_project.load(self.id)
        return [ReportFieldNode.of(row) for row in rows]

    @strawberry.field(description="Locations the viewer sees (a territory-limited contact "
                      "sees only stores in their territories).")  # fmt: skip
    async def locations(self, info: Info) -> list[LocationNode]:
        rows = await info.context.loaders.locations_of_project.load(self.id)
        return [LocationNode.of(row) for row in rows]

    @strawberry.field(extensions=REPORTS, description="Submitted reports, newest first.")
    async def reports(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ReportNode]:
        rows = await info.context.loaders.reports_of_project.load(self.id)
        page = page_of_list(rows, page_request(first, after, None, None), default_size=100)
        return Connection.of(page, ReportNode.of)
