"""CRM lookups scoped to the viewer."""

from __future__ import annotations

from api.permissions.scoping import visible_account_groups, visible_teams
from api.permissions.viewer import Viewer
from db.models.crm import AccountGroup, Team


async def visible_account_group(viewer: Viewer, pk: int) -> AccountGroup | None:
    return await AccountGroup.filter(visible_account_groups(viewer), pk=pk).first()


async def visible_team(viewer: Viewer, pk: int) -> Team | None:
    return await Team.filter(visible_teams(viewer), pk=pk).first()
