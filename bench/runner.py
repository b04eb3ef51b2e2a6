"""One database's run: create and load it, serve the API and the reference, check and
measure each scenario, time the generation, profile what misses a target, clean up."""

from __future__ import annotations

import asyncio
import importlib.util
import time
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg

from bench import databases, loading
from bench.check import Agreement, check_agreement
from bench.databases import Database
from bench.dataset import Dataset
from bench.generation import GenerationRun, generate
from bench.levers import LeverMeasurement, measure_levers
from bench.measure import Measurement, measure
from bench.options import Options
from bench.profiling import Profile, profile_generation, profile_scenario
from bench.scaling import ScalingMeasurement, measure_scaling
from bench.scenarios import Scenario, build_scenarios
from bench.servers import Server, start_api, start_reference
from bench.subtrees import SubtreeCosts, measure_subtrees
from bench.targets import Verdict, judge
from bench.tokens import mint_tokens


@dataclass
class DatabaseRun:
    kind: str
    server_version: str = ""
    load_seconds: float = 0.0
    measurements: list[Measurement] = field(default_factory=list)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    generation: GenerationRun | None = None
    # PostgreSQL only: throughput with 1 and 2 API processes.
    scaling: list[ScalingMeasurement] = field(default_factory=list)
    levers: list[LeverMeasurement] = field(default_factory=list)
    # The portal's answer with its subtrees left out one after another.
    subtrees: SubtreeCosts | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


