"""The contact history, reminders, campaigns and tags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions.fields import current_viewer
from api.permissions.scoping import visible_activity_parts, visible_campaigns
from api.resolvers import activities, campaigns
from api.schema.crm import CRM_READ, CRM_WRITE
from api.schema.errors import Payload, mutate
from api.schema.nodes import Connection, ScopedNode, VisibleNode, page_request
from api.schema.refs import (
    AddressRef,
    ContactRef,
    UserRef,
    contact_ref,
    optional_id,
    user_ref,
    visible_address_ref,
)
from db.models import activities as models
from db.models.accounts import TokenScope

ActivityKind = strawberry.enum(models.ActivityKind, name="ActivityKind")
ActivityDirection = strawberry.enum(models.ActivityDirection, name="ActivityDirection")
ActivityStatus = strawberry.enum(models.ActivityStatus, name="ActivityStatus")
CampaignStatus = strawberry.enum(models.CampaignStatus, name="CampaignStatus")
CampaignMemberStatus = strawberry.enum(models.CampaignMemberStatus, name="CampaignMemberStatus")
DocumentKind = strawberry.enum(models.DocumentKind, name="DocumentKind")


@strawberry.type(name="Subtag", description="The finest level of the tag hierarchy.")
class SubtagNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    name: str

    @classmethod
    def of(cls, subtag: models.Subtag) -> Self:
        return cls(id=subtag.id, name=subtag.name)

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        row = await models.Subtag.get_or_none(pk=pk) if current_viewer(info).is_agency else None
        return cls.of(row) if row else None


@strawberry.type(name="Tag")
class TagNode(ScopedNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    model = models.Tag
    scope = staticmethod(visible_campaigns)
    id: relay.NodeID[int]
    name: str

    @classmethod
    def of(cls, tag: models.Tag) -> Self:
        return cls(id=tag.id, name=tag.name)

    @strawberry.field
    async def subtags(self, info: Info) -> list[SubtagNode]:
        return [SubtagNode.of(s) for s in await info.context.loaders.subtags_of_tag.load(self.id)]


@strawberry.type(name="TagGroup", description="The top level of the tag hierarchy.")
class TagGroupNode(ScopedNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    model = models.TagGroup
    scope = staticmethod(visible_campaigns)
    id: relay.NodeID[int]
    name: str

    @classmethod
    def of(cls, group: models.TagGroup) -> Self:
        return cls(id=group.id, name=group.name)

    @strawberry.field
    async def tags(self, info: Info) -> list[TagNode]:
        return [TagNode.of(t) for t in await info.context.loaders.tags_of_group.load(self.id)]


@strawberry.type(name="Campaign")
class CampaignNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    name: str
    description: str
    status: CampaignStatus
    starts_on: date | None
    ends_on: date | None

    @classmethod
    def of(cls, campaign: models.Campaign) -> Self:
        return cls(
            id=campaign.id,
            name=campaign.name,
            description=campaign.description,
            status=models.CampaignStatus(campaign.status),
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
        )

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        campaign = await campaigns.visible_campaign(current_viewer(info), pk)
        return cls.of(campaign) if campaign else None

    @strawberry.field(description="Addresses assigned to it that the viewer sees.")
    async def member_count(self, info: Info) -> int:
        return await info.context.loaders.member_count_of_campaign.load(self.id)


async def _campaign(info: Info, pk: int | None) -> CampaignNode | None:
    campaign = await info.context.loaders.campaign.load(pk) if pk else None
    return CampaignNode.of(campaign) if campaign else None


@strawberry.type(description="An address's place in a campaign.")
class CampaignMembership:
    status: CampaignMemberStatus
    campaign_id: strawberry.Private[int]
    handler_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, member: models.CampaignMember) -> Self:
        return cls(
            status=models.CampaignMemberStatus(member.status),
            campaign_id=member.campaign_id,
            handler_id=member.handler_id,
        )

    @strawberry.field(description="Archived campaigns still show here.")
    async def campaign(self, info: Info) -> CampaignNode:
        campaign = await _campaign(info, self.campaign_id)
        assert campaign is not None
        return campaign

    @strawberry.field(description="Who looks after this address in the campaign (informative).")
    @user_ref(lambda self: self.handler_id)
    async def handler(self, info: Info) -> UserRef | None: ...


@strawberry.type(name="Document", description="A document linked to an activity.")
class DocumentNode(ScopedNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    model = models.ActivityDocument
    scope = staticmethod(visible_activity_parts)
    id: relay.NodeID[int]
    kind: DocumentKind
    title: str
    url: str

    @classmethod
    def of(cls, document: models.ActivityDocument) -> Self:
        kind = models.DocumentKind(document.kind)
        return cls(id=document.id, kind=kind, title=document.title, url=document.url)


@strawberry.type(name="Reminder", description="Reminds a user of a planned activity.")
class ReminderNode(ScopedNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    model = models.Reminder
    scope = staticmethod(visible_activity_parts)
    id: relay.NodeID[int]
    remind_at: datetime
    activity_id: strawberry.Private[int]

    @classmethod
    def of(cls, reminder: models.Reminder) -> Self:
        return cls(id=reminder.id, remind_at=reminder.remind_at, activity_id=reminder.activity_id)

    @strawberry.field
    async def activity(self, info: Info) -> ActivityNode:
        return ActivityNode.of(await info.context.loaders.activity.load(self.activity_id))


@strawberry.type(name="Activity", description="A documented contact with a customer.")
class ActivityNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    kind: ActivityKind
    direction: ActivityDirection
    status: ActivityStatus
    subject: str
    description: str
    starts_at: datetime
    duration_minutes: int
    address_id: strawberry.Private[int]
    contact_person_id: strawberry.Private[int | None]
    responsible_id: strawberry.Private[int | None]
    campaign_id: strawberry.Private[int | None]
    subtag_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, activity: models.Activity) -> Self:
        return cls(
            id=activity.id,
            kind=models.ActivityKind(activity.kind),
            direction=models.ActivityDirection(activity.direction),
            status=models.ActivityStatus(activity.status),
            subject=activity.subject,
            description=activity.description,
            starts_at=activity.starts_at,
            duration_minutes=activity.duration_minutes,
            address_id=activity.address_id,
            contact_person_id=activity.contact_person_id,
            responsible_id=activity.responsible_id,
            campaign_id=activity.campaign_id,
            subtag_id=activity.subtag_id,
        )

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        activity = await activities.visible_activity(current_viewer(info), pk)
        return cls.of(activity) if activity else None

    @strawberry.field(
        description="The main address; null for a responsible user outside its groups."
    )
    @visible_address_ref(lambda self: self.address_id)
    async def address(self, info: Info) -> AddressRef | None: ...

    @strawberry.field
    @contact_ref(lambda self: self.contact_person_id)
    async def contact_person(self, info: Info) -> ContactRef | None: ...

    @strawberry.field(description="The agency user responsible internally.")
    @user_ref(lambda self: self.responsible_id)
    async def responsible(self, info: Info) -> UserRef | None: ...

    @strawberry.field
    async def campaign(self, info: Info) -> CampaignNode | None:
        return await _campaign(info, self.campaign_id)

    @strawberry.field
    async def subtag(self, info: Info) -> SubtagNode | None:
        subtag = await info.context.loaders.subtag.load(self.subtag_id) if self.subtag_id else None
        return SubtagNode.of(subtag) if subtag else None

    @strawberry.field
    async def documents(self, info: Info) -> list[DocumentNode]:
        rows = await info.context.loaders.documents_of_activity.load(self.id)
        return [DocumentNode.of(row) for row in rows]

    @strawberry.field(description="Open reminders; completing the activity removes them.")
    async def reminders(self, info: Info) -> list[ReminderNode]:
        rows = await info.context.loaders.reminders_of_activity.load(self.id)
        return [ReminderNode.of(row) for row in rows]


@strawberry.input
class LogActivityInput:
    address_id: strawberry.ID
    kind: ActivityKind
    direction: ActivityDirection
    status: ActivityStatus
    starts_at: datetime
    subject: str
    contact_person_id: strawberry.ID | None = None
    participant_address_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    duration_minutes: int | None = None
    reminder: bool = strawberry.field(
        default=False, description="A planned activity gets a reminder a day before it starts."
    )
    description: str | None = None
    responsible_id: strawberry.ID | None = None
    campaign_id: strawberry.ID | None = None
    subtag_id: strawberry.ID | None = None


@strawberry.input
class CompleteActivityInput:
    id: strawberry.ID
    status: ActivityStatus
    duration_minutes: int | None = None
    starts_at: datetime | None = None
    note: str | None = strawberry.field(
        default=None, description="Appended to the activity's description."
    )
    campaign_id: strawberry.ID | None = None


@strawberry.type
class ActivityPayload(Payload):
    activity: ActivityNode | None = None


@strawberry.input
class LinkDocumentInput:
    activity_id: strawberry.ID
    kind: DocumentKind
    title: str
    url: str


@strawberry.input
class CreateCampaignInput:
    name: str
    description: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@strawberry.input
class UpdateCampaignInput:
    id: strawberry.ID
    name: str
    description: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@strawberry.input
class AddCampaignMembersInput:
    campaign_id: strawberry.ID
    address_ids: list[strawberry.ID]
    handler_id: strawberry.ID | None = None
    status: CampaignMemberStatus | None = None


@strawberry.type
class CampaignPayload(Payload):
    campaign: CampaignNode | None = None


@strawberry.type
class TagGroupPayload(Payload):
    tag_group: TagGroupNode | None = None


@strawberry.type
class TagPayload(Payload):
    tag: TagNode | None = None


@strawberry.type
class SubtagPayload(Payload):
    subtag: SubtagNode | None = None


@strawberry.type
class ActivitiesQuery:
    @strawberry.field(extensions=CRM_READ, description="Campaigns by name.")
    async def campaigns(
        self,
        info: Info,
        include_archived: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CampaignNode]:
        page = await campaigns.find_campaigns(
            current_viewer(info), include_archived, page_request(first, after, last, before)
        )
        return Connection.of(page, CampaignNode.of)

    @strawberry.field(extensions=CRM_READ, description="Tag groups > tags > subtags, by name.")
    async def tag_groups(self) -> list[TagGroupNode]:
        return [TagGroupNode.of(group) for group in await campaigns.tag_groups()]


@strawberry.type
class ActivitiesMutation:
    @strawberry.mutation(extensions=CRM_WRITE)
    async def log_activity(self, info: Info, input: LogActivityInput) -> ActivityPayload:
        viewer = current_viewer(info)
        new = activities.NewActivity(
            address_id=str(input.address_id),
            kind=models.ActivityKind(input.kind),
            direction=models.ActivityDirection(input.direction),
            status=models.ActivityStatus(input.status),
            starts_at=input.starts_at,
            subject=input.subject,
            contact_person_id=optional_id(input.contact_person_id),
            participant_address_ids=tuple(str(i) for i in input.participant_address_ids),
            duration_minutes=input.duration_minutes,
            reminder=input.reminder,
            description=input.description,
            responsible_id=optional_id(input.responsible_id),
            campaign_id=optional_id(input.campaign_id),
            subtag_id=optional_id(input.subtag_id),
        )

        async def work() -> ActivityPayload:
            return ActivityPayload(
                activity=ActivityNode.of(await activities.log_activity(viewer, new))
            )

        return await mutate(ActivityPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def complete_activity(self, info: Info, input: CompleteActivityInput) -> ActivityPayload:
        viewer = current_viewer(info)
        completion = activities.Completion(
            activity_id=str(input.id),
            status=models.ActivityStatus(input.status),
            duration_minutes=input.duration_minutes,
            starts_at=input.starts_at,
            note=input.note,
            campaign_id=optional_id(input.campaign_id),
        )

        async def work() -> ActivityPayload:
            activity = await activities.complete_activity(viewer, completion)
            return ActivityPayload(activity=ActivityNode.of(activity))

        return await mutate(ActivityPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def link_document(self, info: Info, input: LinkDocumentInput) -> ActivityPayload:
        viewer = current_viewer(info)
        kind = models.DocumentKind(input.kind)

        async def work() -> ActivityPayload:
            activity = await activities.link_document(
                viewer, str(input.activity_id), kind, input.title, input.url
            )
            return ActivityPayload(activity=ActivityNode.of(activity))

        return await mutate(ActivityPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def create_campaign(self, input: CreateCampaignInput) -> CampaignPayload:
        new = campaigns.NewCampaign(input.name, input.description, input.starts_on, input.ends_on)

        async def work() -> CampaignPayload:
            return CampaignPayload(campaign=CampaignNode.of(await campaigns.create_campaign(new)))

        return await mutate(CampaignPayload, work)

    @strawberry.mutation(
        extensions=CRM_WRITE,
        description="Edit an active campaign (archived ones stay as they are).",
    )
    async def update_campaign(self, info: Info, input: UpdateCampaignInput) -> CampaignPayload:
        viewer = current_viewer(info)
        changes = campaigns.NewCampaign(
            input.name, input.description, input.starts_on, input.ends_on
        )

        async def work() -> CampaignPayload:
            campaign = await campaigns.update_campaign(viewer, str(input.id), changes)
            return CampaignPayload(campaign=CampaignNode.of(campaign))

        return await mutate(CampaignPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def add_campaign_members(
        self, info: Info, input: AddCampaignMembersInput
    ) -> CampaignPayload:
        viewer = current_viewer(info)
        status = models.CampaignMemberStatus(input.status) if input.status else None

        async def work() -> CampaignPayload:
            campaign = await campaigns.add_campaign_members(
                viewer,
                str(input.campaign_id),
                [str(i) for i in input.address_ids],
                optional_id(input.handler_id),
                status,
            )
            return CampaignPayload(campaign=CampaignNode.of(campaign))

        return await mutate(CampaignPayload, work)

    @strawberry.mutation(
        extensions=CRM_WRITE,
        description="Archive for good: history keeps it, nothing new may choose it.",
    )
    async def archive_campaign(self, info: Info, id: strawberry.ID) -> CampaignPayload:
        viewer = current_viewer(info)

        async def work() -> CampaignPayload:
            campaign = await campaigns.archive_campaign(viewer, str(id))
            return CampaignPayload(campaign=CampaignNode.of(campaign))

        return await mutate(CampaignPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def create_tag_group(self, name: str) -> TagGroupPayload:
        async def work() -> TagGroupPayload:
            return TagGroupPayload(
                tag_group=TagGroupNode.of(await campaigns.create_tag_group(name))
            )

        return await mutate(TagGroupPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def create_tag(self, group_id: strawberry.ID, name: str) -> TagPayload:
        async def work() -> TagPayload:
            return TagPayload(tag=TagNode.of(await campaigns.create_tag(str(group_id), name)))

        return await mutate(TagPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def create_subtag(self, tag_id: strawberry.ID, name: str) -> SubtagPayload:
        async def work() -> SubtagPayload:
            subtag = await campaigns.create_subtag(str(tag_id), name)
            return SubtagPayload(subtag=SubtagNode.of(subtag))

        return await mutate(SubtagPayload, work)
