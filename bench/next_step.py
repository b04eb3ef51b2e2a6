"""The step after the level executor: where the large answers' time goes in this run's
profiles, and what would take it away (designed, not built)."""

from __future__ import annotations

from bench.profiling import Profile
from bench.runner import DatabaseRun

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
LARGE_ANSWERS = {"overview": "ProjectOverview", "portal": "ProjectAppointments"}
SHARES = (
    ("building Tortoise model instances and SQL text", ("Tortoise ORM + pypika",)),
    ("asyncio (a task, a future and callbacks per resolver call)",
     ("asyncio: event loop, tasks, sockets",)),
    ("graphql-core + strawberry", ("graphql-core", "strawberry")),
    ("the level executor", ("level executor (api/level_execution.py, api/level_fields.py)",)),
    ("other product code (resolvers, loaders, `of`)", ("product code (api/, db/)",)),
)  # fmt: skip

DESIGN = [
    "1. **Rows, not model instances.** Loaders select the columns the schema reads "
    "(`values_list`) and the `of` classmethods build the GraphQL types from tuples; a loaded "
    "row then costs a tuple instead of a Tortoise instance with a converter call per column "
    "(STACK-NOTES measured plain objects at half the execution time of instances).",
    "2. **Batch fields, for every field that is one DataLoader key per object.** Built for "
    "the four hottest (Appointment.location and .bookings, Booking.promoter and .report: "
    "`@batched` in api/batch_fields.py, one `load_many` a level instead of a coroutine and a "
    "task per object); the rest (stores, projects, users, contacts reached through "
    "api/schema/refs.py) still run a coroutine per object.",
    "3. **A plan per registered document.** The level executor's preparation (collected "
    "fields, readers, completers) is kept across requests for each trusted document, so a "
    "request of a known operation pays for neither parse, validation nor preparation.",
    "4. **The database builds the JSON** for the largest lists (`json_agg` on PostgreSQL, "
    "`json_group_array` on SQLite), spliced into the answer as the reference would: "
    "STACK-NOTES measured it as the fastest form of all.",
]


def _shares(profile: Profile) -> str:
    components = dict(profile.components)
    return ", ".join(
        f"{label} {sum(components.get(name, 0.0) for name in names):.0%}" for label, names in SHARES
    )


def section(runs: list[DatabaseRun]) -> list[str]:
    profiled = [
        f"- {LARGE_ANSWERS[key]} on {NAMES[run.kind]}: {_shares(run.profiles[key])}."
        for run in runs
        for key in LARGE_ANSWERS
        if key in run.profiles
    ]
    if not profiled:
        return []
    return [
        "## The next step",
        "",
        "With the level executor (see Levers) graphql-core's per-field cost is off the common "
        "path. The large answers' busy time in this run's profiles:",
        "",
        *profiled,
        "",
        "What would take the rest away (designed; only part of 2 is built):",
        "",
        *DESIGN,
        "",
    ]
