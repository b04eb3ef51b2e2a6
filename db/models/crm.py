"""CRM records and the account groups that decide who sees them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AccountGroup(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    # Set for the group created with a staff user and named after them.
    personal_for = fields.OneToOneField(
        "models.User", related_name="personal_group", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account_groups"


class AccountGroupMember(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[AccountGroup] = fields.ForeignKeyField(
        "models.AccountGroup", related_name="memberships", on_delete=fields.CASCADE
    )
    group_id: int
    user = fields.ForeignKeyField(
        "models.User", related_name="group_memberships", on_delete=fields.CASCADE
    )
    user_id: int
    # A substitute's membership lapses by itself after this day.
    valid_until = fields.DateField(null=True)

    class Meta:
        table = "account_group_members"
        unique_together = (("group", "user"),)


class Team(Model):
    """A pool for work distribution (membership grants no visibility)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "teams"


class TeamMember(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="memberships", on_delete=fields.CASCADE
    )
    team_id: int
    user = fields.ForeignKeyField(
        "models.User", related_name="team_memberships", on_delete=fields.CASCADE
    )
    user_id: int

    class Meta:
        table = "team_members"
        unique_together = (("team", "user"),)
