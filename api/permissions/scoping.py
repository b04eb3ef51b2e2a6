"""Row scoping: for each kind of object, the query filter of what a viewer may see.

Every path to an object (root list, node(id:), mutation argument) filters through the
functions here, so a row the viewer may not see is simply not found.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.models import Model

from api.permissions.memberships import active_memberships
from api.permissions.viewer import Viewer
from db.models.activities import Activity, ActivityParticipant
from db.models.crm import AccountGroupMember, Address, ContactPerson, TeamMember
from db.models.promotions import Appointment, Booking, Location, Project, ProjectContact

NOTHING = Q(pk__in=[])


def visible_users(viewer: Viewer) -> Q:
    """The agency sees every login; promoters and customers see themselves and the agency
    users responsible for the projects they see."""
    if viewer.is_agency:
        return Q()
    responsible = _ids(Project, visible_projects(viewer), "responsible_id")
    return Q(pk=viewer.user_id) | Q(pk__in=responsible)


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

    Customers and promoters see no CRM data, only the stores of locations they see and
    (customers) their projects' customer; the CRM fields of those stay agency-only.
    """
    if viewer.is_admin:
        return Q()
    if viewer.is_agency:
        groups = own_group_ids(viewer)
        return Q(account_group_id__in=groups) | Q(secondary_account_group_id__in=groups)
    stores = Q(id__in=_ids(Location, visible_locations(viewer), "store_id"))
    if viewer.is_customer:
        own = Q(id=viewer.contact_person_id or 0)
        return (
            stores
            | Q(id__in=_ids(Project, visible_projects(viewer), "customer_id"))
            | Q(id__in=_ids(ContactPerson, own, "address_id"))
        )
    return stores


def visible_address_ids(viewer: Viewer) -> Subquery:
    return Subquery(Address.filter(visible_addresses(viewer)).values("id"))


def visible_contact_persons(viewer: Viewer) -> Q:
    """The agency sees a contact person with its address; a customer only themself."""
    if viewer.is_admin:
        return Q()
    if viewer.is_agency:
        return Q(address_id__in=visible_address_ids(viewer))
    return Q(id=viewer.contact_person_id or 0)


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
    """An activity is seen with its address, or with any address that took part in it,
    and by the user responsible for it (who is reminded of it). The address itself stays
    as visible as it is: an activity shows it only to those who see it."""
    if viewer.is_admin:
        return Q()
    if not viewer.is_agency:
        return NOTHING
    addresses = visible_address_ids(viewer)
    taking_part = ActivityParticipant.filter(address_id__in=addresses).values("activity_id")
    return (
        Q(address_id__in=addresses)
        | Q(id__in=Subquery(taking_part))
        | Q(responsible_id=viewer.user_id)
    )


def visible_campaigns(viewer: Viewer) -> Q:
    """Campaigns and tags are the agency's shared lists."""
    return Q() if viewer.is_agency else NOTHING


def visible_activity_parts(viewer: Viewer) -> Q:
    """Documents and reminders, seen with their activity."""
    return _among("activity_id", Activity, visible_activities(viewer))


def visible_tasks(viewer: Viewer) -> Q:
    """Staff see tasks assigned to them or their teams, and those they handed out."""
    if viewer.is_admin:
        return Q()
    if not viewer.is_agency:
        return NOTHING
    teams = Subquery(TeamMember.filter(user_id=viewer.user_id).values("team_id"))
    return Q(assignee_id=viewer.user_id) | Q(team_id__in=teams) | Q(created_by_id=viewer.user_id)


# ---------------------------------------------------------------- promotions


def _ids(model: type[Model], condition: Q, column: str = "id") -> Subquery:
    return Subquery(model.filter(condition).values(column))


def _among(column: str, model: type[Model], condition: Q) -> Q:
    """Rows whose `column` is the id of a `model` row meeting `condition`. When every row
    meets it (an admin's view) there is no condition at all: the foreign key guarantees
    the rest, and the database is spared a subquery listing every row (on SQLite, one of
    100,000 appointments took 130 ms)."""
    if unconditional(condition):
        return Q()
    ids = _id_list(condition)
    if ids is not None:
        # `column IN (SELECT id FROM model WHERE id IN ids)` is `column IN ids`: the
        # foreign key points at an existing row. One subquery less to build and to run.
        return Q(**{f"{column}__in": ids})
    return Q(**{f"{column}__in": _ids(model, condition)})


def _id_list(condition: Q) -> Any:
    """What `condition` limits the ids to when it is `id__in` and nothing else, or None."""
    if condition.children or condition._is_negated or list(condition.filters) != ["id__in"]:
        return None
    return condition.filters["id__in"]


def _all_of(*conditions: Q) -> Q:
    """Rows meeting every condition; one letting every row through adds nothing (so a
    whole rule stays unconditional where all of its parts are)."""
    kept = [condition for condition in conditions if not unconditional(condition)]
    if len(kept) == 1:
        return kept[0]
    return Q(*kept, join_type=Q.AND) if kept else Q()


