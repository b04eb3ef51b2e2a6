"""The step after the level executor: where the large answers' time goes in this run's
profiles, what has been built of the designed levers and what is still only designed."""

from __future__ import annotations

from bench.profiling import Profile
from bench.runner import DatabaseRun

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
LARGE_ANSWERS = {"overview": "ProjectOverview", "portal": "ProjectAppointments"}
SHARES = (
    ("Tortoise (SQL text, the instances left)", ("Tortoise ORM + pypika",)),
    ("asyncio (loop, tasks, futures, sockets)", ("asyncio: event loop, tasks, sockets",)),
    ("graphql-core + strawberry", ("graphql-core", "strawberry")),
    ("the level executor", ("level executor (api/level_execution.py, api/level_fields.py)",)),
    ("other product code (resolvers, loaders, `of`)", ("product code (api/, db/)",)),
)  # fmt: skip

DESIGN = [
    "1. **Rows, not model instances** (built: api/records.py, `PROMOPLAN_PLAIN_ROWS`, see "
    "Levers). DataLoaders and list pages hand the schema the driver's rows as records that "
    "convert a column only when it is read, and the hot node types keep their row and read "
    "each field off it when asked (`@row_view`, api/schema/row_views.py) instead of copying "
    "every column into a new object. A batch field whose selection reads only known "
    "attributes of its rows loads them with just those columns (api/row_reads.py: "
    "ProjectOverview reads 2 of a promoter's 11 columns; a field the viewer is refused "
    "silently reads none, so the portal reads booked promoters' names, never their phones). "
    "A list below an object the viewer sees applies only the part of the viewer's scoping "
    "that its parent leaves (api/permissions/scoping.py, `bookings_of_visible_appointments` "
    "and its kin): a customer sees every booking of an appointment they see, so the "
    "portal's bookings are read by key with SQL text written once and the columns shown. "
    "The SQL text of each root list's page and count is rendered by Tortoise once per "
    "shape of the query and then only bound to each request's values (api/sql_templates.py; "
    "the order of the values is learned from a rendering with probe values, never "
    "assumed). What is left of the step: a root list is read whole.",
    "2. **Batch fields, for every field that is one DataLoader key per object** (built: "
    "`@batched` in api/batch_fields.py, and every reference between domains through "
    "api/schema/refs.py; the DataLoaders' `load_many` waits once per batch, "
    "api/batch_loader.py, with one future per batch, not per key). A level of them costs "
    "one `load_many`, not a coroutine and a future per object, and a row it loads again "
    "for another object shares the answer completed the first time (the portal's 100 "
    "appointments at 25 stores complete 25 locations and 25 stores).",
    "3. **A plan per operation** (built: api/operation_plans.py). The parse cache hands "
    "every request of a document the same syntax tree, and the level executor keeps with "
    "each operation what it prepares the same for every request and viewer: the fields "
    "collected at each selection, and the fields read off the object alone (plain "
    "attributes, relay ids, the lists and objects below them) with their completers. A "
    "later request prepares only what depends on it: arguments, the viewer's permissions, "
    "resolvers bound to its context. Server CPU per request, A/B on this host: "
    "SearchAddresses -8% on PostgreSQL, ProjectAppointments -2 to -3%. Left: what a "
    "request prepares for itself (root arguments, batch readers, permission checks).",
    "4. **The viewer in one statement** (built: api/logins.py). A session or API token, "
    "its user and what the role is scoped by (a customer's contact person and territories, "
    "a promoter's profile) come in one statement of SQL text written once, as the "
    "reference's lookup does; an API token adds one for its projects. On PostgreSQL a "
    "statement is one round trip: asyncpg's pool no longer sends its reset statement after "
    "each (db/config.py's PooledConnection; the reference's pool likewise).",
    "5. **The database builds the JSON** for the largest lists (designed: `json_agg` on "
    "PostgreSQL, `json_group_array` on SQLite), spliced into the answer as the reference "
    "would: STACK-NOTES measured it as the fastest form of all. The portal's answer taken "
    "apart above gives its reach: it would take the nested lists' share off the API, not "
    "the page, its count and the request around them.",
]


def _shares(profile: Profile) -> str:
    components = dict(profile.components)
    return ", ".join(
        f"{label} {sum(components.get(name, 0.0) for name in names):.0%}" for label, names in SHARES
    )


def _subtree_lines(run: DatabaseRun, concurrency: int) -> list[str]:
    costs = run.subtrees
    if costs is None or not costs.steps[0].side.requests:
        return []
    steps, reference = costs.steps, costs.reference
    whole = steps[0].cpu_ms
    lines = [
        f"### The portal's answer, subtree by subtree ({NAMES[run.kind]})",
        "",
        f"Server CPU time per request (every thread, so {NAMES[run.kind]}'s driver's too) "
        f"for the contract's {costs.scenario.operation} and for the same query with more of "
        "it left out at each row, the same requests and variables, concurrency "
        f"{concurrency}, the queries in alternating rounds. A row's cost is the time the "
        "row above it took more.",
        "",
        "| left out (with every row above) | API CPU ms / request | SQL / request "
        "| the part left out costs |",
        "|---|---:|---:|---|",
    ]
    for before, step in zip([None, *steps], steps, strict=False):
        cost = ""
        if before is not None:
            saved = before.cpu_ms - step.cpu_ms
            cost = f"{saved:.2f} ms ({saved / whole:.0%} of the whole)"
        lines.append(
            f"| {step.left_out} | {step.cpu_ms:.2f} | {step.side.sql_per_request:.1f} | {cost} |"
        )
    lines.append(
        f"| reference, the whole answer | {reference.cpu_ms:.2f} | "
        f"{reference.side.sql_per_request:.1f} | |"
    )
    flat = costs.without_nested.cpu_ms
    lines += [
        "",
        f"The nested objects and lists (`location`, `bookings`) cost the API "
        f"{whole - flat:.2f} ms of its {whole:.2f} ms ({(whole - flat) / whole:.0%}): what "
        f"lever 5 would hand to the database. Without them the API still spends {flat:.2f} "
        "ms on the page of appointments, its count and the request around them, where the "
        f"reference answers the whole query in {reference.cpu_ms:.2f} ms.",
        "",
    ]
    return lines


def section(runs: list[DatabaseRun], concurrency: int) -> list[str]:
    profiled = [
        f"- {LARGE_ANSWERS[key]} on {NAMES[run.kind]}: {_shares(run.profiles[key])}."
        for run in runs
        for key in LARGE_ANSWERS
        if key in run.profiles
    ]
    subtrees = [line for run in runs for line in _subtree_lines(run, concurrency)]
    if not profiled and not subtrees:
        return []
    lines = ["## The next step", ""]
    if profiled:
        lines += [
            "With the level executor (see Levers) graphql-core's per-field cost is off the "
            "common path. The large answers' busy time in this run's profiles:",
            "",
            *profiled,
            "",
        ]
    return [
        *lines,
        *subtrees,
        "The levers designed to take the rest away, and which of them are built:",
        "",
        *DESIGN,
        "",
    ]
