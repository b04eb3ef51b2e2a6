"""CRM: account groups and teams (addresses and contacts follow)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions.fields import current_viewer
from api.resolvers import crm
from api.schema.nodes import VisibleNode
from db.models import accounts
from db.models import crm as models

if TYPE_CHECKING:
    from api.schema.accounts import UserNode

UserRef = Annotated["UserNode", strawberry.lazy("api.schema.accounts")]


async def _users(info: Info, loader_name: str, key: int) -> list[UserRef]:
    from api.schema.accounts import UserNode

    rows = await getattr(info.context.loaders, loader_name).load(key)
    return [UserNode.of(user) for user in rows]


@strawberry.type(
    name="AccountGroup",
    description="Decides who sees which addresses: members see the addresses it holds.",
)
class AccountGroupNode(VisibleNode):
    read_scopes = frozenset({accounts.TokenScope.CRM_READ})
    id: relay.NodeID[int]
    name: str

    @classmethod
    def of(cls, group: models.AccountGroup) -> Self:
        return cls(id=group.id, name=group.name)

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        group = await crm.visible_account_group(current_viewer(info), pk)
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
        team = await crm.visible_team(current_viewer(info), pk)
        return cls.of(team) if team else None

    @strawberry.field
    async def members(self, info: Info) -> list[UserRef]:
        return await _users(info, "members_of_team", self.id)