def unconditional(condition: Q) -> bool:
    """Whether `condition` lets every row through (it filters nothing)."""
    return not condition.children and not condition.filters


def visible_projects(viewer: Viewer) -> Q:
    """Staff: projects of customers they see. Customers: projects they are assigned to.
    Promoters: projects they are booked in. A token limited to projects: only those."""
    if viewer.is_admin:
        condition = Q()
    elif viewer.is_agency:
        condition = Q(customer_id__in=visible_address_ids(viewer))
    elif viewer.is_customer:
        assigned = Q(contact_person_id=viewer.contact_person_id or 0)
        condition = Q(id__in=_ids(ProjectContact, assigned, "project_id"))
    else:
        condition = Q(id__in=_ids(Location, _booked_locations(viewer), "project_id"))
    if viewer.project_ids is not None:
        condition &= Q(id__in=list(viewer.project_ids))
    return condition


def _booked_locations(viewer: Viewer) -> Q:
    own = _ids(Booking, Q(promoter_id=viewer.promoter_id or 0), "appointment_id")
    return Q(id__in=_ids(Appointment, Q(id__in=own), "location_id"))


def _in_territories(paths: tuple[str, ...], prefix: str = "") -> Q:
    """Stores inside the territories (subtrees included); `prefix` leads to the store."""
    condition = NOTHING
    for path in paths:
        condition |= Q(**{f"{prefix}territory__path__startswith": path})
    return condition


# Each kind below a project is seen where its parent is seen, and the viewer may see only
# some of a parent's: `visible_x` is the whole rule, `x_of_visible_y` the part of it left
# for the children of a parent the viewer sees (what a nested list applies). The whole rule
# is made of that part, so the two cannot disagree.


def visible_locations(viewer: Viewer) -> Q:
    """Locations of visible projects, as far as `locations_of_visible_projects` lets."""
    return _all_of(
        _among("project_id", Project, visible_projects(viewer)),
        locations_of_visible_projects(viewer),
    )


def locations_of_visible_projects(viewer: Viewer) -> Q:
    """Of a project they see, a territory-limited contact sees only the stores in their
    territories, a promoter only the stores they are booked at; everyone else every one."""
    if viewer.is_promoter:
        return _booked_locations(viewer)
    if viewer.is_customer and viewer.territory_paths is not None:
        return _in_territories(viewer.territory_paths, "store__")
    return Q()


def visible_appointments(viewer: Viewer) -> Q:
    """Appointments at visible locations, as far as `appointments_of_visible_locations`
    lets."""
    return _all_of(
        _among("location_id", Location, visible_locations(viewer)),
        appointments_of_visible_locations(viewer),
    )


def appointments_of_visible_locations(viewer: Viewer) -> Q:
    """At a location they see, a promoter sees only the appointments they are booked on;
    everyone else every one."""
    if viewer.is_promoter:
        own = _ids(Booking, Q(promoter_id=viewer.promoter_id or 0), "appointment_id")
        return Q(id__in=own)
    return Q()


def visible_bookings(viewer: Viewer) -> Q:
    """Bookings on visible appointments, as far as `bookings_of_visible_appointments` lets."""
    if viewer.is_promoter:
        # Their own bookings are on appointments they see: nothing more to ask.
        return bookings_of_visible_appointments(viewer)
    return _all_of(
        _among("appointment_id", Appointment, visible_appointments(viewer)),
        bookings_of_visible_appointments(viewer),
    )


def bookings_of_visible_appointments(viewer: Viewer) -> Q:
    """On an appointment they see, a promoter sees only their own booking; everyone else
    every one."""
    if viewer.is_promoter:
        return Q(promoter_id=viewer.promoter_id or 0)
    return Q()


def visible_promoters(viewer: Viewer) -> Q:
    """The agency sees every promoter; a promoter themself; a customer those booked on
    appointments they see (by name: contact fields are hidden from customers)."""
    if viewer.is_agency:
        return Q()
    if viewer.is_promoter:
        return Q(id=viewer.promoter_id or 0)
    return Q(id__in=_ids(Booking, visible_bookings(viewer), "promoter_id"))


def visible_report_fields(viewer: Viewer) -> Q:
    return _among("project_id", Project, visible_projects(viewer))


def visible_booking_parts(viewer: Viewer) -> Q:
    """Reports and time entries, seen with their booking."""
    return _among("booking_id", Booking, visible_bookings(viewer))


def visible_contact_plans(viewer: Viewer) -> Q:
    """Contact plans are the agency's: staff see them all, each entry by its address."""
    return Q() if viewer.is_agency else NOTHING


def visible_plan_members(viewer: Viewer) -> Q:
    """A plan's member (with the customer's phone) as its call-list entries: admins, the
    plan's responsible user, and staff who see the address."""
    if viewer.is_admin:
        return Q()
    if not viewer.is_agency:
        return NOTHING
    return Q(plan__responsible_id=viewer.user_id) | Q(address_id__in=visible_address_ids(viewer))


def visible_orders(viewer: Viewer) -> Q:
    return Q(address_id__in=visible_address_ids(viewer)) if viewer.is_agency else NOTHING
