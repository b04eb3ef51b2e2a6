"""Contact plans, their members, exceptions and inactive periods, and working the call list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from api.permissions.scoping import visible_address_ids, visible_contact_plans
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.activities import agency_user
from api.resolvers.addresses import address_argument
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from api.resolvers.pagination import Page, PageRequest, paginate
from db.models.crm import Address, ContactPerson, InactivePeriod
from db.models.planning import (
    ContactOutcome,
    ContactPlan,
    ContactPlanException,
    ContactPlanMember,
    ContactPlanPurpose,
    Order,
    OrderLine,
    ScheduledContact,
)

MAX_QUANTITY = 1_000_000


@dataclass(frozen=True, slots=True)
class NewPlan:
    name: str
    purpose: ContactPlanPurpose
    weekdays: list[int]
    valid_from: date
    valid_until: date | None = None
    responsible_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewMember:
    plan_id: str
    address_id: str
    phone: str | None = None
    contact_person_id: str | None = None
    contact_from: time | None = None
    contact_until: time | None = None


@dataclass(frozen=True, slots=True)
class Range:
    from_: date
    until: date
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLineInput:
    item: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Outcome:
    scheduled_contact_id: str
    outcome: ContactOutcome
    note: str | None = None
    delivery_date: date | None = None
    lines: tuple[OrderLineInput, ...] | None = None


async def plan_argument(viewer: Viewer, global_id: str, field: str) -> ContactPlan:
    pk = inputs.node_pk(global_id, "ContactPlan", field)
    plan = await ContactPlan.filter(visible_contact_plans(viewer), pk=pk).first()
    if plan is None:
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, "No ContactPlan with this ID.")
    return plan


def _range(span: Range) -> None:
    if span.until < span.from_:
        raise UserFailure.of("until", ErrorCode.INVALID, "until must not lie before from.")


async def create_plan(new: NewPlan) -> ContactPlan:
    problems = FailureCollector()
    name = problems.check(inputs.required_text, new.name, "name")
    if not new.weekdays:
        problems.add("weekdays", ErrorCode.REQUIRED, "Name at least one weekday.")
    if new.valid_until is not None and new.valid_until < new.valid_from:
        problems.add("validUntil", ErrorCode.INVALID, "validUntil must not lie before validFrom.")
    responsible = None
    if new.responsible_id:
        responsible = await problems.check_async(agency_user, new.responsible_id, "responsibleId")
    problems.raise_if_any()
    return await ContactPlan.create(
        name=name,
        purpose=new.purpose,
        weekdays=sorted(set(new.weekdays)),
        valid_from=new.valid_from,
        valid_until=new.valid_until,
        responsible_id=responsible.id if responsible else None,
    )


async def add_member(viewer: Viewer, new: NewMember) -> ContactPlanMember:
    """Put an address into a plan. Without a phone, the contact's or the address's is used."""
    problems = FailureCollector()
    plan = await problems.check_async(
        lambda v, f: plan_argument(viewer, v, f), new.plan_id, "planId"
    )
    address = await problems.check_async(
        lambda v, f: address_argument(viewer, v, f), new.address_id, "addressId"
    )
    if new.contact_from and new.contact_until and new.contact_until <= new.contact_from:
        problems.add("contactUntil", ErrorCode.INVALID, "contactUntil must lie after contactFrom.")
    problems.raise_if_any()
    contact = None
    if new.contact_person_id:
        pk = inputs.node_pk(new.contact_person_id, "ContactPerson", "contactPersonId")
        contact = await ContactPerson.filter(pk=pk, address_id=address.id).first()
        if contact is None:
            raise UserFailure.of(
                "contactPersonId", ErrorCode.NOT_FOUND, "No contact person of this address."
            )
    phone = (
        inputs.phone_number(new.phone, "phone", address.country)
        or (contact.phone if contact else None)
        or address.phone
    )
    if phone is None:
        raise UserFailure.of("phone", ErrorCode.REQUIRED, "Give the number to call.")
    try:
        async with in_transaction():
            return await ContactPlanMember.create(
                plan_id=plan.id,
                address_id=address.id,
                contact_person_id=contact.id if contact else None,
                phone=phone,
                contact_from=_clock(new.contact_from),
                contact_until=_clock(new.contact_until),
            )
    except IntegrityError:
        raise UserFailure.of(
            "addressId", ErrorCode.DUPLICATE, "This address is already in the plan."
        ) from None


def _clock(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


async def _no_overlap(
    model: type[ContactPlanException | InactivePeriod], span: Range, **owner: int
) -> None:
    overlapping = await model.exists(starts_on__lte=span.until, ends_on__gte=span.from_, **owner)
    if overlapping:
        raise UserFailure.of("from", ErrorCode.INVALID, "The range overlaps an existing one.")


async def add_exception(viewer: Viewer, plan_id: str, span: Range) -> ContactPlan:
    plan = await plan_argument(viewer, plan_id, "planId")
    _range(span)
    reason = inputs.optional_text(span.reason, "reason")
    await _no_overlap(ContactPlanException, span, plan_id=plan.id)
    await ContactPlanException.create(
        plan_id=plan.id, starts_on=span.from_, ends_on=span.until, reason=reason
    )
    return plan


async def add_inactive_period(viewer: Viewer, address_id: str, span: Range) -> Address:
    address = await address_argument(viewer, address_id, "addressId")
    _range(span)
    reason = inputs.optional_text(span.reason, "reason")
    await _no_overlap(InactivePeriod, span, address_id=address.id)
    await InactivePeriod.create(
        address_id=address.id, starts_on=span.from_, ends_on=span.until, reason=reason
    )
    return address


async def generation_addresses(
    viewer: Viewer, plan: ContactPlan, address_ids: list[int] | None
) -> list[int] | None:
    """Whom a generation run covers: every member for admins and the plan's responsible
    user; other staff only the members whose addresses they see (nor may they purge others')."""
    if address_ids is not None or viewer.is_admin or plan.responsible_id == viewer.user_id:
        return address_ids
    members = ContactPlanMember.filter(plan_id=plan.id, address_id__in=visible_address_ids(viewer))
    return list(await members.values_list("address_id", flat=True))


def _workable(viewer: Viewer) -> Q:
    """Entries the viewer may see and work: admins all; the plan's responsible user; staff
    who see the member's address."""
    if viewer.is_admin:
        return Q()
    # scoping.visible_plan_members states the same rule for one member; here the plan
    # condition stays outside the subquery, where an OR would cost an index on addresses.
    members = ContactPlanMember.filter(address_id__in=visible_address_ids(viewer)).values("id")
    return Q(plan__responsible_id=viewer.user_id) | Q(member_id__in=Subquery(members))


async def find_scheduled(
    viewer: Viewer, plan_id: str, on: date | None, status: ContactOutcome | None, page: PageRequest
) -> Page[ScheduledContact]:
    try:
        plan = await plan_argument(viewer, plan_id, "planId")
    except UserFailure:
        queryset = ScheduledContact.filter(id=0)
    else:
        queryset = ScheduledContact.filter(_workable(viewer), plan_id=plan.id)
    if on is not None:
        queryset = queryset.filter(date=on)
    if status is not None:
        queryset = queryset.filter(status=status)
    return await paginate(queryset, ("date", "window_start", "id"), page)


async def visible_scheduled(viewer: Viewer, pk: int) -> ScheduledContact | None:
    return await ScheduledContact.filter(
        _workable(viewer),
        plan_id__in=Subquery(ContactPlan.filter(visible_contact_plans(viewer)).values("id")),
        pk=pk,
    ).first()


def _order_lines(lines: tuple[OrderLineInput, ...] | None) -> list[OrderLineInput]:
    if not lines:
        raise UserFailure.of("order.lines", ErrorCode.REQUIRED, "An order needs at least one line.")
    checked = []
    for line in lines:
        item = inputs.required_text(line.item, "order.lines.item")
        if not 0 < line.quantity <= MAX_QUANTITY:
            raise UserFailure.of(
                "order.lines.quantity", ErrorCode.INVALID, "quantity must be a positive number."
            )
        checked.append(OrderLineInput(item, line.quantity))
    return checked


async def _order_for(address_id: int, delivery_date: date) -> Order:
    """The customer's order for that delivery date, made if there is none (race-free: the
    unique (address, delivery date) decides between two calls placing orders at once)."""
    order = await Order.get_or_none(address_id=address_id, delivery_date=delivery_date)
    if order is not None:
        return order
    try:
        async with in_transaction():
            return await Order.create(address_id=address_id, delivery_date=delivery_date)
    except IntegrityError:
        return await Order.get(address_id=address_id, delivery_date=delivery_date)


async def record_outcome(viewer: Viewer, outcome: Outcome) -> ScheduledContact:
    pk = inputs.node_pk(outcome.scheduled_contact_id, "ScheduledContact", "scheduledContactId")
    entry = await visible_scheduled(viewer, pk)
    if entry is None:
        raise UserFailure.of(
            "scheduledContactId", ErrorCode.NOT_FOUND, "No ScheduledContact with this ID."
        )
    note = inputs.optional_text(outcome.note, "note", 5000)
    order_id = entry.order_id
    if outcome.outcome == ContactOutcome.ORDER_PLACED:
        if outcome.delivery_date is None:
            raise UserFailure.of("order", ErrorCode.REQUIRED, "ORDER_PLACED needs an order.")
        lines = _order_lines(outcome.lines)
        member = await ContactPlanMember.get(id=entry.member_id)
        order = await _order_for(member.address_id, outcome.delivery_date)
        await OrderLine.bulk_create(
            [OrderLine(order_id=order.id, item=line.item, quantity=line.quantity) for line in lines]
        )
        order_id = order.id
    elif outcome.lines or outcome.delivery_date:
        raise UserFailure.of("order", ErrorCode.INVALID, "Only ORDER_PLACED takes an order.")
    await ScheduledContact.filter(id=entry.id).update(
        status=outcome.outcome, note=note, order_id=order_id
    )
    return await ScheduledContact.get(id=entry.id)


async def visible_plan(viewer: Viewer, pk: int) -> ContactPlan | None:
    return await ContactPlan.filter(visible_contact_plans(viewer), pk=pk).first()


async def address_pks(viewer: Viewer, global_ids: list[str]) -> list[int]:
    """Addresses named for a run: each must be one the viewer sees."""
    return [(await address_argument(viewer, g, "addressIds")).id for g in dict.fromkeys(global_ids)]