async def _create(kind: str, options: Options) -> Database:
    if kind == "sqlite":
        return databases.sqlite_database(options.workdir)
    try:
        return await databases.create_postgres(options.postgres_url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise SystemExit(
            f"bench: cannot create a database on {options.postgres_url} ({exc}); give "
            "--postgres-url or run with --databases sqlite"
        ) from exc


async def _fill(database: Database, dataset: Dataset) -> None:
    databases.migrate(database)
    if database.kind == "sqlite":
        loading.load_sqlite(database.sqlite_path, dataset)
    else:
        await loading.load_postgres(database.url, dataset)


def _stop(*servers: Server | None) -> None:
    for server in servers:
        if server is not None:
            server.stop()


def _measure_all(
    run: DatabaseRun,
    scenarios: list[Scenario],
    operations: dict[str, str],
    api: Server,
    reference: Server,
    options: Options,
) -> None:
    for scenario in scenarios:
        query = operations[scenario.operation]
        agreement = check_agreement(scenario, query, api.url, reference.url)
        run.agreements[scenario.key] = agreement
        say(f"  {scenario.key}: {agreement.requests} requests agree "
            f"({agreement.byte_identical} byte for byte); measuring")  # fmt: skip
        m = measure(scenario, query, api, reference, options)
        run.measurements.append(m)
        say(f"  {scenario.key}: API {m.api.rps:.1f} req/s p50 {m.api.percentile(0.5):.1f} ms "
            f"p99 {m.api.percentile(0.99):.1f} ms {m.api.sql_per_request:.1f} SQL; reference "
            f"{m.reference.rps:.1f} req/s p50 {m.reference.percentile(0.5):.1f} ms "
            f"{m.reference.sql_per_request:.1f} SQL; ratio {m.ratio:.1%}")  # fmt: skip


def _measure_subtrees(
    kind: str, portal: Scenario, query: str, servers: tuple[Server, Server], options: Options
) -> SubtreeCosts:
    say(f"{kind}: the portal's answer, subtree by subtree")
    costs = measure_subtrees(*servers, portal, query, options)
    for step in costs.steps:
        say(f"  left out {step.left_out}: {step.cpu_ms:.2f} ms CPU per request")
    say(f"  reference, the whole answer: {costs.reference.cpu_ms:.2f} ms CPU per request")
    return costs


def _measure_scaling(
    run: DatabaseRun,
    database: Database,
    scenarios: list[Scenario],
    operations: dict[str, str],
    options: Options,
) -> None:
    say(f"{run.kind}: throughput with 1 and 2 API processes (two more API servers)")
    run.scaling = measure_scaling(database, scenarios, operations, options)
    for m in run.scaling:
        one, two = m.by_count[1], m.by_count[2]
        say(f"  {m.scenario.key}: 1 process {one.side.rps:.1f} req/s "
            f"({one.usage.cpus(one.usage.server_s):.2f} CPU), 2 processes "
            f"{two.side.rps:.1f} req/s ({two.usage.cpus(two.usage.server_s):.2f} CPU); "
            f"ratio {m.ratio:.2f}x; machine busy {one.usage.busy_share:.0%} / "
            f"{two.usage.busy_share:.0%}")  # fmt: skip


def _say_levers(measurements: list[LeverMeasurement]) -> None:
    for m in measurements:
        say(f"  {m.scenario.key}, {m.lever.name}: off {m.off.rps:.1f} req/s "
            f"p50 {m.off.percentile(0.5):.1f} ms {m.off.peak_rss_kib / 1024:.0f} MiB, on "
            f"{m.on.rps:.1f} req/s p50 {m.on.percentile(0.5):.1f} ms "
            f"{m.on.peak_rss_kib / 1024:.0f} MiB; {m.speedup:.2f}x")  # fmt: skip


def _profile_misses(
    run: DatabaseRun,
    database: Database,
    scenarios: list[Scenario],
    operations: dict[str, str],
    tokens: dict[int, str],
    dataset: Dataset,
    options: Options,
) -> None:
    missed = {v.subject for v in run.verdicts if not v.met}
    if not missed:
        return
    if not options.profile:
        run.notes.append("Profiling skipped (--no-profile).")
        return
    if importlib.util.find_spec("pyinstrument") is None:
        run.notes.append("Profiles skipped: pyinstrument is not installed in this environment.")
        return
    by_key = {s.key: s for s in scenarios}
    for key in sorted(key for key in missed if key in by_key):
        say(f"  profiling the API on {key}")
        scenario = by_key[key]
        query = operations[scenario.operation]
        run.profiles[key] = profile_scenario(database, options, scenario, query)
    if "generation" in missed:
        say("  profiling the API on the generation (the following quarter)")
        facts = dataset.facts
        first, last = facts.quarter
        later = (first + timedelta(days=91), last + timedelta(days=92))
        run.profiles["generation"] = profile_generation(
            database,
            options,
            operations["GenerateScheduledContacts"],
            tokens[facts.admin_user_id],
            (facts.plan_id, facts.plan_members),
            later,
        )


def run_database(
    kind: str, options: Options, dataset: Dataset, operations: dict[str, str]
) -> DatabaseRun:
    run = DatabaseRun(kind)
    facts = dataset.facts
    say(f"{kind}: creating, migrating and loading the database")
    started = time.monotonic()
    database = asyncio.run(_create(kind, options))
    api = reference = None
    try:
        asyncio.run(_fill(database, dataset))
        run.load_seconds = time.monotonic() - started
        run.server_version = asyncio.run(databases.server_version(database))
        users = [facts.admin_user_id, facts.staff_user_id, facts.customer_user_id]
        tokens = mint_tokens(database.url, users)
        say(f"{kind}: loaded in {run.load_seconds:.0f} s; starting the API and the reference")
        api = start_api(database, options.workdir)
        reference = start_reference(database, options.workdir)
        scenarios = build_scenarios(facts, tokens, operations, api.url)
        _measure_all(run, scenarios, operations, api, reference, options)
        portal = next(s for s in scenarios if s.key == "portal")
        query = operations[portal.operation]
        run.subtrees = _measure_subtrees(kind, portal, query, (api, reference), options)
        if kind == "postgres":
            _measure_scaling(run, database, scenarios, operations, options)
        say(f"{kind}: each lever off and on (two more API servers a lever)")
        run.levers = measure_levers(database, scenarios, operations, options)
        _say_levers(run.levers)
        say(f"{kind}: GenerateScheduledContacts for {facts.plan_members:,} members")
        run.generation = generate(
            api,
            operations["GenerateScheduledContacts"],
            tokens[facts.admin_user_id],
            facts.plan_id,
            facts.plan_members,
            facts.quarter,
        )
        say(f"  created {run.generation.created:,} calls in {run.generation.seconds:.2f} s")
        _stop(api, reference)
        api = reference = None
        addresses = dataset.counts()["addresses"]
        run.verdicts = judge(kind, run.measurements, run.generation, addresses, run.scaling)
        _profile_misses(run, database, scenarios, operations, tokens, dataset, options)
    finally:
        _stop(api, reference)
        if kind == "postgres":
            asyncio.run(databases.drop_postgres(options.postgres_url, database))
    return run
