"""Contact planning: plans, members, exceptions, the generation run and the call list."""

from __future__ import annotations

from datetime import date, time
from enum import Enum
from typing import Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions.fields import current_viewer
from api.permissions.scoping import visible_orders, visible_plan_members
from api.resolvers import contact_generation, planning
from api.schema.crm import CRM_READ, CRM_WRITE
from api.schema.errors import Payload, mutate
from api.schema.nodes import Connection, ScopedNode, VisibleNode, page_request
from api.schema.refs import AddressRef, UserRef, address_ref, user_ref
from db.models import planning as models
from db.models.accounts import TokenScope

ContactPlanPurpose = strawberry.enum(models.ContactPlanPurpose, name="ContactPlanPurpose")
ContactOutcome = strawberry.enum(models.ContactOutcome, name="ContactOutcome")


@strawberry.enum
class Weekday(Enum):
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


def _time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


@strawberry.type(description="Days on which a plan does not run (inclusive).")
class ContactPlanException:
    from_: date = strawberry.field(name="from")
    until: date
    reason: str


@strawberry.type(name="ContactPlan", description="Regular calls to a group of customers.")
class ContactPlanNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    name: str
    purpose: ContactPlanPurpose
    weekdays: list[Weekday]
    valid_from: date
    valid_until: date | None
    responsible_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, plan: models.ContactPlan) -> Self:
        return cls(
            id=plan.id,
            name=plan.name,
            purpose=models.ContactPlanPurpose(plan.purpose),
            weekdays=[Weekday(d) for d in plan.weekdays],
            valid_from=plan.valid_from,
            valid_until=plan.valid_until,
            responsible_id=plan.responsible_id,
        )

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        plan = await planning.visible_plan(current_viewer(info), pk)
        return cls.of(plan) if plan else None

    @strawberry.field
    @user_ref(lambda self: self.responsible_id)
    async def responsible(self, info: Info) -> UserRef | None: ...

    @strawberry.field
    async def exceptions(self, info: Info) -> list[ContactPlanException]:
        rows = await info.context.loaders.exceptions_of_plan.load(self.id)
        return [
            ContactPlanException(from_=r.starts_on, until=r.ends_on, reason=r.reason) for r in rows
        ]


