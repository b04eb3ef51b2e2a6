"""No N+1, for every query the clients ship: the SQL statements of a request must not grow
with the rows it answers.

Each query operation of ../shared/clients/*.graphql runs as the role its client is for
(agency web: ADMIN and STAFF, whose row scoping adds subqueries; customer portal: a CUSTOMER
session, one limited to territories, and a CUSTOMER API token; promoter app: a PROMOTER).
For each viewer, the operation's builder makes a world with SMALL rows at every nesting level
the operation reads (1 project, 1 location, 1 appointment, 1 booking…) and the request is
counted; then a new viewer gets the same world with LARGE rows: 50 in the operation's outer
list (the page size issue #9 names) and 12 at each level below it (50 stores, 12
appointments at each, 12 bookings on each…; 50 at every level would be 125,000 bookings),
and its request must take exactly as many statements, none of them once per row. (The
batches of one DataLoader count as one statement: how a loader reached from several fields
splits into batches depends on which PostgreSQL answer arrives first, not on the rows; see
`Measured`.) Each builder also states how many rows the answer holds at each level, so a
large world the viewer cannot see fails instead of passing. Worlds share the test's
database: each has its own names, days and city.

The viewer has used the app before (its calendar feed URL exists, its API token was used a
moment ago), so the request counted does no one-time write.

Rows are made with the ORM, in one transaction per world (thousands of bookings through the
API would take minutes), the way the product makes them: appointments in the past, completed,
their bookings copying their times, no promoter on two appointments at once, reports and
time entries on bookings, addresses in the account group of the agency viewer.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from strawberry.relay import GlobalID
from tortoise.transactions import in_transaction

from api.credentials import API_TOKEN_KIND, mint_secret
from api.resolvers.address_search import reindex
from api.trusted_documents import operations_of
from db.models.accounts import ApiToken, Role, TokenScope, User
from db.models.activities import (
    Activity,
    ActivityDirection,
    ActivityKind,
    ActivityParticipant,
    ActivityStatus,
    Campaign,
    CampaignMember,
    CampaignMemberStatus,
    Reminder,
    Subtag,
    Tag,
    TagGroup,
)
from db.models.crm import (
    AccountGroup,
    AccountGroupMember,
    Address,
    AddressKind,
    ContactPerson,
    ContactTerritory,
    Team,
    TeamMember,
    Territory,
)
from db.models.planning import (
    ContactOutcome,
    ContactPlan,
    ContactPlanMember,
    ContactPlanPurpose,
    Order,
    OrderLine,
    ScheduledContact,
)
from db.models.promotions import (
    Appointment,
    AppointmentStatus,
    Booking,
    Location,
    Project,
    ProjectContact,
    Promoter,
    Report,
    ReportAnswer,
    ReportField,
    ReportFieldType,
    TimeEntry,
)
from db.models.tasks import CalendarFeed, Task
from tests.factories import Factory, Login
from tests.graphql_client import CLIENT_DOCUMENTS, GraphQLClient, operations
from tests.sql_counter import QueryLog, Statement, count_queries


@dataclass(frozen=True)
class Rows:
    """How many rows a world holds: `top` in the operation's outer list, `each` at every
    level below it."""

    top: int
    each: int

    @classmethod
    def every(cls, count: int) -> Rows:
        return cls(count, count)

    def __str__(self) -> str:
        return f"{self.top} in the outer list and {self.each} at each level below"


SMALL = Rows(1, 1)
LARGE = Rows(50, 12)

# The viewers each client is used by.
CLIENT_VIEWERS: dict[str, tuple[str, ...]] = {
    "agency-web": ("admin", "staff"),
    "customer-portal": ("customer", "customer-in-territory", "customer-api-token"),
    "promoter-app": ("promoter",),
}
CUSTOMERS = CLIENT_VIEWERS["customer-portal"]

# Operations that do grow today → "N+1: <field path>". Strict, so a fix shows up as XPASS
# and the entry must go.
KNOWN_N_PLUS_ONE: dict[str, str] = {}

# Worlds share the database of a test (emptying PostgreSQL's tables takes a second): names
# and appointment days are unique across them, and each world's addresses are in a city of
# its own.
_numbers = itertools.count(1)
_slots = itertools.count()
_worlds = itertools.count()
CITIES = ("Hamburg", "Bremen", "Kiel", "Lübeck", "Rostock", "Hannover", "Schwerin", "Flensburg")
# Every slot is a day of its own after ANCHOR and must stay in the past: the whole suite
# takes a few thousand of them in one process.
ANCHOR = datetime.combine(datetime.now(UTC).date() - timedelta(days=20_000), time(8), UTC)


def _days_ahead(days: int) -> datetime:
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=days), time(9), UTC)


def _query_operations() -> dict[str, str]:
    """Each query (not mutation) of the client documents, with the client it belongs to."""
    found: dict[str, str] = {}
    for path in CLIENT_DOCUMENTS:
        for name, text in operations_of([path]).items():
            if not text.lstrip().startswith("mutation"):
                found[name] = path.stem
    return found


QUERY_OPERATIONS = _query_operations()


# ---------------------------------------------------------------- the viewer's world


def _gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def _territory(name: str, parent: Territory | None) -> Territory:
    """A territory with its tree path, as the product writes it."""
    territory = await Territory.create(name=name, parent=parent)
    territory.path = f"{parent.path if parent else '/'}{territory.id}/"
    await territory.save(update_fields=["path"])
    return territory


@dataclass
class World:
    """The viewer, and what every builder hangs its rows on."""

    viewer: str
    make: Factory
    login: Login
    token: str  # what the request sends: the session, or an API token
    planner: User  # the agency user responsible for projects and plans
    group: AccountGroup  # holds every address: the STAFF viewer's (or planner's) own
    city: str  # of every address
    north: Territory  # Deutschland > Nord
    local: Territory  # Deutschland > Nord > <city>: every store is in it
    company: Address | None = None  # a CUSTOMER viewer's company
    contact: ContactPerson | None = None  # a CUSTOMER viewer's contact person
    promoter: Promoter | None = None  # a PROMOTER viewer's profile

    def number(self) -> int:
        return next(_numbers)

    def slot(self) -> tuple[datetime, datetime]:
        """A past working day of its own: a promoter booked on every slot never overlaps."""
        starts = ANCHOR + timedelta(days=next(_slots))
        return starts, starts + timedelta(hours=6)

    async def address(self, kind: AddressKind, name: str, **fields: Any) -> Address:
        number = self.number()
        defaults: dict[str, Any] = {
            "street": f"Hauptstraße {number}",
            "postal_code": f"{20000 + number}",
            "city": self.city,
            "phone": f"040 {100000 + number}",
            "account_group": self.group,
        }
        return await Address.create(kind=kind, name=f"{name} {number}", **(defaults | fields))

    async def store(self) -> Address:
        return await self.address(AddressKind.STORE, "Edeka Markt", territory=self.local)

    async def customer(self) -> Address:
        """The customer of a new project: the CUSTOMER viewer's company, else a new one."""
        if self.company is not None:
            return self.company
        return await self.address(AddressKind.COMPANY, "Frischback GmbH")

    async def project(self, customer: Address | None = None, fields: int = 0) -> Project:
        """A project of the customer; a CUSTOMER viewer is assigned to it."""
        customer = customer or await self.customer()
        project = await Project.create(
            customer=customer,
            name=f"Verkostung {self.number()}",
            starts_on=ANCHOR.date(),
            ends_on=_days_ahead(365).date(),
            responsible=self.planner,
        )
        await ReportField.bulk_create(
            [
                ReportField(
                    project=project,
                    label=f"Frage {i + 1}",
                    type=(ReportFieldType.NUMBER, ReportFieldType.TEXT, ReportFieldType.BOOLEAN)[
                        i % 3
                    ],
                    required=i == 0,
                )
                for i in range(fields)
            ]
        )
        if self.contact is not None:
            await ProjectContact.create(project=project, contact_person=self.contact)
        return project

    async def locations(self, project: Project, count: int) -> list[Location]:
        return [
            await Location.create(project=project, store=await self.store()) for _ in range(count)
        ]

    async def promoters(self, count: int) -> list[Promoter]:
        made = []
        for _ in range(count):
            number = self.number()
            made.append(
                await Promoter.create(
                    name=f"Promoter {number}",
                    phone=f"0170 {1000000 + number}",
                    email=f"promoter{number}@example.com",
                    city=self.city,
                )
            )
        return made

    async def appointment(
        self, location: Location, needed: int, requested_by: ContactPerson | None = None
    ) -> Appointment:
        """A completed appointment in the past (so it has reports), on a slot of its own."""
        starts, ends = self.slot()
        return await Appointment.create(
            location=location,
            starts_at=starts,
            ends_at=ends,
            promoters_needed=needed,
            note="Verkostungstisch am Eingang",
            status=AppointmentStatus.COMPLETED,
            requested_by=requested_by,
            decided_at=starts - timedelta(days=7) if requested_by else None,
            decided_by=self.planner if requested_by else None,
        )

    async def book(
        self, appointments: list[Appointment], promoters: list[Promoter]
    ) -> list[Booking]:
        """Each promoter on each appointment, in one statement; the bookings by id."""
        await Booking.bulk_create(
            [
                Booking(
                    appointment_id=appointment.id,
                    promoter_id=promoter.id,
                    starts_at=appointment.starts_at,
                    ends_at=appointment.ends_at,
                )
                for appointment in appointments
                for promoter in promoters
            ]
        )
        ids = [appointment.id for appointment in appointments]
        return await Booking.filter(appointment_id__in=ids).order_by("id")

    async def report(
        self, bookings: list[Booking], fields: list[ReportField] | None = None
    ) -> None:
        """A submitted report on each booking, answering every field."""
        await Report.bulk_create(
            [
                Report(booking_id=booking.id, submitted_at=booking.ends_at + timedelta(hours=1))
                for booking in bookings
            ]
        )
        if not fields:
            return
        reports = await Report.filter(booking_id__in=[b.id for b in bookings])
        await ReportAnswer.bulk_create(
            [
                ReportAnswer(report_id=report.id, field_id=f.id, value=_answer(f))
                for report in reports
                for f in fields
            ]
        )

    async def users(self, count: int) -> list[User]:
        return [await self.make.user(Role.STAFF) for _ in range(count)]


