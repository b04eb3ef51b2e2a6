"""Account groups (who sees which addresses) and teams (pools of work)."""

from __future__ import annotations

from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.clock import agency_today
from api.permissions.scopes import AGENCY_ROLES
from api.permissions.scoping import visible_account_groups, visible_teams
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from db.models.accounts import User
from db.models.crm import AccountGroup, AccountGroupMember, Team, TeamMember


async def visible_account_group(viewer: Viewer, pk: int) -> AccountGroup | None:
    return await AccountGroup.filter(visible_account_groups(viewer), pk=pk).first()


async def visible_team(viewer: Viewer, pk: int) -> Team | None:
    return await Team.filter(visible_teams(viewer), pk=pk).first()


async def _agency_users(global_ids: list[str], field_name: str) -> list[int]:
    """Agency logins by ID: groups and teams hold staff and admins, never customers."""
    pks = inputs.node_pks(global_ids, "User", field_name)
    found = await User.filter(id__in=pks, role__in=list(AGENCY_ROLES), is_active=True).count()
    if found != len(pks):
        raise UserFailure.of(
            field_name, ErrorCode.NOT_FOUND, "No active ADMIN or STAFF user with this ID."
        )
    return pks


async def create_account_group(name: str, member_ids: list[str]) -> AccountGroup:
    problems = FailureCollector()
    name = problems.check(inputs.required_text, name, "name")
    members = await problems.check_async(_agency_users, member_ids, "memberIds")
    problems.raise_if_any()
    group = await AccountGroup.create(name=name)
    await AccountGroupMember.bulk_create(
        [AccountGroupMember(group_id=group.id, user_id=pk) for pk in members]
    )
    return group


async def add_account_group_member(
    viewer: Viewer, group_id: str, user_id: str, valid_until: date | None
) -> AccountGroup:
    """Add a member, or renew one; `valid_until` makes it a substitute's lapsing membership."""
    group = await visible_account_group(viewer, inputs.node_pk(group_id, "AccountGroup", "groupId"))
    if group is None:
        raise UserFailure.of("groupId", ErrorCode.NOT_FOUND, "No AccountGroup with this ID.")
    if not viewer.is_admin and not await AccountGroupMember.exists(
        group_id=group.id, user_id=viewer.user_id, valid_until__isnull=True
    ):
        # A substitute must not extend or widen their own stand-in access.
        raise UserFailure.of(
            "groupId", ErrorCode.FORBIDDEN, "Only permanent members may add to this group."
        )
    [member] = await _agency_users([user_id], "userId")
    if valid_until is not None and valid_until < agency_today():
        raise UserFailure.of("validUntil", ErrorCode.INVALID, "validUntil must not be past.")
    updated = await AccountGroupMember.filter(group_id=group.id, user_id=member).update(
        valid_until=valid_until
    )
    if not updated:
        try:
            async with in_transaction():
                await AccountGroupMember.create(
                    group_id=group.id, user_id=member, valid_until=valid_until
                )
        except IntegrityError:
            # A concurrent request added the same member first; keep its row up to date.
            await AccountGroupMember.filter(group_id=group.id, user_id=member).update(
                valid_until=valid_until
            )
    return group


async def create_team(name: str, member_ids: list[str]) -> Team:
    problems = FailureCollector()
    name = problems.check(inputs.required_text, name, "name")
    members = await problems.check_async(_agency_users, member_ids, "memberIds")
    problems.raise_if_any()
    try:
        async with in_transaction():
            team = await Team.create(name=name)
    except IntegrityError:
        raise UserFailure.of("name", ErrorCode.DUPLICATE, "A team with this name exists.") from None
    await TeamMember.bulk_create([TeamMember(team_id=team.id, user_id=pk) for pk in members])
    return team


async def list_account_groups(viewer: Viewer) -> list[AccountGroup]:
    return await AccountGroup.filter(visible_account_groups(viewer)).order_by("name", "id")


async def list_teams() -> list[Team]:
    return await Team.all().order_by("name", "id")