@strawberry.type(name="ContactPlanMember", description="A customer in a plan.")
class ContactPlanMemberNode(ScopedNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    model = models.ContactPlanMember
    scope = staticmethod(visible_plan_members)
    id: relay.NodeID[int]
    phone: str
    contact_from: time | None
    contact_until: time | None
    address_id: strawberry.Private[int]

    @classmethod
    def of(cls, member: models.ContactPlanMember) -> Self:
        return cls(
            id=member.id,
            phone=member.phone,
            contact_from=_time(member.contact_from),
            contact_until=_time(member.contact_until),
            address_id=member.address_id,
        )

    @strawberry.field
    @address_ref(lambda self: self.address_id)
    async def address(self, info: Info) -> AddressRef: ...


@strawberry.type(description="An ordered item.")
class OrderLine:
    item: str
    quantity: int


@strawberry.type(name="Order", description="An order taken during a call.")
class OrderNode(ScopedNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    model = models.Order
    scope = staticmethod(visible_orders)
    id: relay.NodeID[int]
    delivery_date: date

    @classmethod
    def of(cls, order: models.Order) -> Self:
        return cls(id=order.id, delivery_date=order.delivery_date)

    @strawberry.field
    async def lines(self, info: Info) -> list[OrderLine]:
        rows = await info.context.loaders.lines_of_order.load(self.id)
        return [OrderLine(item=row.item, quantity=row.quantity) for row in rows]


@strawberry.type(name="ScheduledContact", description="One call to make.")
class ScheduledContactNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    date: date
    status: ContactOutcome
    note: str
    member_id: strawberry.Private[int]
    order_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, entry: models.ScheduledContact) -> Self:
        return cls(
            id=entry.id,
            date=entry.date,
            status=models.ContactOutcome(entry.status),
            note=entry.note,
            member_id=entry.member_id,
            order_id=entry.order_id,
        )

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        entry = await planning.visible_scheduled(current_viewer(info), pk)
        return cls.of(entry) if entry else None

    @strawberry.field
    async def member(self, info: Info) -> ContactPlanMemberNode:
        return ContactPlanMemberNode.of(await info.context.loaders.plan_member.load(self.member_id))

    @strawberry.field
    async def order(self, info: Info) -> OrderNode | None:
        order = await info.context.loaders.order.load(self.order_id) if self.order_id else None
        return OrderNode.of(order) if order else None


@strawberry.input
class CreateContactPlanInput:
    name: str
    purpose: ContactPlanPurpose
    weekdays: list[Weekday]
    valid_from: date
    valid_until: date | None = None
    responsible_id: strawberry.ID | None = None


@strawberry.type
class ContactPlanPayload(Payload):
    contact_plan: ContactPlanNode | None = None


@strawberry.input
class AddContactPlanMemberInput:
    plan_id: strawberry.ID
    address_id: strawberry.ID
    contact_person_id: strawberry.ID | None = None
    phone: str | None = strawberry.field(
        default=None, description="Without one, the contact's or the address's number."
    )
    contact_from: time | None = None
    contact_until: time | None = None


@strawberry.type
class ContactPlanMemberPayload(Payload):
    member: ContactPlanMemberNode | None = None


@strawberry.input
class AddContactPlanExceptionInput:
    plan_id: strawberry.ID
    from_: date = strawberry.field(name="from")
    until: date
    reason: str | None = None


@strawberry.input
class AddInactivePeriodInput:
    address_id: strawberry.ID
    from_: date = strawberry.field(name="from")
    until: date
    reason: str | None = None


@strawberry.type
class InactivePeriodPayload(Payload):
    address: AddressRef | None = None


@strawberry.input
class GenerateScheduledContactsInput:
    plan_id: strawberry.ID
    from_: date = strawberry.field(name="from")
    until: date
    address_ids: list[strawberry.ID] | None = None
    purge_before: date | None = None
    dry_run: bool = strawberry.field(
        default=False, description="Answer the same counts and write nothing."
    )


@strawberry.type
class GenerateScheduledContactsPayload(Payload):
    created: int | None = None
    skipped: int | None = strawberry.field(
        default=None,
        description="Plan days not created: plan exceptions, inactive periods, or existing.",
    )
    purged: int | None = None


@strawberry.input
class OrderLineInput:
    item: str
    quantity: int


@strawberry.input
class OrderInput:
    delivery_date: date
    lines: list[OrderLineInput]


@strawberry.input
class RecordContactOutcomeInput:
    scheduled_contact_id: strawberry.ID
    outcome: ContactOutcome
    note: str | None = None
    order: OrderInput | None = strawberry.field(default=None, description="With ORDER_PLACED.")


@strawberry.type
class ScheduledContactPayload(Payload):
    scheduled_contact: ScheduledContactNode | None = None


@strawberry.type
class PlanningQuery:
    @strawberry.field(extensions=CRM_READ, description="The call list, by date and window.")
    async def scheduled_contacts(
        self,
        info: Info,
        plan_id: strawberry.ID,
        on: date | None = None,
        status: ContactOutcome | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ScheduledContactNode]:
        page = await planning.find_scheduled(
            current_viewer(info),
            str(plan_id),
            on,
            models.ContactOutcome(status) if status else None,
            page_request(first, after, last, before),
        )
        return Connection.of(page, ScheduledContactNode.of)


@strawberry.type
class PlanningMutation:
    @strawberry.mutation(extensions=CRM_WRITE)
    async def create_contact_plan(self, input: CreateContactPlanInput) -> ContactPlanPayload:
        new = planning.NewPlan(
            name=input.name,
            purpose=models.ContactPlanPurpose(input.purpose),
            weekdays=[Weekday(d).value for d in input.weekdays],
            valid_from=input.valid_from,
            valid_until=input.valid_until,
            responsible_id=str(input.responsible_id) if input.responsible_id else None,
        )

        async def work() -> ContactPlanPayload:
            return ContactPlanPayload(
                contact_plan=ContactPlanNode.of(await planning.create_plan(new))
            )

        return await mutate(ContactPlanPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def add_contact_plan_member(
        self, info: Info, input: AddContactPlanMemberInput
    ) -> ContactPlanMemberPayload:
        viewer = current_viewer(info)
        new = planning.NewMember(
            plan_id=str(input.plan_id),
            address_id=str(input.address_id),
            phone=input.phone,
            contact_person_id=str(input.contact_person_id) if input.contact_person_id else None,
            contact_from=input.contact_from,
            contact_until=input.contact_until,
        )

        async def work() -> ContactPlanMemberPayload:
            member = await planning.add_member(viewer, new)
            return ContactPlanMemberPayload(member=ContactPlanMemberNode.of(member))

        return await mutate(ContactPlanMemberPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def add_contact_plan_exception(
        self, info: Info, input: AddContactPlanExceptionInput
    ) -> ContactPlanPayload:
        viewer = current_viewer(info)
        span = planning.Range(input.from_, input.until, input.reason)

        async def work() -> ContactPlanPayload:
            plan = await planning.add_exception(viewer, str(input.plan_id), span)
            return ContactPlanPayload(contact_plan=ContactPlanNode.of(plan))

        return await mutate(ContactPlanPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE, description="Days the customer must not be called.")
    async def add_inactive_period(
        self, info: Info, input: AddInactivePeriodInput
    ) -> InactivePeriodPayload:
        from api.schema.addresses import AddressNode

        viewer = current_viewer(info)
        span = planning.Range(input.from_, input.until, input.reason)

        async def work() -> InactivePeriodPayload:
            address = await planning.add_inactive_period(viewer, str(input.address_id), span)
            return InactivePeriodPayload(address=AddressNode.of(address))

        return await mutate(InactivePeriodPayload, work)

    @strawberry.mutation(
        extensions=CRM_WRITE,
        description="Create the plan's calls for a period; running it again adds nothing.",
    )
    async def generate_scheduled_contacts(
        self, info: Info, input: GenerateScheduledContactsInput
    ) -> GenerateScheduledContactsPayload:
        viewer = current_viewer(info)

        async def work() -> GenerateScheduledContactsPayload:
            plan = await planning.plan_argument(viewer, str(input.plan_id), "planId")
            address_ids = None
            if input.address_ids is not None:
                address_ids = await planning.address_pks(
                    viewer, [str(a) for a in input.address_ids]
                )
            run = contact_generation.Generation(
                from_=input.from_,
                until=input.until,
                address_ids=await planning.generation_addresses(viewer, plan, address_ids),
                purge_before=input.purge_before,
                dry_run=input.dry_run,
            )
            counts = await contact_generation.generate(plan, run)
            return GenerateScheduledContactsPayload(
                created=counts.created, skipped=counts.skipped, purged=counts.purged
            )

        return await mutate(GenerateScheduledContactsPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def record_contact_outcome(
        self, info: Info, input: RecordContactOutcomeInput
    ) -> ScheduledContactPayload:
        viewer = current_viewer(info)
        order = input.order
        outcome = planning.Outcome(
            scheduled_contact_id=str(input.scheduled_contact_id),
            outcome=models.ContactOutcome(input.outcome),
            note=input.note,
            delivery_date=order.delivery_date if order else None,
            lines=tuple(planning.OrderLineInput(line.item, line.quantity) for line in order.lines)
            if order
            else None,
        )

        async def work() -> ScheduledContactPayload:
            entry = await planning.record_outcome(viewer, outcome)
            return ScheduledContactPayload(scheduled_contact=ScheduledContactNode.of(entry))

        return await mutate(ScheduledContactPayload, work)