def _answer(report_field: ReportField) -> str:
    return {
        ReportFieldType.NUMBER: "42",
        ReportFieldType.TEXT: "Gut besucht",
        ReportFieldType.BOOLEAN: "true",
    }[ReportFieldType(report_field.type)]


async def _world(make: Factory, viewer: str) -> World:
    if viewer in CLIENT_VIEWERS["agency-web"]:
        login = await make.login(Role.ADMIN if viewer == "admin" else Role.STAFF)
        planner = login.user
        if viewer == "staff":
            group = await AccountGroup.get(personal_for_id=planner.id)
        else:
            group = await AccountGroup.create(name="Region Nord")
    else:
        planner = await make.user(Role.STAFF, name="Paula Planer")
        group = await AccountGroup.get(personal_for_id=planner.id)
        if viewer in CUSTOMERS:
            login = await make.login(Role.CUSTOMER, name="Clara Kunde")
        else:
            login = await make.login(Role.PROMOTER, name="Pia Promo")
    germany = await _territory("Deutschland", None)
    north = await _territory("Nord", germany)
    city = CITIES[next(_worlds) % len(CITIES)]
    local = await _territory(city, north)
    world = World(viewer, make, login, login.token, planner, group, city, north, local)
    # The viewer used the app before: its calendar feed URL exists (it is made on first
    # request), so the request counted is one like every later one.
    await CalendarFeed.create(user=login.user, token=secrets.token_urlsafe(32))

    if viewer in CUSTOMERS:
        world.company = await world.address(AddressKind.COMPANY, "Frischback GmbH")
        world.contact = await ContactPerson.create(
            address=world.company,
            first_name="Clara",
            last_name="Kunde",
            email=login.user.email,
            user=login.user,
        )
        if viewer == "customer-in-territory":
            await ContactTerritory.create(contact_person=world.contact, territory=north)
        if viewer == "customer-api-token":
            minted = mint_secret(API_TOKEN_KIND)
            await ApiToken.create(
                user=login.user,
                public_id=minted.public_id,
                secret_hash=minted.secret_hash,
                name="Warenwirtschaft",
                scopes=[TokenScope.PROJECTS_READ, TokenScope.REPORTS_READ],
                last_used_at=datetime.now(UTC),  # touched at most once a minute
            )
            world.token = minted.secret
    elif viewer == "promoter":
        world.promoter = await Promoter.create(
            name=login.user.name, phone="0170 1234567", email=login.user.email, user=login.user
        )
    return world


