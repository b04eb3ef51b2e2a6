"""Per-request DataLoaders: every relation is fetched in one query per list, not per row.

Loaders fetch by key without scoping: they serve nested fields of objects the viewer
already reached through a scoped entry point (root list, node, mutation argument).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.models import Model

from api import records
from api.batch_loader import BatchLoader
from api.permissions import scoping
from api.permissions.memberships import active_memberships
from api.permissions.scoping import NOTHING
from api.permissions.viewer import Viewer
from api.resolvers.periods import overlapping
from db.models.accounts import User
from db.models.activities import (
    Activity,
    ActivityDocument,
    ActivityParticipant,
    Campaign,
    CampaignMember,
    Reminder,
    Subtag,
    Tag,
)
from db.models.crm import (
    AccountGroup,
    AccountGroupMember,
    Address,
    ContactPerson,
    ContactTerritory,
    InactivePeriod,
    Team,
    TeamMember,
    Territory,
)
from db.models.planning import ContactPlanException, ContactPlanMember, Order, OrderLine
from db.models.promotions import (
    Appointment,
    Booking,
    Location,
    Project,
    ProjectContact,
    Promoter,
    Report,
    ReportAnswer,
    ReportField,
    TimeEntry,
)
from db.models.tasks import Task, TaskStatus

M = TypeVar("M", bound=Model)
T = TypeVar("T")
# A promoter and a period [from, to), either end open.
PromoterPeriod = tuple[int, datetime | None, datetime | None]
LoadFn = Callable[[Sequence[int]], Awaitable[list[Any]]]


class RowLoader(BatchLoader[int, T]):
    """A loader of records that also loads narrow ones, holding only the columns a query
    reads (api/row_reads.py): one more loader per set of attributes, with its own batches.

    `loading(attributes)` gives the load function of rows holding at least `attributes`
    (all columns for None), or None when it cannot narrow to them."""

    def __init__(self, loading: Callable[[frozenset[str] | None], LoadFn | None]) -> None:
        load = loading(None)
        assert load is not None
        super().__init__(load_fn=load)
        self._load_for = loading
        self._narrowed: dict[frozenset[str], BatchLoader[int, T]] = {}

    def narrowed(self, attributes: frozenset[str]) -> BatchLoader[int, T]:
        loader = self._narrowed.get(attributes)
        if loader is None:
            load = self._load_for(attributes)
            loader = self if load is None else BatchLoader(load_fn=load)
            self._narrowed[attributes] = loader
        return loader


def by_id(model: type[M]) -> RowLoader[M | None]:
    """Rows by primary key, as records (api/records.py)."""

    def loading(attributes: frozenset[str] | None) -> LoadFn | None:
        selected = None if attributes is None else records.narrow_columns(model, attributes)
        if attributes is not None and selected is None:
            return None

        async def load(keys: Sequence[int]) -> list[M | None]:
            found = await records.by_column(
                model, model._meta.db_pk_column, keys, selected=selected
            )
            rows = {row.pk: row for row in found}
            return [rows.get(key) for key in keys]

        return load

    return RowLoader(loading)


def through(
    link: type[Model],
    key: str,
    target: str,
    *,
    where: Callable[[], Q] = Q,
    order: tuple[str, ...] = ("name",),
) -> BatchLoader[int, list[Any]]:
    """Objects reached through a link table, e.g. a user's groups via memberships.

    `key` and `target` name the link's foreign keys; results come ordered by `order`.
    """

    async def load(keys: Sequence[int]) -> list[list[Any]]:
        links = (
            await link.filter(where(), **{f"{key}_id__in": keys})
            .select_related(target)
            .order_by(*(f"{target}__{column}" for column in order), f"{target}_id")
        )
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in links:
            grouped[getattr(row, f"{key}_id")].append(getattr(row, target))
        return [grouped[k] for k in keys]

    return BatchLoader(load_fn=load)


def children(
    model: type[M],
    key: str,
    order: tuple[str, ...],
    *,
    where: Callable[[], Q] | None = None,
) -> RowLoader[list[M]]:
    """Rows pointing at each key through the column `key`, e.g. an address's contacts, as
    records (api/records.py). Narrow rows only where the viewer sees them all: a scoped
    list is selected by Tortoise, whole."""

    def loading(attributes: frozenset[str] | None) -> LoadFn | None:
        selected = None
        if attributes is not None:
            if where is not None and not scoping.unconditional(where()):
                return None
            selected = records.narrow_columns(model, attributes | {key})
            if selected is None:
                return None

        async def load(keys: Sequence[int]) -> list[list[M]]:
            condition = Q() if where is None else where()
            if scoping.unconditional(condition):
                rows = await records.by_column(model, key, keys, order, selected)
            else:
                query = model.filter(condition).order_by(*order)
                rows = await records.fetch_keyed(query, key, keys)
            grouped: dict[int, list[M]] = defaultdict(list)
            for row in rows:
                grouped[getattr(row, key)].append(row)
            return [grouped[k] for k in keys]

        return load

    return RowLoader(loading)


class Loaders:
    """Loaders of one request. Most fetch by key; those listing what hangs off an object
    whose parts not every viewer may see (a project's locations, an appointment's bookings,
    a campaign's member count) apply the viewer's row scoping: for a list below a project,
    the part of it left for the children of a parent the viewer sees (a promoter's own
    bookings of an appointment; every booking for the others)."""

    def __init__(self, viewer: Viewer | None = None) -> None:
        self.viewer = viewer

    def _scoped(self, scope: Callable[[Viewer], Q]) -> Callable[[], Q]:
        viewer = self.viewer
        if viewer is None:
            return lambda: NOTHING
        return lambda: scope(viewer)

    @cached_property
    def user(self) -> BatchLoader[int, User | None]:
        return by_id(User)

    @cached_property
    def account_group(self) -> BatchLoader[int, AccountGroup | None]:
        return by_id(AccountGroup)

    @cached_property
    def account_groups_of_user(self) -> BatchLoader[int, list[AccountGroup]]:
        """A user's groups, as far as the viewer may see them."""
        visible = self._scoped(scoping.visible_account_groups)

        def where() -> Q:
            groups = Subquery(AccountGroup.filter(visible()).values("id"))
            return active_memberships() & Q(group_id__in=groups)

        return through(AccountGroupMember, "user", "group", where=where)

    @cached_property
    def members_of_group(self) -> BatchLoader[int, list[User]]:
        return through(AccountGroupMember, "group", "user", where=active_memberships)

    @cached_property
    def teams_of_user(self) -> BatchLoader[int, list[Team]]:
        return through(TeamMember, "user", "team")

    @cached_property
    def members_of_team(self) -> BatchLoader[int, list[User]]:
        return through(TeamMember, "team", "user")

    @cached_property
    def address(self) -> BatchLoader[int, Address | None]:
        return by_id(Address)

    @cached_property
    def visible_address(self) -> BatchLoader[int, Address | None]:
        """An address by id, or None when the viewer may not see it (for references other
        users made, such as a task's address)."""
        visible = self._scoped(scoping.visible_addresses)

        async def load(keys: Sequence[int]) -> list[Address | None]:
            rows = {row.pk: row for row in await Address.filter(visible(), pk__in=keys)}
            return [rows.get(key) for key in keys]

        return BatchLoader(load_fn=load)

    @cached_property
    def territory(self) -> BatchLoader[int, Territory | None]:
        return by_id(Territory)

    @cached_property
    def contact_person(self) -> BatchLoader[int, ContactPerson | None]:
        return by_id(ContactPerson)

    @cached_property
    def campaign(self) -> BatchLoader[int, Campaign | None]:
        return by_id(Campaign)

    @cached_property
    def subtag(self) -> BatchLoader[int, Subtag | None]:
        return by_id(Subtag)

    @cached_property
    def contacts_of_address(self) -> BatchLoader[int, list[ContactPerson]]:
        return children(ContactPerson, "address_id", ("last_name", "first_name", "id"))

    @cached_property
    def inactive_periods_of_address(self) -> BatchLoader[int, list[InactivePeriod]]:
        return children(InactivePeriod, "address_id", ("starts_on", "id"))

    @cached_property
    def campaign_memberships_of_address(self) -> BatchLoader[int, list[CampaignMember]]:
        return children(CampaignMember, "address_id", ("id",))

    @cached_property
    def territories_of_contact(self) -> BatchLoader[int, list[Territory]]:
        return through(ContactTerritory, "contact_person", "territory")

    @cached_property
    def activities_of_address(self) -> BatchLoader[int, list[Activity]]:
        """Each address's history: activities on it and those it took part in, newest first."""

        async def load(address_ids: Sequence[int]) -> list[list[Activity]]:
            links = await ActivityParticipant.filter(address_id__in=address_ids)
            extra = {link.activity_id for link in links}
            rows = await Activity.filter(Q(address_id__in=address_ids) | Q(id__in=extra))
            by_id = {row.id: row for row in rows}
            grouped: dict[int, list[Activity]] = defaultdict(list)
            for row in rows:
                grouped[row.address_id].append(row)
            for link in links:
                grouped[link.address_id].append(by_id[link.activity_id])
            return [
                sorted(grouped[k], key=lambda a: (a.starts_at, a.id), reverse=True)
                for k in address_ids
            ]

        return BatchLoader(load_fn=load)

    @cached_property
    def documents_of_activity(self) -> BatchLoader[int, list[ActivityDocument]]:
        return children(ActivityDocument, "activity_id", ("created_at", "id"))

    @cached_property
    def reminders_of_activity(self) -> BatchLoader[int, list[Reminder]]:
        return children(Reminder, "activity_id", ("remind_at", "id"))

    @cached_property
    def activity(self) -> BatchLoader[int, Activity | None]:
        return by_id(Activity)

    @cached_property
    def tags_of_group(self) -> BatchLoader[int, list[Tag]]:
        return children(Tag, "group_id", ("name", "id"))

    @cached_property
    def subtags_of_tag(self) -> BatchLoader[int, list[Subtag]]:
        return children(Subtag, "tag_id", ("name", "id"))

    @cached_property
    def team(self) -> BatchLoader[int, Team | None]:
        return by_id(Team)

    @cached_property
    def open_tasks_of_team(self) -> BatchLoader[int, list[Task]]:
        """A team's pool: open tasks no member has claimed yet, soonest due first (to those
        who may see the team's tasks)."""
        visible = self._scoped(scoping.visible_tasks)
        return children(
            Task,
            "team_id",
            ("due_at", "id"),
            where=lambda: Q(status=TaskStatus.OPEN, assignee_id__isnull=True) & visible(),
        )

    @cached_property
    def member_count_of_campaign(self) -> BatchLoader[int, int]:
        """Members the viewer may see: an address outside their groups never counts."""
        visible_addresses = self._scoped(scoping.visible_addresses)

        def visible() -> Subquery:
            return Subquery(Address.filter(visible_addresses()).values("id"))

        async def load(campaign_ids: Sequence[int]) -> list[int]:
            rows = (
                await CampaignMember.filter(campaign_id__in=campaign_ids, address_id__in=visible())
                .annotate(members=Count("id"))
                .group_by("campaign_id")
                .values("campaign_id", "members")
            )
            counts = {row["campaign_id"]: row["members"] for row in rows}
            return [counts.get(pk, 0) for pk in campaign_ids]

        return BatchLoader(load_fn=load)

    @cached_property
    def promoter(self) -> BatchLoader[int, Promoter | None]:
        return by_id(Promoter)

    @cached_property
    def project(self) -> BatchLoader[int, Project | None]:
        return by_id(Project)

    @cached_property
    def location(self) -> BatchLoader[int, Location | None]:
        return by_id(Location)

    @cached_property
    def appointment(self) -> BatchLoader[int, Appointment | None]:
        return by_id(Appointment)

    @cached_property
    def booking(self) -> BatchLoader[int, Booking | None]:
        return by_id(Booking)

    @cached_property
    def report_field(self) -> BatchLoader[int, ReportField | None]:
        return by_id(ReportField)

    @cached_property
    def report_fields_of_project(self) -> BatchLoader[int, list[ReportField]]:
        return children(ReportField, "project_id", ("id",))

    @cached_property
    def contacts_of_project(self) -> BatchLoader[int, list[ContactPerson]]:
        return through(
            ProjectContact, "project", "contact_person", order=("last_name", "first_name")
        )

    @cached_property
    def locations_of_project(self) -> BatchLoader[int, list[Location]]:
        return children(
            Location,
            "project_id",
            ("id",),
            where=self._scoped(scoping.locations_of_visible_projects),
        )

    @cached_property
    def appointments_of_location(self) -> BatchLoader[int, list[Appointment]]:
        return children(
            Appointment,
            "location_id",
            ("starts_at", "id"),
            where=self._scoped(scoping.appointments_of_visible_locations),
        )

    @cached_property
    def bookings_of_appointment(self) -> BatchLoader[int, list[Booking]]:
        return children(
            Booking,
            "appointment_id",
            ("id",),
            where=self._scoped(scoping.bookings_of_visible_appointments),
        )

    @cached_property
    def bookings_of_promoter(self) -> BatchLoader[PromoterPeriod, list[Booking]]:
        """Promoters' bookings overlapping a period, by start: one query per distinct period."""
        visible = self._scoped(scoping.visible_bookings)

        async def load(keys: Sequence[PromoterPeriod]) -> list[list[Booking]]:
            promoters_by_period: dict[tuple[Any, Any], set[int]] = defaultdict(set)
            for promoter_id, from_, to in keys:
                promoters_by_period[(from_, to)].add(promoter_id)
            found: dict[PromoterPeriod, list[Booking]] = defaultdict(list)
            for (from_, to), promoter_ids in promoters_by_period.items():
                rows = Booking.filter(visible(), promoter_id__in=sorted(promoter_ids))
                for row in await overlapping(rows, from_, to).order_by("starts_at", "id"):
                    found[(row.promoter_id, from_, to)].append(row)
            return [found[key] for key in keys]

        return BatchLoader(load_fn=load)

    @cached_property
    def time_entries_of_booking(self) -> BatchLoader[int, list[TimeEntry]]:
        return children(TimeEntry, "booking_id", ("checked_in_at", "id"))

    @cached_property
    def report_of_booking(self) -> BatchLoader[int, list[Report]]:
        return children(Report, "booking_id", ("id",))

    @cached_property
    def answers_of_report(self) -> BatchLoader[int, list[ReportAnswer]]:
        return children(ReportAnswer, "report_id", ("id",))

    @cached_property
    def reports_of_project(self) -> BatchLoader[int, list[Report]]:
        """Submitted reports of each project that the viewer may read, newest first."""
        visible = self._scoped(scoping.visible_booking_parts)

        async def load(project_ids: Sequence[int]) -> list[list[Report]]:
            rows = (
                await Report.filter(
                    visible(), booking__appointment__location__project_id__in=project_ids
                )
                .select_related("booking__appointment__location")
                .order_by("-submitted_at", "-id")
            )
            grouped: dict[int, list[Report]] = defaultdict(list)
            for row in rows:
                grouped[row.booking.appointment.location.project_id].append(row)
            return [grouped[k] for k in project_ids]

        return BatchLoader(load_fn=load)

    @cached_property
    def exceptions_of_plan(self) -> BatchLoader[int, list[ContactPlanException]]:
        return children(ContactPlanException, "plan_id", ("starts_on", "id"))

    @cached_property
    def plan_member(self) -> BatchLoader[int, ContactPlanMember | None]:
        return by_id(ContactPlanMember)

    @cached_property
    def order(self) -> BatchLoader[int, Order | None]:
        return by_id(Order)

    @cached_property
    def lines_of_order(self) -> BatchLoader[int, list[OrderLine]]:
        return children(OrderLine, "order_id", ("id",))
