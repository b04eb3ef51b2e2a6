"""The generation run: the call list of a plan for a period, in bulk and idempotent.

One scheduled contact per member per plan weekday in the period and the plan's validity,
skipping plan exceptions, each member's inactive periods and days before `purge_before`.
Rows go in batches of `INSERT … ON CONFLICT DO NOTHING`: the unique (plan, member, date)
makes a second or concurrent run add nothing, and the count of rows the database inserted
tells exactly what this run added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import chain, islice, repeat
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

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

# Rows per statement: SQLite binds 3 variables a row (at most 32766 in all); PostgreSQL
# takes 7 parameters whatever the size, so there the size only bounds memory.
SQLITE_BATCH = 10_000
POSTGRES_BATCH = 20_000
MAX_DAYS = 366

# Called with (rows just written, rows to write in all).
Progress = Callable[[int, int], None]
# (member id, date, window start) of one row, as the backend's statement takes them.
Row = tuple[Any, str, str]

_COLUMNS = "plan_id, member_id, date, window_start, status, note, updated_at"
_CONFLICT = "ON CONFLICT (plan_id, member_id, date) DO NOTHING"
# `WHERE true` keeps SQLite from reading ON CONFLICT as part of the FROM clause.
_SQLITE_INSERT = (
    f"INSERT INTO scheduled_contacts ({_COLUMNS}) SELECT ?, column1, column2, column3, ?, ?, ? "
    "FROM (VALUES {rows}) WHERE true " + _CONFLICT
)
# The columns come as array literals (text): asyncpg encoding Python lists element by
# element cost more than all the rest of the run's Python. Tortoise's asyncpg client
# takes the OID in an INSERT's status ("INSERT 0 N") for its row count, so the statement
# counts the rows itself.
_POSTGRES_INSERT = (
    f"WITH added AS (INSERT INTO scheduled_contacts ({_COLUMNS}) "
    "SELECT $1::int, member_id, day, window_start, $5::varchar, $6::text, $7::timestamptz "
    "FROM unnest($2::text::int[], $3::text::date[], $4::text::varchar[]) "
    f"AS r (member_id, day, window_start) {_CONFLICT} RETURNING 1) "
    "SELECT count(*) AS created FROM added"
)


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


def _covered(ranges: Iterable[tuple[date, date]], first: date, last: date) -> set[date]:
    """The days of `first`..`last` that lie in any of the (inclusive) ranges."""
    return {day for start, end in ranges for day in _days(max(start, first), min(end, last))}


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
    closed = _covered(exceptions, *period)
    run_days = [d for d in plan_days if d not in closed]
    inactive: dict[int, list[tuple[date, date]]] = {}
    for period_row in await InactivePeriod.filter(
        address_id__in=[m.address_id for m in member_rows],
        starts_on__lte=period[1],
        ends_on__gte=period[0],
    ):
        inactive.setdefault(period_row.address_id, []).append(
            (period_row.starts_on, period_row.ends_on)
        )
    off = {address: _covered(ranges, *period) for address, ranges in inactive.items()}
    # Per member (in id order) the days to schedule; most members share `run_days`.
    schedule = [
        (member, [d for d in run_days if d not in off[member.address_id]])
        if member.address_id in off
        else (member, run_days)
        for member in member_rows
    ]
    slots = len(member_rows) * len(plan_days)
    if run.dry_run:
        existing = set(
            await ScheduledContact.filter(
                plan_id=plan.id, date__gte=period[0], date__lte=period[1]
            ).values_list("member_id", "date")
        )
        created = sum((m.id, d) not in existing for m, days in schedule for d in days)
    else:
        created = await _insert(plan, schedule, run_days, progress)
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


@lru_cache(maxsize=4)
def _sqlite_statement(rows: int) -> str:
    return _SQLITE_INSERT.format(rows=", ".join(repeat("(?, ?, ?)", rows)))


def _array_item(text: str) -> str:
    """`text` quoted as an element of a PostgreSQL array literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rows(
    schedule: list[tuple[ContactPlanMember, list[date]]], db_day: dict[date, str], postgres: bool
) -> Iterator[Row]:
    for member, member_days in schedule:
        window = member.contact_from or "00:00"
        yield from zip(
            repeat(str(member.id) if postgres else member.id),
            map(db_day.__getitem__, member_days),
            repeat(_array_item(window) if postgres else window),
        )


async def _insert(
    plan: ContactPlan,
    schedule: list[tuple[ContactPlanMember, list[date]]],
    days: list[date],
    progress: Progress | None,
) -> int:
    """Write the schedule (its days all among `days`); the number of rows added."""
    connection = connections.get("default")
    postgres = connection.capabilities.dialect == "postgres"
    fields = ScheduledContact._meta.fields_map
    stamp = fields["updated_at"].to_db_value(now(), ScheduledContact)
    # ISO text is what the sqlite3 date adapter Tortoise registers makes of a date, and
    # what a PostgreSQL date[] literal takes.
    db_day = {day: fields["date"].to_db_value(day, ScheduledContact).isoformat() for day in days}
    rows = _rows(schedule, db_day, postgres)
    total = sum(len(member_days) for _, member_days in schedule)
    constants = (plan.id, ContactOutcome.OPEN.value, "", stamp)
    write = _write_postgres if postgres else _write_sqlite
    created = 0
    while batch := list(islice(rows, POSTGRES_BATCH if postgres else SQLITE_BATCH)):
        created += await write(connection, batch, constants)
        if progress is not None:
            progress(len(batch), total)
    return created


async def _write_sqlite(
    connection: BaseDBAsyncClient, batch: list[Row], constants: tuple[Any, ...]
) -> int:
    # Tortoise's SQLite client counts the rows the statement changed (total_changes),
    # which leaves out those ON CONFLICT DO NOTHING skipped.
    values = [*constants, *chain.from_iterable(batch)]
    changed, _ = await connection.execute_query(_sqlite_statement(len(batch)), values)
    return changed


async def _write_postgres(
    connection: BaseDBAsyncClient, batch: list[Row], constants: tuple[Any, ...]
) -> int:
    plan_id, status, note, stamp = constants
    arrays = ["{" + ",".join(column) + "}" for column in zip(*batch, strict=True)]
    result = await connection.execute_query_dict(
        _POSTGRES_INSERT, [plan_id, *arrays, status, note, stamp]
    )
    return int(result[0]["created"])
