"""CRM activities: the contact history, campaigns and the tag hierarchy."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ActivityKind(StrEnum):
    CALL = "CALL"
    EMAIL = "EMAIL"
    MEETING = "MEETING"
    LETTER = "LETTER"
    VISIT = "VISIT"
    NOTE = "NOTE"
    MEASURE = "MEASURE"


class ActivityDirection(StrEnum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class ActivityStatus(StrEnum):
    PLANNED = "PLANNED"
    DONE = "DONE"
    NOT_DONE = "NOT_DONE"


class CampaignStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class CampaignMemberStatus(StrEnum):
    OPEN = "OPEN"
    CONTACTED = "CONTACTED"
    INTERESTED = "INTERESTED"
    NOT_INTERESTED = "NOT_INTERESTED"
    WON = "WON"


class TagGroup(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)

    class Meta:
        table = "tag_groups"


class Tag(Model):
    id = fields.IntField(primary_key=True)
    group = fields.ForeignKeyField("models.TagGroup", related_name="tags", on_delete=fields.CASCADE)
    group_id: int
    name = fields.CharField(max_length=100)

    class Meta:
        table = "tags"
        unique_together = (("group", "name"),)


class Subtag(Model):
    id = fields.IntField(primary_key=True)
    tag = fields.ForeignKeyField("models.Tag", related_name="subtags", on_delete=fields.CASCADE)
    tag_id: int
    name = fields.CharField(max_length=100)

    class Meta:
        table = "subtags"
        unique_together = (("tag", "name"),)


class Campaign(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    status = fields.CharEnumField(CampaignStatus, max_length=10, default=CampaignStatus.ACTIVE)
    starts_on = fields.DateField(null=True)
    ends_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "campaigns"


class CampaignMember(Model):
    """An address assigned to a campaign. The handler is informative, not a visibility grant."""

    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField(
        "models.Campaign", related_name="members", on_delete=fields.CASCADE
    )
    campaign_id: int
    address = fields.ForeignKeyField(
        "models.Address", related_name="campaign_memberships", on_delete=fields.CASCADE
    )
    address_id: int
    status = fields.CharEnumField(
        CampaignMemberStatus, max_length=16, default=CampaignMemberStatus.OPEN
    )
    handler = fields.ForeignKeyField(
        "models.User", related_name="handled_campaign_members", null=True, on_delete=fields.SET_NULL
    )
    handler_id: int | None

    class Meta:
        table = "campaign_members"
        unique_together = (("campaign", "address"),)


class Activity(Model):
    id = fields.IntField(primary_key=True)
    address = fields.ForeignKeyField(
        "models.Address", related_name="activities", on_delete=fields.CASCADE
    )
    address_id: int
    contact_person = fields.ForeignKeyField(
        "models.ContactPerson", related_name="activities", null=True, on_delete=fields.SET_NULL
    )
    contact_person_id: int | None
    kind = fields.CharEnumField(ActivityKind, max_length=10)
    direction = fields.CharEnumField(ActivityDirection, max_length=10)
    status = fields.CharEnumField(ActivityStatus, max_length=10)
    starts_at = fields.DatetimeField()
    duration_minutes = fields.IntField(default=0)
    subject = fields.CharField(max_length=300)
    description = fields.TextField(default="")
    responsible = fields.ForeignKeyField(
        "models.User", related_name="responsible_activities", null=True, on_delete=fields.SET_NULL
    )
    responsible_id: int | None
    created_by = fields.ForeignKeyField(
        "models.User", related_name="created_activities", on_delete=fields.RESTRICT
    )
    created_by_id: int
    campaign = fields.ForeignKeyField(
        "models.Campaign", related_name="activities", null=True, on_delete=fields.RESTRICT
    )
    campaign_id: int | None
    subtag = fields.ForeignKeyField(
        "models.Subtag", related_name="activities", null=True, on_delete=fields.RESTRICT
    )
    subtag_id: int | None
    reminder = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "activities"
        indexes = (("address_id", "starts_at"),)


class ActivityParticipant(Model):
    """A further address taking part: the activity shows in its history too."""

    id = fields.IntField(primary_key=True)
    activity = fields.ForeignKeyField(
        "models.Activity", related_name="participants", on_delete=fields.CASCADE
    )
    activity_id: int
    address = fields.ForeignKeyField(
        "models.Address", related_name="participations", on_delete=fields.CASCADE
    )
    address_id: int

    class Meta:
        table = "activity_participants"
        unique_together = (("activity", "address"),)


class DocumentKind(StrEnum):
    REPORT = "REPORT"
    DELIVERY_NOTE = "DELIVERY_NOTE"
    EMAIL = "EMAIL"
    FILE = "FILE"
    URL = "URL"


class ActivityDocument(Model):
    """A document linked to an activity: a report, delivery note, e-mail, file or URL."""

    id = fields.IntField(primary_key=True)
    activity = fields.ForeignKeyField(
        "models.Activity", related_name="documents", on_delete=fields.CASCADE
    )
    activity_id: int
    kind = fields.CharEnumField(DocumentKind, max_length=16)
    title = fields.CharField(max_length=200)
    url = fields.CharField(max_length=2000)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "activity_documents"


class Reminder(Model):
    """Reminds a user of a planned activity, due a day before it starts."""

    id = fields.IntField(primary_key=True)
    activity = fields.ForeignKeyField(
        "models.Activity", related_name="reminders", on_delete=fields.CASCADE
    )
    activity_id: int
    user = fields.ForeignKeyField("models.User", related_name="reminders", on_delete=fields.CASCADE)
    user_id: int
    remind_at = fields.DatetimeField()
    # Set when the due-reminder sweep queued its mail: it is mailed once.
    notified_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reminders"
        unique_together = (("activity", "user"),)
        indexes = (("notified_at", "remind_at"),)
