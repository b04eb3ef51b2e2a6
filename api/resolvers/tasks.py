"""Tasks for a user or a team pool: creating, claiming and completing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F, Subquery

from api.clock import now
from api.notifications.events import Event
from api.notifications.outbox import Notification, enqueue
from api.permissions.scoping import visible_tasks
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.activities import activity_argument, agency_user
from api.resolvers.addresses import address_argument
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from api.resolvers.groups import visible_team
from api.resolvers.pagination import Page, PageRequest, paginate
from api.settings import Settings
from db.models.accounts import Language, User
from db.models.crm import Address, Team, TeamMember
from db.models.tasks import Task, TaskStatus


@dataclass(frozen=True, slots=True)
class NewTask:
    title: str
    description: str | None = None
    assignee_id: str | None = None
    team_id: str | None = None
    due_by: datetime | None = None
    due_on: datetime | None = None
    address_id: str | None = None
    activity_id: str | None = None


async def visible_task(viewer: Viewer, pk: int) -> Task | None:
    return await Task.filter(visible_tasks(viewer), pk=pk).first()


async def task_argument(viewer: Viewer, global_id: str) -> Task:
    task = await visible_task(viewer, inputs.node_pk(global_id, "Task", "id"))
    if task is None:
        raise UserFailure.of("id", ErrorCode.NOT_FOUND, "No Task with this ID.")
    return task


async def _team(viewer: Viewer, global_id: str, field: str) -> Team:
    team = await visible_team(viewer, inputs.node_pk(global_id, "Team", field))
    if team is None:
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, "No Team with this ID.")
    return team


async def create_task(viewer: Viewer, settings: Settings, new: NewTask) -> Task:
    problems = FailureCollector()
    title = problems.check(lambda v, f: inputs.required_text(v, f, 300), new.title, "title")
    description = problems.check(
        lambda v, f: inputs.optional_text(v, f, 20_000), new.description, "description"
    )
    if (new.assignee_id is None) == (new.team_id is None):
        problems.add("assigneeId", ErrorCode.INVALID, "Give exactly one of assigneeId and teamId.")
    if (new.due_by is None) == (new.due_on is None):
        problems.add("dueBy", ErrorCode.INVALID, "Give exactly one of dueBy and dueOn.")
    assignee = team = address = activity = None
    if new.assignee_id is not None:
        assignee = await problems.check_async(agency_user, new.assignee_id, "assigneeId")
    if new.team_id is not None:
        team = await problems.check_async(lambda v, f: _team(viewer, v, f), new.team_id, "teamId")
    if new.address_id:
        address = await problems.check_async(
            lambda v, f: address_argument(viewer, v, f), new.address_id, "addressId"
        )
    if new.activity_id:
        activity = await problems.check_async(
            lambda v, f: activity_argument(viewer, v, f), new.activity_id, "activityId"
        )
    problems.raise_if_any()
    due = new.due_by or new.due_on
    assert due is not None
    task = await Task.create(
        title=title,
        description=description,
        assignee_id=assignee.id if assignee else None,
        team_id=team.id if team else None,
        due_by=new.due_by,
        due_on=new.due_on,
        due_at=due,
        address_id=address.id if address else None,
        activity_id=activity.id if activity else None,
        created_by_id=viewer.user_id,
    )
    recipients = (
        [assignee]
        if assignee
        else await User.filter(
            id__in=Subquery(TeamMember.filter(team_id=task.team_id).values("user_id")),
            is_active=True,
        )
    )
    for recipient in recipients:
        await _announce(settings, task, recipient, team, address)
    return task


async def _announce(
    settings: Settings, task: Task, recipient: User, team: Team | None, address: Address | None
) -> None:
    await enqueue(
        Notification(
            event=Event.TASK_ASSIGNED,
            recipient=recipient.email,
            language=Language(recipient.language),
            variables={
                "recipient_name": recipient.name,
                "title": task.title,
                "description": task.description,
                "team": team.name if team else None,
                "due_by": task.due_by,
                "due_on": task.due_on,
                "address": address.name if address else None,
                "link": f"{settings.public_base_url}/tasks/{task.id}",
            },
            key=f"task.{task.id}.assigned.{recipient.id}",
        )
    )


async def claim_task(viewer: Viewer, global_id: str) -> Task:
    """Take an unclaimed team task; of two members claiming at once, exactly one gets it."""
    task = await task_argument(viewer, global_id)
    if task.team_id is None:
        raise UserFailure.of("id", ErrorCode.INVALID_STATE, "Only a team task can be claimed.")
    if not await TeamMember.exists(team_id=task.team_id, user_id=viewer.user_id):
        raise UserFailure.of("id", ErrorCode.FORBIDDEN, "Only a member of the team may claim it.")
    claimed = await Task.filter(
        id=task.id, assignee_id__isnull=True, status=TaskStatus.OPEN
    ).update(assignee_id=viewer.user_id, sequence=F("sequence") + 1)
    if not claimed:
        raise UserFailure.of("id", ErrorCode.INVALID_STATE, "This task is already taken or done.")
    return await Task.get(id=task.id)


async def complete_task(viewer: Viewer, global_id: str) -> Task:
    """The assignee completes a task; a team member completing a pooled one takes it too, so
    it shows in their done list and feed."""
    task = await task_argument(viewer, global_id)
    takes_it = (
        task.assignee_id is None
        and task.team_id is not None
        and await TeamMember.exists(team_id=task.team_id, user_id=viewer.user_id)
    )
    if not (viewer.is_admin or task.assignee_id == viewer.user_id or takes_it):
        raise UserFailure.of("id", ErrorCode.FORBIDDEN, "Only the assignee may complete it.")
    changes: dict[str, object] = {"status": TaskStatus.DONE, "completed_at": now()}
    still = Task.filter(id=task.id, status=TaskStatus.OPEN)
    if takes_it:
        changes["assignee_id"] = viewer.user_id
        still = still.filter(assignee_id__isnull=True)
    if not await still.update(**changes, sequence=F("sequence") + 1):
        raise UserFailure.of(
            "id", ErrorCode.INVALID_STATE, "This task was completed or taken meanwhile."
        )
    return await Task.get(id=task.id)


async def tasks_of(viewer: Viewer, status: TaskStatus | None, page: PageRequest) -> Page[Task]:
    """The viewer's own tasks, soonest due first."""
    queryset = Task.filter(assignee_id=viewer.user_id)
    if status is not None:
        queryset = queryset.filter(status=status)
    return await paginate(queryset, ("due_at", "id"), page)