# ---------------------------------------------------------------- builders, one per query


@dataclass(frozen=True)
class Request:
    variables: dict[str, Any] | None
    # Dotted path in the answer's data → how many rows (non-null objects) it must hold there.
    expect: dict[str, int]


Builder = Callable[[World, Rows], Awaitable[Request]]
BUILDERS: dict[str, Builder] = {}


def builds(operation: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        BUILDERS[operation] = builder
        return builder

    return register


async def large_requests(
    make: Factory, operation: str
) -> AsyncIterator[tuple[str, World, Request]]:
    """For each viewer the operation's client is for: a world of its own with LARGE rows
    at every level, and the request that reads them (for tests comparing two servers)."""
    for viewer in CLIENT_VIEWERS[QUERY_OPERATIONS[operation]]:
        world = await _world(make, viewer)
        async with in_transaction():
            request = await BUILDERS[operation](world, LARGE)
        yield viewer, world, request


async def answers_of_both(
    make: Factory, operation: str, one: GraphQLClient, other: GraphQLClient
) -> AsyncIterator[tuple[str, httpx.Response, httpx.Response]]:
    """For each viewer of `large_requests`: the client operation's answer from two servers,
    each a 200 without errors."""
    query = operations()[operation]
    async for viewer, world, request in large_requests(make, operation):
        answers = [
            await server.post_raw(query, world.token, request.variables) for server in (one, other)
        ]
        for answer in answers:
            assert answer.status_code == 200, (operation, viewer)
            assert b'"errors"' not in answer.content, (operation, viewer)
        yield viewer, answers[0], answers[1]


@builds("Viewer")
async def _viewer(w: World, rows: Rows) -> Request:
    """n account groups (a staff user's personal one among them) and n teams."""
    n = rows.top
    own = await AccountGroupMember.filter(user_id=w.login.user.id).count()
    for _ in range(n - own):
        group = await AccountGroup.create(name=f"Vertretung {w.number()}")
        await AccountGroupMember.create(group=group, user=w.login.user)
    for _ in range(n):
        team = await Team.create(name=f"Innendienst {w.number()}")
        await TeamMember.create(team=team, user=w.login.user)
    return Request(None, {"viewer.accountGroups": n, "viewer.teams": n})


@builds("SearchAddresses")
async def _search_addresses(w: World, rows: Rows) -> Request:
    """n stores found by two words (name and city), indexed as the product indexes them."""
    n = rows.top
    for _ in range(n):
        await reindex(await w.store())
        await reindex(await w.address(AddressKind.COMPANY, "Bäckerei Markt"))
    variables = {"search": f"Markt {w.city}", "kind": "STORE", "first": 50}
    return Request(variables, {"addresses.edges": n, "addresses.edges.node": n})


@builds("AddressDetail")
async def _address_detail(w: World, rows: Rows) -> Request:
    """A customer with n contacts (each with a portal login), n campaign memberships (each
    with its handler), n activities of its own and n it took part in."""
    n = rows.top
    second = await AccountGroup.create(name=f"Key Account {w.number()}")
    address = await w.address(
        AddressKind.COMPANY,
        "Frischback GmbH",
        customer_number=f"K-{w.number()}",
        secondary_account_group=second,
        territory=w.local,
    )
    other = await w.address(AddressKind.COMPANY, "Mühle Nord")
    handlers = await w.users(n)
    tags = await TagGroup.create(name=f"Vertrieb {w.number()}")
    tag = await Tag.create(group=tags, name="Besuch")
    for i, handler in enumerate(handlers):
        login = await w.make.user(Role.CUSTOMER)
        await ContactPerson.create(
            address=address,
            first_name="Karl",
            last_name=f"Kontakt {i}",
            position="Einkauf",
            email=login.email,
            user=login,
        )
        campaign = await Campaign.create(name=f"Frühjahr {w.number()}")
        await CampaignMember.create(
            campaign=campaign,
            address=address,
            handler=handler,
            status=CampaignMemberStatus.CONTACTED,
        )
        subtag = await Subtag.create(tag=tag, name=f"Erstbesuch {i}")
        for main in (address, other):
            starts, _ = w.slot()
            activity = await Activity.create(
                address=main,
                kind=ActivityKind.VISIT,
                direction=ActivityDirection.OUTBOUND,
                status=ActivityStatus.DONE,
                starts_at=starts,
                duration_minutes=30,
                subject=f"Besuch {w.number()}",
                responsible=handler,
                created_by=w.planner,
                campaign=campaign,
                subtag=subtag,
            )
            if main is other:
                await ActivityParticipant.create(activity=activity, address=address)
    activities = min(2 * n, 20)  # the client asks for activities(first: 20)
    return Request(
        {"id": _gid("Address", address.id)},
        {
            "node.accountGroup": 1,
            "node.secondaryAccountGroup": 1,
            "node.territory": 1,
            "node.contactPersons": n,
            "node.campaignMemberships": n,
            "node.campaignMemberships.handler": n,
            "node.campaignMemberships.campaign": n,
            "node.activities.edges": activities,
            "node.activities.edges.node.responsible": activities,
            "node.activities.edges.node.campaign": activities,
            "node.activities.edges.node.subtag": activities,
        },
    )


@builds("MyReminders")
async def _my_reminders(w: World, rows: Rows) -> Request:
    """n planned calls at n customers, each with the viewer's reminder."""
    n = rows.top
    for _ in range(n):
        activity = await Activity.create(
            address=await w.address(AddressKind.COMPANY, "Getränke Nord"),
            kind=ActivityKind.CALL,
            direction=ActivityDirection.OUTBOUND,
            status=ActivityStatus.PLANNED,
            starts_at=_days_ahead(w.number()),
            subject=f"Nachfassen {w.number()}",
            responsible=w.login.user,
            created_by=w.login.user,
            reminder=True,
        )
        await Reminder.create(
            activity=activity,
            user=w.login.user,
            remind_at=activity.starts_at - timedelta(days=1),
        )
    return Request(None, {"viewer.reminders": n, "viewer.reminders.activity.address": n})


@builds("Tags")
async def _tags(w: World, rows: Rows) -> Request:
    """Tag groups, tags in each, subtags in each tag."""
    for _ in range(rows.top):
        group = await TagGroup.create(name=f"Gruppe {w.number()}")
        for t in range(rows.each):
            tag = await Tag.create(group=group, name=f"Tag {t}")
            await Subtag.bulk_create(
                [Subtag(tag_id=tag.id, name=f"Sub {s}") for s in range(rows.each)]
            )
    # Tags are the agency's shared lists: the answer holds those of earlier worlds too.
    return Request(
        None,
        {
            "tagGroups": await TagGroup.all().count(),
            "tagGroups.tags": await Tag.all().count(),
            "tagGroups.tags.subtags": await Subtag.all().count(),
        },
    )


@builds("Campaigns")
async def _campaigns(w: World, rows: Rows) -> Request:
    """Active campaigns, each with the same member addresses."""
    addresses = [await w.address(AddressKind.COMPANY, "Kiosk") for _ in range(rows.each)]
    for _ in range(rows.top):
        campaign = await Campaign.create(name=f"Sommer {w.number()}")
        await CampaignMember.bulk_create(
            [CampaignMember(campaign_id=campaign.id, address_id=a.id) for a in addresses]
        )
    # Campaigns are shared: the answer holds those of earlier worlds too, a page of 50.
    return Request(None, {"campaigns.edges": min(await Campaign.all().count(), 50)})


async def _task(w: World, number: int, **fields: Any) -> Task:
    due = _days_ahead(number)
    by = number % 2 == 0
    return await Task.create(
        title=f"Angebot {number}",
        due_by=due if by else None,
        due_on=None if by else due,
        due_at=due,
        created_by=w.planner,
        **fields,
    )


@builds("MyTasks")
async def _my_tasks(w: World, rows: Rows) -> Request:
    """Tasks of the viewer, each at a customer; teams with unclaimed tasks each."""
    n, m = rows.top, rows.each
    for _ in range(n):
        customer = await w.address(AddressKind.COMPANY, "Hofladen")
        await _task(w, w.number(), assignee=w.login.user, address=customer)
    for _ in range(m):
        team = await Team.create(name=f"Pool {w.number()}")
        await TeamMember.create(team=team, user=w.login.user)
        for _ in range(m):
            await _task(w, w.number(), team=team)
    return Request(
        None,
        {
            "viewer.tasks.edges": n,
            "viewer.tasks.edges.node.address": n,
            "viewer.teams": m,
            "viewer.teams.openTasks.edges": m**2,
        },
    )


@builds("Appointments")
async def _appointments(w: World, rows: Rows) -> Request:
    """Appointments, each at a store of a project of its own customer, requested by a
    contact of it, with promoters booked; asked for by their period (the agency calendar),
    which holds no other world's."""
    n, m = rows.top, rows.each
    promoters = await w.promoters(m)
    appointments = []
    for _ in range(n):
        customer = await w.address(AddressKind.COMPANY, "Molkerei")
        asked = await ContactPerson.create(address=customer, first_name="Ina", last_name="Kauf")
        [location] = await w.locations(await w.project(customer), 1)
        appointments.append(await w.appointment(location, m, requested_by=asked))
    await w.book(appointments, promoters)
    variables = {
        "from": appointments[0].starts_at.isoformat(),
        "to": appointments[-1].ends_at.isoformat(),
        "first": 100,
    }
    return Request(
        variables,
        {
            "appointments.edges": n,
            "appointments.edges.node.requestedBy": n,
            "appointments.edges.node.location.store": n,
            "appointments.edges.node.location.project": n,
            "appointments.edges.node.bookings": n * m,
            "appointments.edges.node.bookings.promoter": n * m,
        },
    )


@builds("ProjectOverview")
async def _project_overview(w: World, rows: Rows) -> Request:
    """A project with contacts, report fields and stores (its outer lists), each store with
    appointments of reported bookings."""
    n, m = rows.top, rows.each
    customer = await w.customer()
    project = await w.project(customer, fields=n)
    for i in range(n):
        contact = await ContactPerson.create(
            address=customer, first_name="Marta", last_name=f"Markt {i}"
        )
        await ProjectContact.create(project=project, contact_person=contact)
    promoters = await w.promoters(m)
    appointments = [
        await w.appointment(location, m)
        for location in await w.locations(project, n)
        for _ in range(m)
    ]
    await w.report(await w.book(appointments, promoters))
    locations = "node.locations"
    bookings = f"{locations}.appointments.edges.node.bookings"
    return Request(
        {"id": _gid("Project", project.id)},
        {
            "node.customer": 1,
            "node.responsible": 1,
            "node.contacts": n,
            "node.reportFields": n,
            locations: n,
            f"{locations}.store.territory": n,
            f"{locations}.appointments.edges": n * m,
            bookings: n * m * m,
            f"{bookings}.promoter": n * m * m,
            f"{bookings}.report": n * m * m,
        },
    )


@builds("ScheduledContacts")
async def _scheduled_contacts(w: World, rows: Rows) -> Request:
    """A plan with members, each called once and ordering items."""
    n, m = rows.top, rows.each
    plan = await ContactPlan.create(
        name=f"Bestellannahme {w.number()}",
        purpose=ContactPlanPurpose.ORDER_INTAKE,
        weekdays=[2, 4],
        responsible=w.planner,
        valid_from=ANCHOR.date(),
    )
    for i in range(n):
        address = await w.address(AddressKind.COMPANY, "Feinkost")
        member = await ContactPlanMember.create(
            plan=plan,
            address=address,
            phone=address.phone,
            contact_from="09:00",
            contact_until="11:00",
        )
        day = ANCHOR.date() + timedelta(days=7 * i + 1)
        order = await Order.create(address=address, delivery_date=day + timedelta(days=2))
        await OrderLine.bulk_create(
            [OrderLine(order_id=order.id, item=f"Artikel {k}", quantity=k + 1) for k in range(m)]
        )
        await ScheduledContact.create(
            plan=plan,
            member=member,
            date=day,
            window_start="09:00",
            status=ContactOutcome.ORDER_PLACED,
            note="Bestellung aufgenommen",
            order=order,
        )
    return Request(
        {"planId": _gid("ContactPlan", plan.id)},
        {
            "scheduledContacts.edges": n,
            "scheduledContacts.edges.node.member.address": n,
            "scheduledContacts.edges.node.order": n,
            "scheduledContacts.edges.node.order.lines": n * m,
        },
    )


@builds("MyApiTokens")
async def _my_api_tokens(w: World, rows: Rows) -> Request:
    n = rows.top
    for i in range(n):
        minted = mint_secret(API_TOKEN_KIND)
        await ApiToken.create(
            user=w.login.user,
            public_id=minted.public_id,
            secret_hash=minted.secret_hash,
            name=f"Integration {i}",
            scopes=[TokenScope.CRM_READ],
        )
    return Request(None, {"viewer.apiTokens": n})


@builds("MyProjects")
async def _my_projects(w: World, rows: Rows) -> Request:
    """Projects the contact is assigned to, each at the same stores."""
    n, m = rows.top, rows.each
    stores = [await w.store() for _ in range(m)]
    for _ in range(n):
        project = await w.project()
        for store in stores:
            await Location.create(project=project, store=store)
    return Request(
        None,
        {
            "projects.edges": n,
            "projects.edges.node.customer": n,
            "projects.edges.node.locations": n * m,
            "projects.edges.node.locations.store": n * m,
        },
    )


@builds("ProjectAppointments")
async def _project_appointments(w: World, rows: Rows) -> Request:
    """A project with stores, an appointment at each, promoters booked on each."""
    n, m = rows.top, rows.each
    project = await w.project()
    appointments = [await w.appointment(location, m) for location in await w.locations(project, n)]
    await w.book(appointments, await w.promoters(m))
    return Request(
        {"projectId": _gid("Project", project.id)},
        {
            "appointments.edges": n,
            "appointments.edges.node.location.store": n,
            "appointments.edges.node.bookings": n * m,
            "appointments.edges.node.bookings.promoter": n * m,
        },
    )


@builds("ProjectReports")
async def _project_reports(w: World, rows: Rows) -> Request:
    """A project with report fields and stores, a promoter's report at each answering
    every field."""
    n, m = rows.top, rows.each
    project = await w.project(fields=m)
    fields = await ReportField.filter(project=project).order_by("id")
    promoters = await w.promoters(n)
    for location, promoter in zip(await w.locations(project, n), promoters, strict=True):
        bookings = await w.book([await w.appointment(location, 1)], [promoter])
        await w.report(bookings, fields)
    reports = "node.reports.edges.node"
    return Request(
        {"projectId": _gid("Project", project.id)},
        {
            "node.reportFields": m,
            "node.reports.edges": n,
            f"{reports}.booking.appointment.location.store": n,
            f"{reports}.booking.promoter": n,
            f"{reports}.answers": n * m,
            f"{reports}.answers.field": n * m,
        },
    )


@builds("MyAssignments")
async def _my_assignments(w: World, rows: Rows) -> Request:
    """The promoter booked at a store of each of several projects (with report fields),
    checked in and out several times on each booking, each reported."""
    assert w.promoter is not None
    n, m = rows.top, rows.each
    bookings = []
    for _ in range(n):
        project = await w.project(fields=m)
        [location] = await w.locations(project, 1)
        bookings += await w.book([await w.appointment(location, 1)], [w.promoter])
    await TimeEntry.bulk_create(
        [
            TimeEntry(
                booking_id=booking.id,
                checked_in_at=booking.starts_at + timedelta(minutes=20 * k),
                checked_out_at=booking.starts_at + timedelta(minutes=20 * k + 15),
            )
            for booking in bookings
            for k in range(m)
        ]
    )
    await w.report(bookings)
    variables = {
        "from": (ANCHOR - timedelta(days=1)).isoformat(),
        "to": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    bookings_path = "viewer.promoter.bookings"
    return Request(
        variables,
        {
            bookings_path: n,
            f"{bookings_path}.appointment.location.store": n,
            f"{bookings_path}.appointment.location.project.reportFields": n * m,
            f"{bookings_path}.timeEntries": n * m,
            f"{bookings_path}.report": n,
        },
    )


# ---------------------------------------------------------------- measuring


def _rows(data: Any, path: str) -> int:
    """How many non-null objects the answer holds at a dotted path, lists flattened."""
    items = [data]
    for key in path.split("."):
        found = []
        for item in items:
            value = item[key]
            if isinstance(value, list):
                found += value
            elif value is not None:
                found.append(value)
        items = found
    return len(items)


# A list of bound parameters, as Tortoise writes `field__in=[…]` (SQLite `?`, asyncpg `$n`).
_PARAMETER_LIST = re.compile(r"\bIN \((?:\?|\$\d+)(?:,\s*(?:\?|\$\d+))*\)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\$\d+")


def shape(sql: str) -> str:
    """A statement without its values: parameter lists collapsed, placeholders unnumbered."""
    return _PLACEHOLDER.sub("$", _PARAMETER_LIST.sub("IN (…)", sql))


def _batched(statement_shape: str) -> bool:
    return "IN (…)" in statement_shape


@dataclass(frozen=True)
class Measured:
    """The statements of one request.

    `stable` counts every statement, except that the batches of one DataLoader query (a
    statement over a list of keys) count once: how a loader reached from several fields
    splits its keys into batches depends on which database answer arrives first (on
    PostgreSQL sibling fields run concurrently on pooled connections), not on the number of
    rows. A loader dispatched once per row is caught by `most_repeated` instead: no
    statement may run once per row of the large world.
    """

    log: QueryLog

    @property
    def shapes(self) -> Counter[str]:
        return Counter(shape(sql) for sql in self.log.sql)

    @property
    def stable(self) -> int:
        return sum(1 if _batched(s) else n for s, n in self.shapes.items())

    @property
    def most_repeated(self) -> int:
        return max(self.shapes.values(), default=0)


def _growth(small: Measured, large: Measured) -> str:
    """The statement shapes that run more often with more rows, for the failure message."""
    grown = [
        f"  {small.shapes[s]} → {n}: {s}" for s, n in large.shapes.items() if n > small.shapes[s]
    ]
    return "\n".join(grown) or "  (none: only loader batches split differently)"


async def _statements(
    api: GraphQLClient, make: Factory, operation: str, viewer: str, rows: Rows
) -> Measured:
    """The statements of the operation's request in a world of `rows`."""
    world = await _world(make, viewer)
    async with in_transaction():
        request = await BUILDERS[operation](world, rows)
    with count_queries() as queries:
        result = await api.op(operation, request.variables, world.token)
    assert "errors" not in result, (operation, viewer, result)
    found = {path: _rows(result["data"], path) for path in request.expect}
    assert found == request.expect, f"{operation} as {viewer} with {rows}: {result}"
    return Measured(queries)


def _cases() -> list[Any]:
    cases = []
    for operation in QUERY_OPERATIONS:
        reason = KNOWN_N_PLUS_ONE.get(operation)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        cases.append(pytest.param(operation, marks=marks, id=operation))
    return cases


@pytest.mark.parametrize("operation", _cases())
async def test_statements_do_not_grow_with_the_rows_answered(api, make, operation):
    if operation not in BUILDERS:
        pytest.fail(f"No builder for the client query {operation}: add one to this file.")
    grown = []
    for viewer in CLIENT_VIEWERS[QUERY_OPERATIONS[operation]]:
        small = await _statements(api, make, operation, viewer, SMALL)
        large = await _statements(api, make, operation, viewer, LARGE)
        # A statement per row of any level runs at least `each` times.
        if large.stable != small.stable or large.most_repeated >= LARGE.each:
            grown.append(
                f"{operation} as {viewer}: {small.stable} statement(s) ({small.log.count} in "
                f"all) with {SMALL}, {large.stable} ({large.log.count}) with "
                f"{LARGE}.\nGrown:\n{_growth(small, large)}\n"
                f"{SMALL}: {small.log.report()}\n"
                f"{LARGE}: {large.log.report()}"
            )
    assert not grown, "\n\n".join(grown)


def test_every_client_query_has_a_builder():
    """A query a client starts sending is measured here too, not silently left out."""
    assert {path.stem for path in CLIENT_DOCUMENTS} == set(CLIENT_VIEWERS)
    assert QUERY_OPERATIONS, "no client query operations found"
    missing = sorted(set(QUERY_OPERATIONS) - set(BUILDERS))
    assert not missing, f"client queries without a builder here: {missing}"
    stale = sorted(set(BUILDERS) - set(QUERY_OPERATIONS))
    assert not stale, f"builders of operations no client sends (any more): {stale}"
    stale_marks = sorted(set(KNOWN_N_PLUS_ONE) - set(QUERY_OPERATIONS))
    assert not stale_marks, stale_marks


def _log(*sql: str) -> Measured:
    return Measured(QueryLog([Statement(text) for text in sql]))


def test_a_statement_per_row_is_growth_and_split_loader_batches_are_not():
    session = 'SELECT * FROM "sessions" WHERE "public_id"=$1 LIMIT $2'
    users = 'SELECT * FROM "users" WHERE "id" IN ({})'
    per_row = 'SELECT * FROM "bookings" WHERE "promoter_id"=$1'
    small = _log(session, users.format("$1"), per_row)
    assert (small.stable, small.most_repeated) == (3, 1)
    # One loader's keys in two batches, as timing may have it: still one statement.
    split = _log(session, users.format("$1,$2,$3"), users.format("$1,$2"), per_row)
    assert (split.stable, split.most_repeated) == (3, 2)
    n_plus_one = _log(session, users.format("$1,$2"), *[per_row] * LARGE.each)
    assert (n_plus_one.stable, n_plus_one.most_repeated) == (2 + LARGE.each, LARGE.each)
    # A loader dispatched once per row collapses in `stable`, but not in `most_repeated`.
    per_row_loader = _log(session, *[users.format("$1")] * LARGE.each)
    assert (per_row_loader.stable, per_row_loader.most_repeated) == (2, LARGE.each)
    assert shape('"id" IN (?,?, ?)') == shape('"id" IN ($7)') == '"id" IN (…)'
    assert shape('"a"=$4 AND "b" IN (SELECT "c" FROM "d" WHERE "e"=$5)') == (
        '"a"=$ AND "b" IN (SELECT "c" FROM "d" WHERE "e"=$)'
    )


def test_mutations_are_left_out_and_queries_kept():
    assert "Login" not in QUERY_OPERATIONS
    assert "SubmitReport" not in QUERY_OPERATIONS
    assert QUERY_OPERATIONS["MyAssignments"] == "promoter-app"
    assert QUERY_OPERATIONS["ProjectReports"] == "customer-portal"
    assert QUERY_OPERATIONS["ProjectOverview"] == "agency-web"
    assert _rows({"a": [{"b": [1, 2]}, {"b": None}, {"b": [3]}]}, "a.b") == 3


PROMOTERS_BOOKINGS = """
query($id: ID!) {
  node(id: $id) {
    ... on Project {
      locations { appointments(first: 100) { edges { node {
        bookings { promoter { bookings { id } } }
      } } } }
    }
  }
}"""


async def _promoters_bookings(api: GraphQLClient, make: Factory, rows: Rows) -> Measured:
    world = await _world(make, "admin")
    async with in_transaction():
        request = await _project_overview(world, rows)
    with count_queries() as queries:
        result = await api.post(PROMOTERS_BOOKINGS, request.variables, world.token)
    assert "errors" not in result, result
    edges = [
        edge
        for location in result["data"]["node"]["locations"]
        for edge in location["appointments"]["edges"]
    ]
    assert len(edges) == rows.top * rows.each
    return Measured(queries)


async def test_a_promoters_bookings_reached_from_many_promoters_load_in_one_batch(api, make):
    """Beyond the contract: Promoter.bookings(from:, to:) goes through a loader too."""
    small = await _promoters_bookings(api, make, SMALL)
    # Each booking answers all its promoter's bookings: 12 at every level keeps that at
    # 250,000 (LARGE would make 4 million).
    large = await _promoters_bookings(api, make, Rows.every(LARGE.each))
    assert large.stable == small.stable and large.most_repeated < LARGE.each, _growth(small, large)
