"""Row scoping: for each kind of object, the query filter of what a viewer may see.

Every path to an object (root list, node(id:), mutation argument) filters through the
functions here, so a row the viewer may not see is simply not found.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery

from api.loaders import active_memberships
from api.permissions.viewer import Viewer
from db.models.activities import ActivityParticipant
from db.models.crm import AccountGroupMember, Address, TeamMember

NOTHING = Q(pk__in=[])


def visible_users(viewer: Viewer) -> Q:
    """The agency sees every login; promoters and customers see only themselves."""
    if viewer.is_agency:
        return Q()
    return Q(pk=viewer.user_id)


def own_group_ids(viewer: Viewer) -> Subquery:
    """The account groups the viewer belongs to today."""
    own = AccountGroupMember.filter(active_memberships(), user_id=viewer.user_id)
    return Subquery(own.values("group_id"))


def visible_account_groups(viewer: Viewer) -> Q:
    """Admins see every group; staff the groups they belong to; others none."""
    if viewer.is_admin:
        return Q()
    if viewer.is_agency:
        return Q(id__in=own_group_ids(viewer))
    return NOTHING


def visible_addresses(viewer: Viewer) -> Q:
    """Admins see every address; staff those whose primary or secondary group is theirs.

    An address with no group is invisible to every non-admin.
    """
    if viewer.is_admin:
        return Q()
    if viewer.is_agency:
        groups = own_group_ids(viewer)
        return Q(account_group_id__in=groups) | Q(secondary_account_group_id__in=groups)
    return NOTHING


def visible_address_ids(viewer: Viewer) -> Subquery:
    return Subquery(Address.filter(visible_addresses(viewer)).values("id"))


def visible_contact_persons(viewer: Viewer) -> Q:
    """A contact person is seen with its address."""
    if viewer.is_admin:
        return Q()
    return Q(address_id__in=visible_address_ids(viewer))


def visible_territories(viewer: Viewer) -> Q:
    """Territories are the agency's shared master data."""
    return Q() if viewer.is_agency else NOTHING


def own_api_tokens(viewer: Viewer) -> Q:
    return Q(user_id=viewer.user_id)


def visible_teams(viewer: Viewer) -> Q:
    """Teams are the agency's work pools: staff see them all, nobody else any."""
    return Q() if viewer.is_agency else NOTHING


def visible_mails(viewer: Viewer) -> Q:
    """The outbox holds every recipient's mail: only admins may read it."""
    return Q() if viewer.is_admin else NOTHING


def visible_activities(viewer: Viewer) -> Q:
    """An activity is seen with its address, or with any address that took part in it."""
    if viewer.is_admin:
        return Q()
    if not viewer.is_agency:
        return NOTHING
    addresses = visible_address_ids(viewer)
    taking_part = ActivityParticipant.filter(address_id__in=addresses).values("activity_id")
    return Q(address_id__in=addresses) | Q(id__in=Subquery(taking_part))


def visible_campaigns(viewer: Viewer) -> Q:
    """Campaigns and tags are the agency's shared lists."""
    return Q() if viewer.is_agency else NOTHING


def visible_tasks(viewer: Viewer) -> Q:
    """Staff see tasks assigned to them or their teams, and those they handed out."""
    if viewer.is_admin:
        return Q()
    if not viewer.is_agency:
        return NOTHING
    teams = Subquery(TeamMember.filter(user_id=viewer.user_id).values("team_id"))
    return Q(assignee_id=viewer.user_id) | Q(team_id__in=teams) | Q(created_by_id=viewer.user_id)
