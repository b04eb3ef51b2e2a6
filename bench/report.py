"""bench/RESULTS.md: the machine, the data, the method, a table per database, the targets
met or missed by how much, and for each miss where the API's time goes."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from api.serving import ServerOptions
from api.settings import load_settings
from bench import levers_report, next_step, scaling_report
from bench.dataset import Dataset
from bench.levers import ParseTiming
from bench.machine import machine, versions
from bench.measure import Measurement, Side, ms_text
from bench.options import Options
from bench.profiling import Profile
from bench.runner import DatabaseRun
from bench.targets import GENERATION_MEMBERS

NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass(frozen=True, slots=True)
class RunInfo:
    command: str
    build_seconds: float
    total_seconds: float
    operations_source: str
    datetime_parsing: ParseTiming | None


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def _side_row(label: str, side: Side, ratio: str) -> str:
    sql = "-" if math.isnan(side.sql_per_request) else f"{side.sql_per_request:.1f}"
    return (
        f"| {label} | {side.requests:,} | {side.rps:,.1f} | {ms_text(side.percentile(0.5))} | "
        f"{ms_text(side.percentile(0.99))} | {sql} | {_mib(side.peak_rss_kib)} | {ratio} |"
    )


def _scenario_rows(m: Measurement, identical: str) -> list[str]:
    p50 = m.api.percentile(0.5) / m.reference.percentile(0.5)
    return [
        f"| **{m.scenario.title}** {identical} | | | | | | | |",
        _side_row("API (GraphQL)", m.api, f"**{m.ratio:.1%}** of the throughput, p50 {p50:.1f}x"),
        _side_row("reference", m.reference, ""),
    ]


def _database_section(run: DatabaseRun, options: Options) -> list[str]:
    lines = [
        f"## {NAMES[run.kind]} ({run.server_version})",
        "",
        f"Database created, migrated and loaded in {run.load_seconds:.0f} s. Concurrency "
        f"{options.concurrency}, {options.seconds:g} s per side and scenario in "
        f"{options.rounds} interleaved rounds, after {options.warmup_seconds:g} s of warm-up.",
        "",
        "| scenario / server | requests | req/s | p50 ms | p99 ms | SQL/request "
        "| peak RSS MiB | API vs reference |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in run.measurements:
        agreement = run.agreements[m.scenario.key]
        same = (
            "(same bytes)"
            if agreement.byte_identical == agreement.requests
            else f"(same data; {agreement.byte_identical}/{agreement.requests} byte-identical)"
        )
        lines += _scenario_rows(m, f"{same}, {agreement.mean_response_bytes / 1024:.1f} KiB")
    for m in run.measurements:
        lines += _slowest(m, run.agreements[m.scenario.key].totals)
    g = run.generation
    if g is not None:
        lines += [
            "",
            f"**GenerateScheduledContacts** (API, one request, admin): {g.members:,} members x "
            f"{g.period[0]}…{g.period[1]} → {g.created:,} calls created, {g.skipped:,} "
            f"skipped, in **{g.seconds:.2f} s** (server {g.server_ms / 1000:.2f} s, "
            f"{g.sql_statements} SQL statements, peak RSS {_mib(g.peak_rss_kib)} MiB).",
        ]
    loads = [m.load_average for m in run.measurements]
    if loads:
        lines += [
            "",
            f"1-minute load average after each scenario: {min(loads):.1f} to {max(loads):.1f} "
            f"on {os.cpu_count()} CPUs (anything above about 2 means other processes were "
            "competing for the CPUs; the interleaved rounds share that between both servers).",
        ]
    if not all(m.peak_reset for m in run.measurements):
        lines += ["", "Peak RSS could not be reset between scenarios: it is the process's peak."]
    lines += [f"- {note}" for note in run.notes]
    return [*lines, "", *scaling_report.section(run.scaling, options)]


LEVEL_EXECUTOR = "level executor (api/level_execution.py, api/level_fields.py)"


def _share(profile: Profile, *names: str) -> float:
    return sum(share for name, share in profile.components if name in names)


def reading(profile: Profile) -> str:
    """What a profile says, in one sentence."""
    stages = dict(profile.stages)
    text = (
        f"event loop busy {1 - profile.idle_share:.0%} of the time; of that, graphql-core + "
        f"strawberry themselves {_share(profile, 'graphql-core', 'strawberry'):.0%}, the level "
        f"executor {_share(profile, LEVEL_EXECUTOR):.0%}, asyncio "
        f"{_share(profile, 'asyncio: event loop, tasks, sockets'):.0%}, Tortoise "
        f"{_share(profile, 'Tortoise ORM + pypika'):.0%}, product code "
        f"{_share(profile, 'product code (api/, db/)'):.0%}"
    )
    instances = stages.get("Tortoise: Model instances from rows (_init_from_db)", 0.0)
    if instances >= 0.05:
        text += f"; building Tortoise model instances {instances:.0%}"
    if profile.idle_share >= 0.5:
        text += "; mostly waiting for the database, so the SQL sets the pace"
    return text


def _why(run: DatabaseRun, subject: str, latency: bool) -> str:
    parts = []
    measured = {m.scenario.key: m for m in run.measurements}.get(subject)
    if latency and measured is not None and measured.api_single and measured.reference_single:
        parts.append(
            f"queueing: 8 requests share one process; alone a request takes "
            f"{measured.api_single.percentile(0.5):.0f} ms (API) and "
            f"{measured.reference_single.percentile(0.5):.0f} ms (reference) "
            "at the median"
        )
    if subject == "scaling" and run.scaling:
        parts.append(scaling_report.why(run.scaling))
    if subject in run.profiles:
        parts.append(f"profile: {reading(run.profiles[subject])}")
    return "; ".join(parts) or "-"


def _targets(runs: list[DatabaseRun]) -> list[str]:
    lines = [
        "## Targets",
        "",
        "| database | target | measured | verdict | why (profiles below) |",
        "|---|---|---|---|---|",
    ]
    for run in runs:
        for v in run.verdicts:
            verdict = "met" if v.met else f"**missed**: {v.gap}"
            why = "" if v.met else _why(run, v.subject, "p99" in v.target)
            lines.append(f"| {NAMES[v.database]} | {v.target} | {v.measured} | {verdict} | {why} |")
    return [*lines, ""]


def _slowest(m: Measurement, totals: tuple[int | None, ...]) -> list[str]:
    """For latency targets: which requests are slow on their own, and how big their answer."""
    if m.api_single is None or m.reference_single is None:
        return []
    api, reference = m.api_single.median_by_request(), m.reference_single.median_by_request()
    worst = sorted(api, key=lambda i: -api[i])[:4]
    shown = "; ".join(
        f"{m.scenario.variables[i].get('search')!r} {api[i]:.0f} / "
        f"{reference.get(i, math.nan):.0f} ms ({totals[i]:,} "
        f"{'match' if totals[i] == 1 else 'matches'})"
        for i in worst
        if totals[i] is not None
    )
    return [
        "",
        f"{m.scenario.title.split(' (')[0]}: slowest with one connection (API / reference "
        f"median): {shown}.",
    ]


def _profile(key: str, profile: Profile) -> list[str]:
    lines = [
        f"### {profile.label} ({key})",
        "",
        f"{profile.sampled_s:.1f} s sampled on the event-loop thread, "
        f"{profile.idle_share:.0%} of it idle (waiting for the database or the client; on "
        "SQLite the queries run in aiosqlite's thread, so their time shows as idle here). "
        "Shares below are of the busy time.",
        "",
        "| by component (self time) | share | | by stage (on the stack) | share |",
        "|---|---:|---|---|---:|",
    ]
    components, stages = profile.components[:10], profile.stages
    for i in range(max(len(components), len(stages))):
        left = f"{components[i][0]} | {components[i][1]:.0%}" if i < len(components) else " | "
        right = f"{stages[i][0]} | {stages[i][1]:.0%}" if i < len(stages) else " | "
        lines.append(f"| {left} | | {right} |")
    lines += ["", f"Reading: {reading(profile)}.", "", "Busiest functions (self time):", ""]
    lines += [f"- {share:.1%} `{name}`" for name, share in profile.top_functions[:8]]
    return [*lines, ""]


def _profiles(runs: list[DatabaseRun]) -> list[str]:
    profiled = [(run, key, p) for run in runs for key, p in run.profiles.items()]
    if not profiled:
        return []
    lines = [
        "## Where the API's time goes (pyinstrument, where a target is missed)",
        "",
        "Each profile is a separate API process (`python -m bench.profiled_api`, which is "
        "`promoplan serve` with pyinstrument sampling the event-loop thread every 1 ms while "
        "the load runs, not during start-up), loaded like the measurement. Profiling slows "
        "the API; the shares, not the times, are the finding.",
        "",
    ]
    for _, key, profile in profiled:
        lines += _profile(key, profile)
    return lines


def _summary(runs: list[DatabaseRun]) -> list[str]:
    """The API's throughput as a share of the reference's, per scenario and database."""
    keys = [m.scenario for m in runs[0].measurements] if runs else []
    head = " | ".join(f"{NAMES[run.kind]}: API / reference req/s" for run in runs)
    lines = [
        "## Summary",
        "",
        f"| scenario | target | {head} |",
        "|---|---|" + "---|" * len(runs),
    ]
    for scenario in keys:
        target = f"≥ {scenario.target_ratio:.0%}" if scenario.target_ratio else "-"
        cells = []
        for run in runs:
            m = next(m for m in run.measurements if m.scenario.key == scenario.key)
            cells.append(f"{m.api.rps:.1f} / {m.reference.rps:.1f} = **{m.ratio:.1%}**")
        lines.append(f"| {scenario.title} | {target} | {' | '.join(cells)} |")
    generated = [run for run in runs if run.generation is not None]
    if generated:
        times = ", ".join(
            f"{NAMES[run.kind]} {run.generation.seconds:.1f} s"
            for run in generated
            if run.generation is not None
        )
        lines += ["", f"GenerateScheduledContacts for the whole plan over a quarter: {times} "
                  "(target on SQLite: < 10 s)."]  # fmt: skip
    lines += [line for run in runs for line in scaling_report.summary(run.scaling)]
    met = sum(v.met for run in runs for v in run.verdicts)
    total = sum(len(run.verdicts) for run in runs)
    return [*lines, "", f"Targets met: {met} of {total} (details under Targets).", ""]


def _data(dataset: Dataset, options: Options) -> list[str]:
    counts = dataset.counts()
    facts = dataset.facts
    size = (
        "full size (the issue's)"
        if options.full_size
        else f"reduced to {options.scale:g} of the issue's size (projects keep their shape)"
    )
    shown = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    return [
        "## Data set",
        "",
        f"Seed {options.seed}, {size}: {shown}.",
        "",
        f"- The staff user's account groups (10 of 30) hold {facts.staff_visible_addresses:,} "
        f"of {counts['addresses']:,} addresses "
        f"({facts.staff_visible_addresses / counts['addresses']:.0%}).",
        f"- Searches are word starts of names the staff user sees, e.g. "
        f"{', '.join(repr(q) for q in facts.one_word_queries[:4])}; two words add the city's "
        f"start: {', '.join(repr(q) for q in facts.two_word_queries[:3])}.",
        f"- The portal customer is assigned to project {facts.portal_project_id}; the contact "
        f"plan calls {facts.plan_members:,} members every weekday, public holidays off, some "
        "customers on holiday.",
        "",
    ]


_SERVER = ServerOptions.of(load_settings())

METHOD = [
    "## Method",
    "",
    "- Both servers run on 127.0.0.1 in their own processes, side by side: the API as "
    f"`python -m api serve` (uvicorn, {_SERVER.loop} event loop, {_SERVER.http}, one process; "
    "OUTBOX_WORKER_IN_PROCESS=false, PROMOPLAN_RATE_LIMIT_PER_MINUTE=1000000 (the settings' "
    "maximum), PROMOPLAN_LOG_LEVEL=INFO, pool of 10), the reference as `python -m "
    "bench.reference` (uvicorn with the same options, the same drivers, pool size and "
    "PostgreSQL connection class).",
    "- The reference answers the same request bodies with hand-written SQL and orjson in a "
    "bare Starlette endpoint: the same session-token lookup (SHA-256, constant-time "
    "compare, expiry, revocation, disabled logins) and the same visibility rules, in as few "
    "statements as the answer allows. Before each scenario every request is sent to both "
    "and the answers must be equal as parsed JSON, or the run stops with a diff.",
    "- The load generator (`python -m bench.loadgen`) is a separate process with 8 keep-alive "
    "connections in a closed loop, each sending the scenario's requests in turn. API and "
    "reference alternate in rounds (API, reference, reference, API, …).",
    "- req/s = requests completed / time from the first request to the last answer; "
    "p50/p99 over all requests of all rounds, measured by the client. SQL/request: the API's "
    "request log (`sql_statements`), the reference's own count. Peak RSS: VmHWM of the "
    "server process (of several, each one's summed), reset (`/proc/PID/clear_refs`) before "
    "each scenario's warm-up.",
    "- On PostgreSQL, afterwards, the API's throughput with 1 and with 2 processes "
    "(`--workers 2`), alternating in rounds the same way (see that section).",
    "- On each database, afterwards, each of the API's levers off and on, two more API "
    "servers a lever, alternating in rounds the same way (see Levers).",
    "- The machine's cores are shared by the server, the load generator and PostgreSQL.",
    "",
]


def render(options: Options, dataset: Dataset, runs: list[DatabaseRun], info: RunInfo) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "a full-size run" if options.full_size and not options.quick else "a reduced run"
    lines = [
        "# Benchmark: the GraphQL API against a hand-written reference",
        "",
        f"Written by `{info.command}` on {when}: {mode}; the run took "
        f"{info.total_seconds / 60:.1f} min (data set built in {info.build_seconds:.0f} s). "
        f"Operations from {info.operations_source}.",
        "",
        *_summary(runs),
        "## Machine and software",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in machine().items()),
        *(f"| {name} | {version} |" for name, version in versions().items()),
        *(f"| {NAMES[run.kind]} server | {run.server_version} |" for run in runs),
        "",
        *_data(dataset, options),
        *METHOD,
    ]
    for run in runs:
        lines += _database_section(run, options)
    levers = {NAMES[run.kind]: run.levers for run in runs}
    lines += levers_report.section(levers, info.datetime_parsing, options)
    lines += _targets(runs)
    if not options.full_size or dataset.facts.plan_members != GENERATION_MEMBERS:
        lines += [
            "At reduced size the p99 and generation targets are judged at that size, not "
            "at the issue's 100,000 addresses and 10,000 members.",
            "",
        ]
    lines += next_step.section(runs, options.concurrency)
    lines += _profiles(runs)
    return "\n".join(lines).rstrip() + "\n"
