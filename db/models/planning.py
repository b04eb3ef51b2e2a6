"""Contact planning: plans of regular calls, the generated call list, and orders taken."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ContactPlanPurpose(StrEnum):
    ORDER_INTAKE = "ORDER_INTAKE"
    MARKET_RESEARCH = "MARKET_RESEARCH"
    OTHER = "OTHER"


class ContactOutcome(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    NOT_REACHED = "NOT_REACHED"
    BUSY = "BUSY"
    CALL_BACK = "CALL_BACK"
    ORDER_PLACED = "ORDER_PLACED"


class ContactPlan(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    purpose = fields.CharEnumField(ContactPlanPurpose, max_length=16)
    # ISO weekday numbers, Monday = 1.
    weekdays: list[int] = fields.JSONField(default=list)
    responsible = fields.ForeignKeyField(
        "models.User", related_name="contact_plans", null=True, on_delete=fields.SET_NULL
    )
    responsible_id: int | None
    valid_from = fields.DateField()
    valid_until = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contact_plans"


class ContactPlanMember(Model):
    """A customer in a plan, with the number to call and when to call."""

    id = fields.IntField(primary_key=True)
    plan = fields.ForeignKeyField(
        "models.ContactPlan", related_name="members", on_delete=fields.CASCADE
    )
    plan_id: int
    address = fields.ForeignKeyField(
        "models.Address", related_name="plan_memberships", on_delete=fields.CASCADE
    )
    address_id: int
    contact_person = fields.ForeignKeyField(
        "models.ContactPerson",
        related_name="plan_memberships",
        null=True,
        on_delete=fields.SET_NULL,
    )
    contact_person_id: int | None
    phone = fields.CharField(max_length=20)
    # Local wall-clock times "HH:MM" of the window in which to call.
    contact_from = fields.CharField(max_length=5, null=True)
    contact_until = fields.CharField(max_length=5, null=True)

    class Meta:
        table = "contact_plan_members"
        unique_together = (("plan", "address"),)


class ContactPlanException(Model):
    """Days on which the plan does not run, both ends inclusive."""

    id = fields.IntField(primary_key=True)
    plan = fields.ForeignKeyField(
        "models.ContactPlan", related_name="exceptions", on_delete=fields.CASCADE
    )
    plan_id: int
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    reason = fields.CharField(max_length=200, default="")

    class Meta:
        table = "contact_plan_exceptions"


class Order(Model):
    """An order taken during a call. One per customer and delivery date: a second order
    for the same day adds its lines to the first."""

    id = fields.IntField(primary_key=True)
    address = fields.ForeignKeyField(
        "models.Address", related_name="orders", on_delete=fields.CASCADE
    )
    address_id: int
    delivery_date = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "orders"
        unique_together = (("address", "delivery_date"),)


class OrderLine(Model):
    id = fields.IntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="lines", on_delete=fields.CASCADE)
    order_id: int
    item = fields.CharField(max_length=200)
    quantity = fields.IntField()

    class Meta:
        table = "order_lines"


class ScheduledContact(Model):
    """One call to make. (plan, member, date) is unique, so no run creates it twice."""

    id = fields.IntField(primary_key=True)
    plan = fields.ForeignKeyField(
        "models.ContactPlan", related_name="scheduled_contacts", on_delete=fields.CASCADE
    )
    plan_id: int
    member = fields.ForeignKeyField(
        "models.ContactPlanMember", related_name="scheduled_contacts", on_delete=fields.CASCADE
    )
    member_id: int
    date = fields.DateField()
    # The member's window start when generated: the list is worked in this order.
    window_start = fields.CharField(max_length=5, default="00:00")
    status = fields.CharEnumField(ContactOutcome, max_length=16, default=ContactOutcome.OPEN)
    note = fields.TextField(default="")
    order = fields.ForeignKeyField(
        "models.Order", related_name="scheduled_contacts", null=True, on_delete=fields.SET_NULL
    )
    order_id: int | None
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "scheduled_contacts"
        unique_together = (("plan", "member", "date"),)
        indexes = (("plan_id", "date", "window_start", "id"),)
