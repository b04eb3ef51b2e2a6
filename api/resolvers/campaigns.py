"""Campaigns and the addresses assigned to them; the tag hierarchy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from api.permissions.scoping import visible_campaigns
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.activities import agency_user
from api.resolvers.addresses import address_argument
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from api.resolvers.pagination import Page, PageRequest, paginate
from db.models.activities import (
    Campaign,
    CampaignMember,
    CampaignMemberStatus,
    CampaignStatus,
    Subtag,
    Tag,
    TagGroup,
)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class NewCampaign:
    name: str
    description: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None


async def visible_campaign(viewer: Viewer, pk: int) -> Campaign | None:
    return await Campaign.filter(visible_campaigns(viewer), pk=pk).first()


async def campaign_argument(viewer: Viewer, global_id: str, field: str) -> Campaign:
    campaign = await visible_campaign(viewer, inputs.node_pk(global_id, "Campaign", field))
    if campaign is None:
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, "No Campaign with this ID.")
    return campaign


def _period(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise UserFailure.of("endsOn", ErrorCode.INVALID, "endsOn must not lie before startsOn.")


async def create_campaign(new: NewCampaign) -> Campaign:
    problems = FailureCollector()
    name = problems.check(inputs.required_text, new.name, "name")
    description = problems.check(
        lambda v, f: inputs.optional_text(v, f, 20_000), new.description, "description"
    )
    problems.raise_if_any()
    _period(new.starts_on, new.ends_on)
    return await Campaign.create(
        name=name, description=description, starts_on=new.starts_on, ends_on=new.ends_on
    )


async def add_campaign_members(
    viewer: Viewer,
    campaign_id: str,
    address_ids: list[str],
    handler_id: str | None,
    status: CampaignMemberStatus | None,
) -> Campaign:
    """Assign addresses (or update their status and handler if already assigned)."""
    campaign = await campaign_argument(viewer, campaign_id, "campaignId")
    if campaign.status == CampaignStatus.ARCHIVED:
        raise UserFailure.of(
            "campaignId", ErrorCode.CAMPAIGN_ARCHIVED, "An archived campaign takes no members."
        )
    if not address_ids:
        raise UserFailure.of("addressIds", ErrorCode.REQUIRED, "Name at least one address.")
    addresses = [
        await address_argument(viewer, global_id, "addressIds")
        for global_id in dict.fromkeys(address_ids)
    ]
    handler = await agency_user(handler_id, "handlerId") if handler_id else None
    values = {"handler_id": handler.id if handler else None}
    if status is not None:
        values["status"] = status
    for address in addresses:
        updated = await CampaignMember.filter(
            campaign_id=campaign.id, address_id=address.id
        ).update(**values)
        if not updated:
            try:
                async with in_transaction():
                    await CampaignMember.create(
                        campaign_id=campaign.id, address_id=address.id, **values
                    )
            except IntegrityError:
                # Added concurrently: the membership exists, which is what was asked.
                pass
    return campaign


async def archive_campaign(viewer: Viewer, global_id: str) -> Campaign:
    campaign = await campaign_argument(viewer, global_id, "id")
    await Campaign.filter(id=campaign.id).update(status=CampaignStatus.ARCHIVED)
    campaign.status = CampaignStatus.ARCHIVED
    return campaign


async def update_campaign(viewer: Viewer, global_id: str, changes: NewCampaign) -> Campaign:
    """Edit an active campaign; an archived one stays as it is (it cannot be reactivated)."""
    campaign = await campaign_argument(viewer, global_id, "id")
    if campaign.status == CampaignStatus.ARCHIVED:
        raise UserFailure.of(
            "id", ErrorCode.CAMPAIGN_ARCHIVED, "An archived campaign cannot be changed."
        )
    campaign.name = inputs.required_text(changes.name, "name")
    campaign.description = inputs.optional_text(changes.description, "description", 20_000)
    _period(changes.starts_on, changes.ends_on)
    campaign.starts_on, campaign.ends_on = changes.starts_on, changes.ends_on
    await campaign.save()
    return campaign


async def find_campaigns(
    viewer: Viewer, include_archived: bool, page: PageRequest
) -> Page[Campaign]:
    queryset = Campaign.filter(visible_campaigns(viewer))
    if not include_archived:
        queryset = queryset.filter(status=CampaignStatus.ACTIVE)
    return await paginate(queryset, ("name", "id"), page)


async def _unique_name(create: Callable[[], Awaitable[M]], field: str, message: str) -> M:
    try:
        async with in_transaction():
            return await create()
    except IntegrityError:
        raise UserFailure.of(field, ErrorCode.DUPLICATE, message) from None


async def create_tag_group(name: str) -> TagGroup:
    name = inputs.required_text(name, "name", 100)
    return await _unique_name(
        lambda: TagGroup.create(name=name), "name", "A tag group with this name exists."
    )


async def create_tag(group_id: str, name: str) -> Tag:
    group = await TagGroup.get_or_none(pk=inputs.node_pk(group_id, "TagGroup", "groupId"))
    if group is None:
        raise UserFailure.of("groupId", ErrorCode.NOT_FOUND, "No TagGroup with this ID.")
    name = inputs.required_text(name, "name", 100)
    return await _unique_name(
        lambda: Tag.create(group_id=group.id, name=name), "name", "The group has this tag."
    )


async def create_subtag(tag_id: str, name: str) -> Subtag:
    tag = await Tag.get_or_none(pk=inputs.node_pk(tag_id, "Tag", "tagId"))
    if tag is None:
        raise UserFailure.of("tagId", ErrorCode.NOT_FOUND, "No Tag with this ID.")
    name = inputs.required_text(name, "name", 100)
    return await _unique_name(
        lambda: Subtag.create(tag_id=tag.id, name=name), "name", "The tag has this subtag."
    )


async def tag_groups() -> list[TagGroup]:
    return await TagGroup.all().order_by("name", "id")
