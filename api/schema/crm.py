"""Account groups, teams and territories: who sees what, who works on what, and where."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.batch_fields import F, batched
from api.permissions.fields import allow, current_viewer
from api.permissions.scopes import AGENCY_ROLES
from api.resolvers import groups, territories
from api.schema.errors import Payload, mutate
from api.schema.nodes import Connection, VisibleNode
from api.schema.row_views import row_view
from db.models import crm as models
from db.models.accounts import Role, TokenScope

if TYPE_CHECKING:
    from api.schema.accounts import UserNode
    from api.schema.tasks import TaskNode

UserRef = Annotated["UserNode", strawberry.lazy("api.schema.accounts")]
TaskRef = Annotated["TaskNode", strawberry.lazy("api.schema.tasks")]
CRM_READ = allow(*AGENCY_ROLES, scopes=(TokenScope.CRM_READ,))
CRM_WRITE = allow(*AGENCY_ROLES, scopes=(TokenScope.CRM_WRITE,))


async def _users(info: Info, loader_name: str, key: int) -> list[UserRef]:
    from api.schema.accounts import UserNode

    rows = await getattr(info.context.loaders, loader_name).load(key)
    return [UserNode.of(user) for user in rows]


@strawberry.type(
    name="AccountGroup",
    description="Decides who sees which addresses: members see the addresses it holds.",
)
class AccountGroupNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    name: str

    @classmethod
    def of(cls, group: models.AccountGroup) -> Self:
        return cls(id=group.id, name=group.name)

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        group = await groups.visible_account_group(current_viewer(info), pk)
        return cls.of(group) if group else None

    @strawberry.field(description="Members in force today (lapsed substitutes excluded).")
    async def members(self, info: Info) -> list[UserRef]:
        return await _users(info, "members_of_group", self.id)


@strawberry.type(name="Team", description="A pool for work distribution; grants no visibility.")
class TeamNode(VisibleNode):
    id: relay.NodeID[int]
    name: str

    @classmethod
    def of(cls, team: models.Team) -> Self:
        return cls(id=team.id, name=team.name)

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        team = await groups.visible_team(current_viewer(info), pk)
        return cls.of(team) if team else None

    @strawberry.field
    async def members(self, info: Info) -> list[UserRef]:
        return await _users(info, "members_of_team", self.id)

    @strawberry.field(description="The pool: open tasks no member has claimed, soonest first.")
    async def open_tasks(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[TaskRef]:
        from api.schema.tasks import team_open_tasks

        return await team_open_tasks(info, self.id, first, after)


@row_view()
@strawberry.type(name="Territory", description="A sales region; stores belong to one.")
class TerritoryNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    name: str
    parent_id: strawberry.Private[int | None]

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        territory = await territories.visible_territory(current_viewer(info), pk)
        return cls.of(territory) if territory else None

    @strawberry.field
    async def parent(self, info: Info) -> TerritoryNode | None:
        if self.parent_id is None:
            return None
        parent = await info.context.loaders.territory.load(self.parent_id)
        return TerritoryNode.of(parent) if parent else None


def territory_ref(key: Callable[[Any], int | None]) -> Callable[[F], F]:
    """A field answering the territory `key(self)` refers to, or null (a batch field)."""
    return batched(
        lambda loaders: loaders.territory,
        key,
        lambda row: TerritoryNode.of(row) if row else None,
    )


@strawberry.input
class CreateAccountGroupInput:
    name: str
    member_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.type
class AccountGroupPayload(Payload):
    account_group: AccountGroupNode | None = None


@strawberry.input
class CreateTeamInput:
    name: str
    member_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.type
class TeamPayload(Payload):
    team: TeamNode | None = None


@strawberry.input
class CreateTerritoryInput:
    name: str
    parent_id: strawberry.ID | None = None


@strawberry.input
class UpdateTerritoryInput:
    id: strawberry.ID
    name: str | None = None
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description='Move under this territory; "" moves it to the top.'
    )


@strawberry.type
class TerritoryPayload(Payload):
    territory: TerritoryNode | None = None


@strawberry.type
class CrmQuery:
    @strawberry.field(extensions=CRM_READ, description="Groups the viewer sees, by name.")
    async def account_groups(self, info: Info) -> list[AccountGroupNode]:
        rows = await groups.list_account_groups(current_viewer(info))
        return [AccountGroupNode.of(row) for row in rows]

    @strawberry.field(
        extensions=allow(*AGENCY_ROLES, scopes=(TokenScope.CRM_READ,)),
        description="All teams, by name.",
    )
    async def teams(self) -> list[TeamNode]:
        return [TeamNode.of(row) for row in await groups.list_teams()]

    @strawberry.field(extensions=CRM_READ, description="All territories, top-down.")
    async def territories(self) -> list[TerritoryNode]:
        return [TerritoryNode.of(row) for row in await territories.list_territories()]


@strawberry.type
class CrmMutation:
    @strawberry.mutation(extensions=allow(Role.ADMIN, scopes=(TokenScope.CRM_WRITE,)))
    async def create_account_group(self, input: CreateAccountGroupInput) -> AccountGroupPayload:
        async def work() -> AccountGroupPayload:
            group = await groups.create_account_group(
                input.name, [str(i) for i in input.member_ids]
            )
            return AccountGroupPayload(account_group=AccountGroupNode.of(group))

        return await mutate(AccountGroupPayload, work)

    @strawberry.mutation(
        extensions=CRM_WRITE,
        description="Add a member to a group; with validUntil the membership lapses after "
        "that day (a substitute). Staff may add to groups they belong to.",
    )
    async def add_account_group_member(
        self,
        info: Info,
        group_id: strawberry.ID,
        user_id: strawberry.ID,
        valid_until: date | None = None,
    ) -> AccountGroupPayload:
        viewer = current_viewer(info)

        async def work() -> AccountGroupPayload:
            group = await groups.add_account_group_member(
                viewer, str(group_id), str(user_id), valid_until
            )
            return AccountGroupPayload(account_group=AccountGroupNode.of(group))

        return await mutate(AccountGroupPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def create_team(self, input: CreateTeamInput) -> TeamPayload:
        async def work() -> TeamPayload:
            team = await groups.create_team(input.name, [str(i) for i in input.member_ids])
            return TeamPayload(team=TeamNode.of(team))

        return await mutate(TeamPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def create_territory(self, info: Info, input: CreateTerritoryInput) -> TerritoryPayload:
        viewer = current_viewer(info)
        parent = str(input.parent_id) if input.parent_id else None

        async def work() -> TerritoryPayload:
            territory = await territories.create_territory(viewer, input.name, parent)
            return TerritoryPayload(territory=TerritoryNode.of(territory))

        return await mutate(TerritoryPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE, description="Rename or move a territory.")
    async def update_territory(self, info: Info, input: UpdateTerritoryInput) -> TerritoryPayload:
        viewer = current_viewer(info)
        parent = None if input.parent_id is None else str(input.parent_id)

        async def work() -> TerritoryPayload:
            territory = await territories.update_territory(
                viewer, str(input.id), input.name, parent
            )
            return TerritoryPayload(territory=TerritoryNode.of(territory))

        return await mutate(TerritoryPayload, work)
