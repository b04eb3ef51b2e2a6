"""The contact history: logging and completing activities, their documents and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from api.permissions.scopes import AGENCY_ROLES
from api.permissions.scoping import visible_activities, visible_campaigns
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.addresses import address_argument
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from db.models.accounts import User
from db.models.activities import (
    Activity,
    ActivityDirection,
    ActivityDocument,
    ActivityKind,
    ActivityParticipant,
    ActivityStatus,
    Campaign,
    CampaignStatus,
    DocumentKind,
    Reminder,
    Subtag,
)
from db.models.crm import ContactPerson

REMINDER_LEAD = timedelta(days=1)
MAX_DURATION_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class NewActivity:
    address_id: str
    kind: ActivityKind
    direction: ActivityDirection
    status: ActivityStatus
    starts_at: datetime
    subject: str
    contact_person_id: str | None = None
    participant_address_ids: tuple[str, ...] = ()
    duration_minutes: int | None = None
    reminder: bool = False
    description: str | None = None
    responsible_id: str | None = None
    campaign_id: str | None = None
    subtag_id: str | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    activity_id: str
    status: ActivityStatus
    duration_minutes: int | None = None
    starts_at: datetime | None = None
    note: str | None = None
    campaign_id: str | None = None


async def visible_activity(viewer: Viewer, pk: int) -> Activity | None:
    return await Activity.filter(visible_activities(viewer), pk=pk).first()


async def activity_argument(viewer: Viewer, global_id: str, field: str) -> Activity:
    activity = await visible_activity(viewer, inputs.node_pk(global_id, "Activity", field))
    if activity is None:
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, "No Activity with this ID.")
    return activity


async def campaign_for_activity(viewer: Viewer, global_id: str, field: str) -> Campaign:
    """A campaign that may still be chosen: archived ones keep their links but take no more."""
    pk = inputs.node_pk(global_id, "Campaign", field)
    campaign = await Campaign.filter(visible_campaigns(viewer), pk=pk).first()
    if campaign is None:
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, "No Campaign with this ID.")
    if campaign.status == CampaignStatus.ARCHIVED:
        raise UserFailure.of(
            field, ErrorCode.CAMPAIGN_ARCHIVED, "This campaign is archived and cannot be chosen."
        )
    return campaign


async def agency_user(global_id: str, field: str) -> User:
    pk = inputs.node_pk(global_id, "User", field)
    user = await User.filter(pk=pk, role__in=list(AGENCY_ROLES), is_active=True).first()
    if user is None:
        raise UserFailure.of(
            field, ErrorCode.NOT_FOUND, "No active ADMIN or STAFF user with this ID."
        )
    return user


async def _subtag(global_id: str, field: str) -> Subtag:
    subtag = await Subtag.get_or_none(pk=inputs.node_pk(global_id, "Subtag", field))
    if subtag is None:
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, "No Subtag with this ID.")
    return subtag


def _duration(value: int | None, status: ActivityStatus, field: str = "durationMinutes") -> int:
    if value is not None and not 0 <= value <= MAX_DURATION_MINUTES:
        raise UserFailure.of(
            field, ErrorCode.INVALID, f"{field} must be between 0 and {MAX_DURATION_MINUTES}."
        )
    if status == ActivityStatus.DONE and not value:
        raise UserFailure.of(field, ErrorCode.REQUIRED, "A done activity needs its duration.")
    return value or 0


async def log_activity(viewer: Viewer, new: NewActivity) -> Activity:
    problems = FailureCollector()
    address = await problems.check_async(
        lambda v, f: address_argument(viewer, v, f), new.address_id, "addressId"
    )
    participants = []
    for global_id in dict.fromkeys(new.participant_address_ids):
        participant = await problems.check_async(
            lambda v, f: address_argument(viewer, v, f), global_id, "participantAddressIds"
        )
        participants.append(participant)
    subject = problems.check(inputs.required_text, new.subject, "subject")
    description = problems.check(
        lambda v, f: inputs.optional_text(v, f, 20_000), new.description, "description"
    )
    duration = problems.check(lambda v, f: _duration(v, new.status, f), new.duration_minutes,
                              "durationMinutes")  # fmt: skip
    responsible = None
    if new.responsible_id:
        responsible = await problems.check_async(agency_user, new.responsible_id, "responsibleId")
    campaign = None
    if new.campaign_id:
        campaign = await problems.check_async(
            lambda v, f: campaign_for_activity(viewer, v, f), new.campaign_id, "campaignId"
        )
    subtag = (
        await problems.check_async(_subtag, new.subtag_id, "subtagId") if new.subtag_id else None
    )
    if new.reminder and new.status != ActivityStatus.PLANNED:
        problems.add("reminder", ErrorCode.INVALID, "Only a planned activity takes a reminder.")
    problems.raise_if_any()
    contact = None
    if new.contact_person_id:
        contact = await _contact_of(
            new.contact_person_id, {address.id, *(p.id for p in participants)}
        )
    _require_campaign_for_done_measure(new.kind, new.status, campaign)
    activity = await Activity.create(
        address_id=address.id,
        contact_person_id=contact.id if contact else None,
        kind=new.kind,
        direction=new.direction,
        status=new.status,
        starts_at=new.starts_at,
        duration_minutes=duration,
        subject=subject,
        description=description,
        responsible_id=responsible.id if responsible else None,
        created_by_id=viewer.user_id,
        campaign_id=campaign.id if campaign else None,
        subtag_id=subtag.id if subtag else None,
        reminder=new.reminder,
    )
    await ActivityParticipant.bulk_create(
        [
            ActivityParticipant(activity_id=activity.id, address_id=p.id)
            for p in participants
            if p.id != address.id
        ]
    )
    if new.reminder:
        await Reminder.create(
            activity_id=activity.id,
            user_id=activity.responsible_id or viewer.user_id,
            remind_at=activity.starts_at - REMINDER_LEAD,
        )
    return activity


async def _contact_of(global_id: str, address_ids: set[int]) -> ContactPerson:
    """The contact must belong to the activity's address or to one taking part."""
    pk = inputs.node_pk(global_id, "ContactPerson", "contactPersonId")
    contact = await ContactPerson.filter(pk=pk, address_id__in=address_ids).first()
    if contact is None:
        raise UserFailure.of(
            "contactPersonId", ErrorCode.NOT_FOUND, "No contact person of these addresses."
        )
    return contact


