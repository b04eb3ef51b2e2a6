"""Tasks for a user or a team pool, and the private calendar feeds that show them."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class TaskStatus(StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"


class Task(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=300)
    description = fields.TextField(default="")
    status = fields.CharEnumField(TaskStatus, max_length=8, default=TaskStatus.OPEN)
    # A team task has no assignee until a member claims it.
    assignee = fields.ForeignKeyField(
        "models.User", related_name="tasks", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    team = fields.ForeignKeyField(
        "models.Team", related_name="tasks", null=True, on_delete=fields.SET_NULL
    )
    team_id: int | None
    # Exactly one of the two: a deadline (a to-do) or a date and time (an appointment).
    due_by = fields.DatetimeField(null=True)
    due_on = fields.DatetimeField(null=True)
    # Whichever of the two is set: lists sort by it.
    due_at = fields.DatetimeField()
    address = fields.ForeignKeyField(
        "models.Address", related_name="tasks", null=True, on_delete=fields.SET_NULL
    )
    address_id: int | None
    activity = fields.ForeignKeyField(
        "models.Activity", related_name="tasks", null=True, on_delete=fields.SET_NULL
    )
    activity_id: int | None
    created_by = fields.ForeignKeyField(
        "models.User", related_name="created_tasks", on_delete=fields.RESTRICT
    )
    created_by_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    completed_at = fields.DatetimeField(null=True)
    # Bumped on every change, so a calendar replaces its copy (iCalendar SEQUENCE).
    sequence = fields.IntField(default=0)

    class Meta:
        table = "tasks"
        indexes = (("assignee_id", "status", "due_at"), ("team_id", "status", "due_at"))


class CalendarFeed(Model):
    """The secret in a user's calendar feed URL. Regenerating it revokes the old one.

    Kept readable, unlike other secrets: the URL is shown again on every visit, and it only
    reads a calendar. Calendar apps cannot send an Authorization header.
    """

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="calendar_feeds", on_delete=fields.CASCADE
    )
    user_id: int
    token = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "calendar_feeds"
