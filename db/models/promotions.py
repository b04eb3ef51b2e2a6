"""Promotion projects at stores, their appointments, and the promoters who staff them."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ReportFieldType(StrEnum):
    NUMBER = "NUMBER"
    TEXT = "TEXT"
    BOOLEAN = "BOOLEAN"


class AppointmentStatus(StrEnum):
    REQUESTED = "REQUESTED"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


class BookingStatus(StrEnum):
    BOOKED = "BOOKED"
    CANCELLED = "CANCELLED"


class Promoter(Model):
    """A freelance promoter. Customers see the name, never the contact details."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    phone = fields.CharField(max_length=20, null=True)
    email = fields.CharField(max_length=254, null=True)
    street = fields.CharField(max_length=200, default="")
    postal_code = fields.CharField(max_length=20, default="")
    city = fields.CharField(max_length=100, default="")
    birth_date = fields.DateField(null=True)
    notes = fields.TextField(default="")
    user = fields.OneToOneField(
        "models.User", related_name="promoter", null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "promoters"


class Project(Model):
    id = fields.IntField(primary_key=True)
    customer = fields.ForeignKeyField(
        "models.Address", related_name="projects", on_delete=fields.RESTRICT
    )
    customer_id: int
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    starts_on = fields.DateField(null=True)
    ends_on = fields.DateField(null=True)
    responsible = fields.ForeignKeyField(
        "models.User", related_name="responsible_projects", null=True, on_delete=fields.SET_NULL
    )
    responsible_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "projects"


class ReportField(Model):
    """A question promoters answer in their report."""

    id = fields.IntField(primary_key=True)
    project = fields.ForeignKeyField(
        "models.Project", related_name="report_fields", on_delete=fields.CASCADE
    )
    project_id: int
    label = fields.CharField(max_length=200)
    type = fields.CharEnumField(ReportFieldType, max_length=8)
    required = fields.BooleanField(default=False)

    class Meta:
        table = "report_fields"


class ProjectContact(Model):
    """A customer contact assigned to a project: it appears in their portal."""

    id = fields.IntField(primary_key=True)
    project = fields.ForeignKeyField(
        "models.Project", related_name="contact_links", on_delete=fields.CASCADE
    )
    project_id: int
    contact_person = fields.ForeignKeyField(
        "models.ContactPerson", related_name="project_links", on_delete=fields.CASCADE
    )
    contact_person_id: int

    class Meta:
        table = "project_contacts"
        unique_together = (("project", "contact_person"),)


class Location(Model):
    """A store taking part in a project."""

    id = fields.IntField(primary_key=True)
    project = fields.ForeignKeyField(
        "models.Project", related_name="locations", on_delete=fields.CASCADE
    )
    project_id: int
    store = fields.ForeignKeyField(
        "models.Address", related_name="locations", on_delete=fields.RESTRICT
    )
    store_id: int

    class Meta:
        table = "locations"
        unique_together = (("project", "store"),)


class Appointment(Model):
    id = fields.IntField(primary_key=True)
    location = fields.ForeignKeyField(
        "models.Location", related_name="appointments", on_delete=fields.CASCADE
    )
    location_id: int
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    promoters_needed = fields.IntField()
    note = fields.TextField(default="")
    status = fields.CharEnumField(AppointmentStatus, max_length=10)
    # The customer contact who asked; null when the agency created it.
    requested_by = fields.ForeignKeyField(
        "models.ContactPerson",
        related_name="requested_appointments",
        null=True,
        on_delete=fields.SET_NULL,
    )
    requested_by_id: int | None
    decided_at = fields.DatetimeField(null=True)
    decided_by = fields.ForeignKeyField(
        "models.User", related_name="decided_appointments", null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: int | None
    rejection_reason = fields.TextField(null=True)
    cancellation_reason = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "appointments"
        # ("status", "starts_at", "id"): the agency's list by status over all projects.
        indexes = (("location_id", "starts_at"), ("starts_at", "id"), ("status", "starts_at", "id"))


class Booking(Model):
    """A promoter staffed on an appointment. Times are copied so overlaps are one query."""

    id = fields.IntField(primary_key=True)
    appointment = fields.ForeignKeyField(
        "models.Appointment", related_name="bookings", on_delete=fields.CASCADE
    )
    appointment_id: int
    promoter = fields.ForeignKeyField(
        "models.Promoter", related_name="bookings", on_delete=fields.RESTRICT
    )
    promoter_id: int
    status = fields.CharEnumField(BookingStatus, max_length=10, default=BookingStatus.BOOKED)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    # Bumped on every change, so a calendar replaces its copy (iCalendar SEQUENCE).
    sequence = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    cancelled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bookings"
        indexes = (("promoter_id", "starts_at"), ("appointment_id", "status"))


class TimeEntry(Model):
    id = fields.IntField(primary_key=True)
    booking = fields.ForeignKeyField(
        "models.Booking", related_name="time_entries", on_delete=fields.CASCADE
    )
    booking_id: int
    checked_in_at = fields.DatetimeField()
    checked_out_at = fields.DatetimeField(null=True)

    class Meta:
        table = "time_entries"
        indexes = (("booking_id", "checked_in_at", "id"),)


class Report(Model):
    id = fields.IntField(primary_key=True)
    booking = fields.OneToOneField(
        "models.Booking", related_name="report", on_delete=fields.CASCADE
    )
    booking_id: int
    submitted_at = fields.DatetimeField()

    class Meta:
        table = "reports"


class ReportAnswer(Model):
    id = fields.IntField(primary_key=True)
    report = fields.ForeignKeyField(
        "models.Report", related_name="answers", on_delete=fields.CASCADE
    )
    report_id: int
    field = fields.ForeignKeyField(
        "models.ReportField", related_name="answers", on_delete=fields.CASCADE
    )
    field_id: int
    value = fields.TextField()

    class Meta:
        table = "report_answers"
        unique_together = (("report", "field"),)


class ApiTokenProject(Model):
    """Limits an API token to some projects."""

    id = fields.IntField(primary_key=True)
    api_token = fields.ForeignKeyField(
        "models.ApiToken", related_name="project_links", on_delete=fields.CASCADE
    )
    api_token_id: int
    project = fields.ForeignKeyField(
        "models.Project", related_name="api_token_links", on_delete=fields.CASCADE
    )
    project_id: int

    class Meta:
        table = "api_token_projects"
        unique_together = (("api_token", "project"),)
