"""Row scoping: for each kind of object, the query filter of what a viewer may see.

Every path to an object (root list, node(id:), mutation argument) filters through the
functions here, so a row the viewer may not see is simply not found.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery

from api.loaders import active_memberships
from api.permissions.viewer import Viewer
from db.models.crm import AccountGroupMember

NOTHING = Q(pk__in=[])


def visible_users(viewer: Viewer) -> Q:
    """The agency sees every login; promoters and customers see only themselves."""
    if viewer.is_agency:
        return Q()
    return Q(pk=viewer.user_id)


def visible_account_groups(viewer: Viewer) -> Q:
    """Admins see every group; staff the groups they belong to; others none."""
    if viewer.is_admin:
        return Q()
    if viewer.is_agency:
        own = AccountGroupMember.filter(active_memberships(), user_id=viewer.user_id)
        return Q(id__in=Subquery(own.values("group_id")))
    return NOTHING


def own_api_tokens(viewer: Viewer) -> Q:
    return Q(user_id=viewer.user_id)


def visible_teams(viewer: Viewer) -> Q:
    """Teams are the agency's work pools: staff see them all, nobody else any."""
    return Q() if viewer.is_agency else NOTHING


def visible_mails(viewer: Viewer) -> Q:
    """The outbox holds every recipient's mail: only admins may read it."""
    return Q() if viewer.is_admin else NOTHING
