"""The generation run: the call list of a plan for a period, in bulk and idempotent.

One scheduled contact per member per plan weekday in the period and the plan's validity,
skipping plan exceptions, each member's inactive periods and days before `purge_before`.
Rows go in batches of `INSERT … ON CONFLICT DO NOTHING RETURNING id`: the unique (plan,
member, date) makes a second or concurrent run add nothing, and RETURNING tells exactly
what this run added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise import connections

from api.clock import now
from api.resolvers.failures import ErrorCode, UserFailure
from db.models.crm import InactivePeriod
from db.models.planning import (
    ContactOutcome,
    ContactPlan,
    ContactPlanException,
    ContactPlanMember,
    ScheduledContact,
)

BATCH = 500
MAX_DAYS = 366
COLUMNS = ("plan_id", "member_id", "date", "window_start", "status", "note", "updated_at")

# Called with (rows just written, rows to write in all).
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Generation:
    from_: date
    until: date
    address_ids: Sequence[int] | None = None
    purge_before: date | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class Counts:
    created: int
    skipped: int
    purged: int


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _blocked(day: date, ranges: list[tuple[date, date]]) -> bool:
    return any(start <= day <= end for start, end in ranges)


def _check(plan: ContactPlan, run: Generation) -> tuple[date, date] | None:
    if run.until < run.from_:
        raise UserFailure.of("until", ErrorCode.INVALID, "until must not lie before from.")
    if (run.until - run.from_).days >= MAX_DAYS:
        raise UserFailure.of(
            "until", ErrorCode.INVALID, f"Generate at most {MAX_DAYS} days at once."
        )
    first = max(run.from_, plan.valid_from)
    last = min(run.until, plan.valid_until) if plan.valid_until else run.until
    return (first, last) if first <= last else None


async def generate(plan: ContactPlan, run: Generation, progress: Progress | None = None) -> Counts:
    """Create the plan's scheduled contacts for the run's period (or, dry, count them)."""
    period = _check(plan, run)
    members = ContactPlanMember.filter(plan_id=plan.id)
    if run.address_ids is not None:
        members = members.filter(address_id__in=list(run.address_ids))
    member_rows = await members.order_by("id")
    purged = await _purge(plan, run, [m.id for m in member_rows])
    if period is None or not member_rows:
        return Counts(created=0, skipped=0, purged=purged)
    exceptions = [
        (e.starts_on, e.ends_on)
        for e in await ContactPlanException.filter(
            plan_id=plan.id, starts_on__lte=period[1], ends_on__gte=period[0]
        )
    ]
    weekdays = set(plan.weekdays)
    plan_days = [d for d in _days(*period) if d.isoweekday() in weekdays]
    if run.purge_before is not None:
        # Days the run clears as over are not filled again (they count as skipped).
        exceptions.append((date.min, run.purge_before - timedelta(days=1)))
    run_days = [d for d in plan_days if not _blocked(d, exceptions)]
    inactive: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for period_row in await InactivePeriod.filter(
        address_id__in=[m.address_id for m in member_rows],
        starts_on__lte=period[1],
        ends_on__gte=period[0],
    ):
        inactive[period_row.address_id].append((period_row.starts_on, period_row.ends_on))
    wanted = [
        (member, day)
        for member in member_rows
        for day in run_days
        if not _blocked(day, inactive[member.address_id])
    ]
    slots = len(member_rows) * len(plan_days)
    if run.dry_run:
        existing = set(
            await ScheduledContact.filter(
                plan_id=plan.id, date__gte=period[0], date__lte=period[1]
            ).values_list("member_id", "date")
        )
        created = sum((m.id, d) not in existing for m, d in wanted)
    else:
        created = await _insert(plan, wanted, progress)
    return Counts(created=created, skipped=slots - created, purged=purged)


async def _purge(plan: ContactPlan, run: Generation, member_ids: list[int]) -> int:
    """Open entries before `purge_before` go (worked ones stay as history)."""
    if run.purge_before is None:
        return 0
    stale = ScheduledContact.filter(
        plan_id=plan.id, status=ContactOutcome.OPEN, date__lt=run.purge_before
    )
    if run.address_ids is not None:
        stale = stale.filter(member_id__in=member_ids)
    return await (stale.count() if run.dry_run else stale.delete())


def _db_values(plan: ContactPlan, member: ContactPlanMember, day: date, stamp: Any) -> list[Any]:
    fields = ScheduledContact._meta.fields_map
    return [
        plan.id,
        member.id,
        fields["date"].to_db_value(day, ScheduledContact),
        member.contact_from or "00:00",
        ContactOutcome.OPEN.value,
        "",
        stamp,
    ]


async def _insert(
    plan: ContactPlan, wanted: list[tuple[ContactPlanMember, date]], progress: Progress | None
) -> int:
    connection = connections.get("default")
    postgres = connection.capabilities.dialect == "postgres"
    stamp = ScheduledContact._meta.fields_map["updated_at"].to_db_value(now(), ScheduledContact)
    created = 0
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        values: list[Any] = []
        rows = []
        for member, day in batch:
            first = len(values)
            values.extend(_db_values(plan, member, day, stamp))
            marks = [f"${first + i + 1}" if postgres else "?" for i in range(len(COLUMNS))]
            rows.append(f"({', '.join(marks)})")
        statement = (
            f"INSERT INTO scheduled_contacts ({', '.join(COLUMNS)}) VALUES {', '.join(rows)} "
            "ON CONFLICT (plan_id, member_id, date) DO NOTHING RETURNING id"
        )
        created += len(await connection.execute_query_dict(statement, values))
        if progress is not None:
            progress(len(batch), len(wanted))
    return created
