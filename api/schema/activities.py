"""The contact history, campaigns and tags, as they appear on an address."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from db.models import activities as models

if TYPE_CHECKING:
    from api.schema.accounts import UserNode

UserRef = Annotated["UserNode", strawberry.lazy("api.schema.accounts")]

ActivityKind = strawberry.enum(models.ActivityKind, name="ActivityKind")
ActivityDirection = strawberry.enum(models.ActivityDirection, name="ActivityDirection")
ActivityStatus = strawberry.enum(models.ActivityStatus, name="ActivityStatus")
CampaignStatus = strawberry.enum(models.CampaignStatus, name="CampaignStatus")
CampaignMemberStatus = strawberry.enum(models.CampaignMemberStatus, name="CampaignMemberStatus")


async def _user(info: Info, pk: int | None) -> UserRef | None:
    from api.schema.accounts import UserNode

    user = await info.context.loaders.user.load(pk) if pk else None
    return UserNode.of(user) if user else None


@strawberry.type(name="Subtag", description="The finest level of the tag hierarchy.")
class SubtagNode(relay.Node):
    id: relay.NodeID[int]
    name: str

    @classmethod
    def of(cls, subtag: models.Subtag) -> Self:
        return cls(id=subtag.id, name=subtag.name)


@strawberry.type(name="Campaign")
class CampaignNode(relay.Node):
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

    @strawberry.field
    async def campaign(self, info: Info) -> CampaignNode:
        campaign = await _campaign(info, self.campaign_id)
        assert campaign is not None
        return campaign

    @strawberry.field(description="Who looks after this address in the campaign (informative).")
    async def handler(self, info: Info) -> UserRef | None:
        return await _user(info, self.handler_id)


@strawberry.type(name="Activity", description="A documented contact with a customer.")
class ActivityNode(relay.Node):
    id: relay.NodeID[int]
    kind: ActivityKind
    direction: ActivityDirection
    status: ActivityStatus
    subject: str
    description: str
    starts_at: datetime
    duration_minutes: int
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
            responsible_id=activity.responsible_id,
            campaign_id=activity.campaign_id,
            subtag_id=activity.subtag_id,
        )

    @strawberry.field(description="The agency user responsible internally.")
    async def responsible(self, info: Info) -> UserRef | None:
        return await _user(info, self.responsible_id)

    @strawberry.field
    async def campaign(self, info: Info) -> CampaignNode | None:
        return await _campaign(info, self.campaign_id)

    @strawberry.field
    async def subtag(self, info: Info) -> SubtagNode | None:
        subtag = await info.context.loaders.subtag.load(self.subtag_id) if self.subtag_id else None
        return SubtagNode.of(subtag) if subtag else None