def _require_campaign_for_done_measure(
    kind: ActivityKind, status: ActivityStatus, campaign: Campaign | None
) -> None:
    if kind == ActivityKind.MEASURE and status == ActivityStatus.DONE and campaign is None:
        raise UserFailure.of(
            "campaignId",
            ErrorCode.CAMPAIGN_REQUIRED,
            "A campaign measure can only be completed once a campaign is set.",
        )


async def complete_activity(viewer: Viewer, completion: Completion) -> Activity:
    """Finish a planned activity as done or not done; its reminders go away."""
    activity = await activity_argument(viewer, completion.activity_id, "id")
    if completion.status == ActivityStatus.PLANNED:
        raise UserFailure.of("status", ErrorCode.INVALID, "Complete as DONE or NOT_DONE.")
    if activity.status != ActivityStatus.PLANNED:
        raise UserFailure.of("id", ErrorCode.INVALID_STATE, "This activity is already completed.")
    duration = _duration(
        completion.duration_minutes
        if completion.duration_minutes is not None
        else activity.duration_minutes,
        completion.status,
    )
    campaign_id = activity.campaign_id
    if completion.campaign_id:
        campaign_id = (await campaign_for_activity(viewer, completion.campaign_id, "campaignId")).id
    campaign = await Campaign.get_or_none(pk=campaign_id) if campaign_id else None
    _require_campaign_for_done_measure(ActivityKind(activity.kind), completion.status, campaign)
    description = activity.description
    if completion.note and completion.note.strip():
        note = inputs.optional_text(completion.note, "note", 20_000)
        description = f"{description}\n\n{note}" if description else note
    changes = {
        "status": completion.status,
        "duration_minutes": duration,
        "campaign_id": campaign_id,
        "description": description,
    }
    if completion.starts_at is not None:
        changes["starts_at"] = completion.starts_at
    # Conditional: of two completions racing, only one finds the activity still planned.
    if not await Activity.filter(id=activity.id, status=ActivityStatus.PLANNED).update(**changes):
        raise UserFailure.of("id", ErrorCode.INVALID_STATE, "This activity is already completed.")
    await Reminder.filter(activity_id=activity.id).delete()
    return await Activity.get(id=activity.id)


async def link_document(
    viewer: Viewer, activity_id: str, kind: DocumentKind, title: str, url: str
) -> Activity:
    problems = FailureCollector()
    activity = await problems.check_async(
        lambda v, f: activity_argument(viewer, v, f), activity_id, "activityId"
    )
    title = problems.check(inputs.required_text, title, "title")
    url = problems.check(lambda v, f: inputs.required_text(v, f, 2000), url, "url")
    if url.strip() and kind == DocumentKind.URL and urlsplit(url).scheme not in {"http", "https"}:
        problems.add("url", ErrorCode.INVALID, "A URL document needs an http(s) address.")
    problems.raise_if_any()
    await ActivityDocument.create(activity_id=activity.id, kind=kind, title=title, url=url)
    return activity


async def reminders_of(viewer: Viewer) -> list[Reminder]:
    """The viewer's open reminders, soonest first."""
    return await Reminder.filter(user_id=viewer.user_id).order_by("remind_at", "id")
