"""Logins, the viewer, and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.credentials import API_TOKEN_KIND, display_prefix
from api.permissions.fields import allow, current_viewer
from api.permissions.scopes import AGENCY_ROLES
from api.resolvers import activities, api_tokens, calendar, contacts, sessions, users
from api.resolvers.failures import UserFailure
from api.schema.errors import Payload, mutate, user_errors
from api.schema.nodes import Connection, VisibleNode, page_request
from api.schema.tasks import TaskNode, TaskStatus, viewer_tasks
from db.models import accounts as models
from db.models.tasks import TaskStatus as TaskStatusModel

if TYPE_CHECKING:
    from api.schema.activities import ReminderNode
    from api.schema.crm import AccountGroupNode, TeamNode
    from api.schema.promotions import PromoterNode

Role = strawberry.enum(models.Role, name="Role")
TokenScope = strawberry.enum(models.TokenScope, name="TokenScope")

AccountGroupRef = Annotated["AccountGroupNode", strawberry.lazy("api.schema.crm")]
TeamRef = Annotated["TeamNode", strawberry.lazy("api.schema.crm")]
ReminderRef = Annotated["ReminderNode", strawberry.lazy("api.schema.activities")]
PromoterRef = Annotated["PromoterNode", strawberry.lazy("api.schema.promotions")]


async def _groups_of(info: Info, user_id: int) -> list[AccountGroupRef]:
    from api.schema.crm import AccountGroupNode

    groups = await info.context.loaders.account_groups_of_user.load(user_id)
    return [AccountGroupNode.of(group) for group in groups]


@strawberry.type(name="User", description="A login: agency staff, promoter or customer contact.")
class UserNode(VisibleNode):
    id: relay.NodeID[int]
    name: str
    email: str
    role: Role

    @classmethod
    def of(cls, user: models.User) -> Self:
        return cls(id=user.id, name=user.name, email=user.email, role=models.Role(user.role))

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        user = await users.visible_user(current_viewer(info), pk)
        return cls.of(user) if user else None

    @strawberry.field(
        extensions=allow(*AGENCY_ROLES, silently=True),
        description="The account groups whose addresses this user sees (agency only).",
    )
    async def account_groups(self, info: Info) -> list[AccountGroupRef]:
        return await _groups_of(info, self.id)


@strawberry.type(name="ApiToken", description="A scoped token for integrations.")
class ApiTokenNode(VisibleNode):
    id: relay.NodeID[int]
    name: str
    scopes: list[TokenScope]
    prefix: str = strawberry.field(description="The token's first characters, to recognise it.")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: models.ApiToken) -> Self:
        return cls(
            id=token.id,
            name=token.name,
            scopes=[models.TokenScope(s) for s in token.scopes],
            prefix=display_prefix(API_TOKEN_KIND, token.public_id),
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        viewer = current_viewer(info)
        if viewer.via_api_token:
            return None
        token = await api_tokens.visible_api_token(viewer, pk)
        return cls.of(token) if token else None


@strawberry.type(description="The logged-in user, with what belongs to them alone.")
class Viewer:
    user: strawberry.Private[models.User]

    @strawberry.field(description="The viewer's User ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID("User", str(self.user.id))))

    @strawberry.field
    def name(self) -> str:
        return self.user.name

    @strawberry.field
    def email(self) -> str:
        return self.user.email

    @strawberry.field
    def role(self) -> Role:
        return models.Role(self.user.role)

    @strawberry.field(extensions=allow(*AGENCY_ROLES, silently=True))
    async def account_groups(self, info: Info) -> list[AccountGroupRef]:
        return await _groups_of(info, self.user.id)

    @strawberry.field(description="The work pools the viewer belongs to.")
    async def teams(self, info: Info) -> list[TeamRef]:
        from api.schema.crm import TeamNode

        return [TeamNode.of(t) for t in await info.context.loaders.teams_of_user.load(self.user.id)]

    @strawberry.field(
        extensions=allow(api_tokens=False, silently=True),
        description="Private iCalendar feed URL of the viewer's tasks and bookings (sessions "
        "only). Anyone with the URL can read the calendar: regenerate it if it leaked.",
    )
    async def calendar_feed_url(self, info: Info) -> str | None:
        return await calendar.feed_url(current_viewer(info), info.context.settings)

    @strawberry.field(
        extensions=allow(*AGENCY_ROLES, silently=True),
        description="The viewer's open reminders, soonest first.",
    )
    async def reminders(self, info: Info) -> list[ReminderRef]:
        from api.schema.activities import ReminderNode

        rows = await activities.reminders_of(current_viewer(info))
        return [ReminderNode.of(row) for row in rows]

    @strawberry.field(
        extensions=allow(*AGENCY_ROLES, scopes=(models.TokenScope.CRM_READ,)),
        description="Tasks assigned to the viewer, soonest due first.",
    )
    async def tasks(
        self,
        info: Info,
        status: TaskStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TaskNode]:
        return await viewer_tasks(info, TaskStatusModel(status) if status else None, first, after)

    @strawberry.field(description="The promoter profile of a PROMOTER login.")
    async def promoter(self, info: Info) -> PromoterRef | None:
        from api.schema.promotions import PromoterNode

        promoter_id = current_viewer(info).promoter_id
        promoter = await info.context.loaders.promoter.load(promoter_id) if promoter_id else None
        return PromoterNode.of(promoter) if promoter else None

    @strawberry.field(
        extensions=allow(api_tokens=False),
        description="The viewer's API tokens, newest first (sessions only).",
    )
    async def api_tokens(self, info: Info) -> list[ApiTokenNode]:
        tokens = await api_tokens.list_api_tokens(current_viewer(info))
        return [ApiTokenNode.of(token) for token in tokens]


async def load_viewer(info: Info) -> Viewer:
    user = await info.context.loaders.user.load(current_viewer(info).user_id)
    return Viewer(user=user)


@strawberry.type
class LoginPayload(Payload):
    token: str | None = strawberry.field(
        default=None, description="Send as `Authorization: Bearer <token>`."
    )
    viewer: Viewer | None = None


@strawberry.type
class LogoutPayload:
    ok: bool


@strawberry.input
class CreateUserInput:
    email: str
    name: str
    role: Role
    password: str


@strawberry.type
class CreateUserPayload(Payload):
    user: UserNode | None = None


@strawberry.input
class CreateApiTokenInput:
    name: str
    scopes: list[TokenScope]
    project_ids: list[strawberry.ID] | None = None
    expires_at: datetime | None = None


@strawberry.type
class CreateApiTokenPayload(Payload):
    secret: str | None = strawberry.field(
        default=None, description="Shown once; only a hash is kept."
    )
    api_token: ApiTokenNode | None = None


@strawberry.type
class RevokeApiTokenPayload(Payload):
    api_token: ApiTokenNode | None = None


@strawberry.type
class AccountsQuery:
    @strawberry.field(extensions=allow())
    async def viewer(self, info: Info) -> Viewer:
        return await load_viewer(info)

    @strawberry.field(
        extensions=allow(
            *AGENCY_ROLES, scopes=(models.TokenScope.CRM_READ, models.TokenScope.PROMOTIONS_READ)
        ),
        description="Logins, by name.",
    )
    async def users(
        self,
        info: Info,
        role: Role | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[UserNode]:
        page = await users.find_users(
            current_viewer(info), role, page_request(first, after, last, before)
        )
        return Connection.of(page, UserNode.of)


@strawberry.type
class AccountsMutation:
    @strawberry.mutation(description="Open a session. Works even with a stale Authorization.")
    async def login(self, info: Info, email: str, password: str) -> LoginPayload:
        # Not in a transaction: a failed attempt must still be counted.
        try:
            client = info.context.request.client
            done = await sessions.login(
                info.context.settings, email, password, client.host if client else None
            )
        except UserFailure as failure:
            return LoginPayload(errors=user_errors(failure))
        info.context.sign_in(done.viewer)
        return LoginPayload(token=done.token, viewer=Viewer(user=done.user))

    @strawberry.mutation(
        description="Set the password of an invited customer login and log in; "
        "the invitation link works once."
    )
    async def accept_invitation(self, info: Info, token: str, password: str) -> LoginPayload:
        settings = info.context.settings

        async def work() -> LoginPayload:
            done = await contacts.accept_invitation(settings, token, password)
            info.context.sign_in(done.viewer)
            return LoginPayload(token=done.token, viewer=Viewer(user=done.user))

        return await mutate(LoginPayload, work)

    @strawberry.mutation(extensions=allow(api_tokens=False))
    async def logout(self, info: Info) -> LogoutPayload:
        return LogoutPayload(ok=await sessions.logout(current_viewer(info)))

    @strawberry.mutation(extensions=allow(models.Role.ADMIN, api_tokens=False))
    async def create_user(self, input: CreateUserInput) -> CreateUserPayload:
        new = users.NewUser(input.email, input.name, models.Role(input.role), input.password)

        async def work() -> CreateUserPayload:
            return CreateUserPayload(user=UserNode.of(await users.create_user(new)))

        return await mutate(CreateUserPayload, work)

    @strawberry.mutation(extensions=allow(api_tokens=False))
    async def create_api_token(
        self, info: Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        viewer = current_viewer(info)
        request = api_tokens.TokenRequest(
            name=input.name,
            scopes=[models.TokenScope(s) for s in input.scopes],
            project_ids=[str(i) for i in input.project_ids or ()],
            expires_at=input.expires_at,
        )

        async def work() -> CreateApiTokenPayload:
            issued = await api_tokens.create_api_token(viewer, request)
            return CreateApiTokenPayload(
                secret=issued.secret, api_token=ApiTokenNode.of(issued.token)
            )

        return await mutate(CreateApiTokenPayload, work)

    @strawberry.mutation(extensions=allow(api_tokens=False))
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> RevokeApiTokenPayload:
        viewer = current_viewer(info)

        async def work() -> RevokeApiTokenPayload:
            token = await api_tokens.revoke_api_token(viewer, str(id))
            return RevokeApiTokenPayload(api_token=ApiTokenNode.of(token))

        return await mutate(RevokeApiTokenPayload, work)
