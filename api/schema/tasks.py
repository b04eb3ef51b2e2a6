"""Tasks for a user or a team pool, and the viewer's calendar feed."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions.fields import allow, current_viewer
from api.resolvers import calendar, tasks
from api.schema.crm import CRM_WRITE, TeamNode
from api.schema.errors import Payload, mutate
from api.schema.nodes import Connection, VisibleNode, page_request
from api.schema.refs import AddressRef, UserRef, optional_id, user_ref, visible_address_ref
from db.models import tasks as models
from db.models.accounts import TokenScope

TaskStatus = strawberry.enum(models.TaskStatus, name="TaskStatus")


@strawberry.type(name="Task", description="A to-do (due by) or an appointment (due on).")
class TaskNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    title: str
    description: str
    status: TaskStatus
    due_by: datetime | None
    due_on: datetime | None
    completed_at: datetime | None
    assignee_id: strawberry.Private[int | None]
    team_id: strawberry.Private[int | None]
    address_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, task: models.Task) -> Self:
        return cls(
            id=task.id,
            title=task.title,
            description=task.description,
            status=models.TaskStatus(task.status),
            due_by=task.due_by,
            due_on=task.due_on,
            completed_at=task.completed_at,
            assignee_id=task.assignee_id,
            team_id=task.team_id,
            address_id=task.address_id,
        )

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        task = await tasks.visible_task(current_viewer(info), pk)
        return cls.of(task) if task else None

    @strawberry.field(description="Who works on it; null for a team task nobody claimed yet.")
    @user_ref(lambda self: self.assignee_id)
    async def assignee(self, info: Info) -> UserRef | None: ...

    @strawberry.field
    async def team(self, info: Info) -> TeamNode | None:
        team = await info.context.loaders.team.load(self.team_id) if self.team_id else None
        return TeamNode.of(team) if team else None

    @strawberry.field(description="The address it concerns, if the viewer sees that address.")
    @visible_address_ref(lambda self: self.address_id)
    async def address(self, info: Info) -> AddressRef | None: ...


async def team_open_tasks(
    info: Info, team_id: int, first: int | None, after: str | None
) -> Connection[TaskNode]:
    from api.resolvers.pagination import page_of_list

    rows = await info.context.loaders.open_tasks_of_team.load(team_id)
    page = page_of_list(rows, page_request(first, after, None, None), default_size=50)
    return Connection.of(page, TaskNode.of)


async def viewer_tasks(
    info: Info, status: models.TaskStatus | None, first: int | None, after: str | None
) -> Connection[TaskNode]:
    page = await tasks.tasks_of(
        current_viewer(info), status, page_request(first, after, None, None)
    )
    return Connection.of(page, TaskNode.of)


@strawberry.input
class CreateTaskInput:
    title: str
    description: str | None = None
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Exactly one of assigneeId and teamId."
    )
    team_id: strawberry.ID | None = None
    due_by: datetime | None = strawberry.field(
        default=None, description="A deadline (a to-do); exactly one of dueBy and dueOn."
    )
    due_on: datetime | None = strawberry.field(
        default=None, description="A date and time (a calendar appointment)."
    )
    address_id: strawberry.ID | None = None
    activity_id: strawberry.ID | None = None


@strawberry.type
class TaskPayload(Payload):
    task: TaskNode | None = None


@strawberry.type
class CalendarFeedPayload(Payload):
    calendar_feed_url: str | None = None


@strawberry.type
class TasksMutation:
    @strawberry.mutation(extensions=CRM_WRITE, description="Mails the assignee or the team.")
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskPayload:
        viewer = current_viewer(info)
        settings = info.context.settings
        new = tasks.NewTask(
            title=input.title,
            description=input.description,
            assignee_id=optional_id(input.assignee_id),
            team_id=optional_id(input.team_id),
            due_by=input.due_by,
            due_on=input.due_on,
            address_id=optional_id(input.address_id),
            activity_id=optional_id(input.activity_id),
        )

        async def work() -> TaskPayload:
            return TaskPayload(task=TaskNode.of(await tasks.create_task(viewer, settings, new)))

        return await mutate(TaskPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE, description="Take a team task for yourself.")
    async def claim_task(self, info: Info, id: strawberry.ID) -> TaskPayload:
        viewer = current_viewer(info)

        async def work() -> TaskPayload:
            return TaskPayload(task=TaskNode.of(await tasks.claim_task(viewer, str(id))))

        return await mutate(TaskPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def complete_task(self, info: Info, id: strawberry.ID) -> TaskPayload:
        viewer = current_viewer(info)

        async def work() -> TaskPayload:
            return TaskPayload(task=TaskNode.of(await tasks.complete_task(viewer, str(id))))

        return await mutate(TaskPayload, work)

    @strawberry.mutation(
        extensions=allow(api_tokens=False),
        description="A new private calendar URL; the old one stops working.",
    )
    async def regenerate_calendar_feed_url(self, info: Info) -> CalendarFeedPayload:
        viewer = current_viewer(info)
        settings = info.context.settings

        async def work() -> CalendarFeedPayload:
            url = await calendar.regenerate_feed_url(viewer, settings)
            return CalendarFeedPayload(calendar_feed_url=url)

        return await mutate(CalendarFeedPayload, work)
