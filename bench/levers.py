"""The API's performance levers, each measured on and off: for each lever two fresh API
servers on the run's database, one with the lever at its default and one with it switched
off, under the same load generator and scenarios, alternating in rounds (off, on, on, off,
…). Also a lever that cannot be switched at run time: how fast Tortoise parses SQLite's
datetime text with ciso8601 against iso8601, its fallback, timed here."""

from __future__ import annotations

import functools
import importlib.util
import math
import timeit
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from api.document_caches import DOCUMENTS_KEPT
from api.settings import Settings
from bench.databases import Database
from bench.measure import Side, alternate, api_round
from bench.options import Options
from bench.scenarios import Scenario
from bench.servers import API_ENV, Server, start_api

# The scenarios whose answers are large (overview, portal) and small (search1).
SCENARIOS = ("overview", "portal", "search1")
# A share of the main measurement's seconds per server and scenario.
SHARE_OF_SECONDS = 0.5
# How SQLite hands Tortoise a timestamp.
SAMPLE_DATETIME = "2026-04-01 10:00:00+00:00"


@dataclass(frozen=True, slots=True)
class Lever:
    name: str
    # The environment variables switching it, at their defaults and off.
    on: dict[str, str]
    off: dict[str, str]
    about: str

    @property
    def variables(self) -> str:
        return ", ".join(f"`{name}`" for name in self.on)


def setting_values(settings: dict[str, str]) -> str:
    return ", ".join(settings.values())


def _lever(name: str, off: dict[str, str], about: str) -> Lever:
    """A lever made of settings (by field name), each at its default or at `off`."""

    def variable(field: str) -> str:
        return Settings.model_fields[field].alias or field.upper()

    def default(field: str) -> str:
        value = Settings.model_fields[field].default
        return str(value).lower() if isinstance(value, bool) else str(value)

    return Lever(
        name,
        {variable(field): default(field) for field in off},
        {variable(field): value for field, value in off.items()},
        about,
    )


LEVERS = (
    _lever(
        "Level execution",
        {"level_execution": "false"},
        "Queries run level by level (api/level_execution.py): each field is resolved for all "
        "objects of a level at once, plain attributes read straight off the objects and a "
        "level's resolver calls awaited together, where graphql-core completes one value at "
        "a time with a resolve info, an awaitable check and often a coroutine for every "
        "field of every object (a query off that common path runs again on graphql-core).",
    ),
    _lever(
        "Plain records",
        {"plain_rows": "false"},
        "DataLoaders and list pages hand the schema the driver's rows as plain records "
        "(api/records.py) whose attributes convert on access with the model's own "
        "converters, where Tortoise builds a model instance per row and converts every "
        "column; lookups by key use SQL text built once per model, with the keys as one "
        "array parameter.",
    ),
    _lever(
        "Parse and validation caches",
        {"document_caches": "false"},
        "A document seen before is neither parsed nor validated again (the last "
        f"{DOCUMENTS_KEPT} kept, api/document_caches.py), and every request of it shares "
        "one syntax tree, so the level executor keeps a plan per operation "
        "(api/operation_plans.py); off, each request's document is parsed and validated "
        "anew and planned again.",
    ),
    _lever(
        "orjson responses",
        {"orjson_responses": "false"},
        "Answers are encoded with orjson (in C) where strawberry uses the standard "
        "library's json.dumps.",
    ),
    _lever(
        "GC threshold",
        {"gc_threshold": "700"},
        "After start-up `gc.freeze()` moves everything alive into a generation the collector "
        "never scans (on and off alike), and a first-generation threshold of "
        f"{Settings.model_fields['gc_threshold'].default:,} instead of CPython's 700 collects "
        "the many short-lived objects of an answer less often, at the cost of up to that many "
        "container objects waiting for a collection (api/gc_tuning.py).",
    ),
    _lever(
        "uvloop and httptools",
        {"server_loop": "asyncio", "server_http": "h11"},
        "uvicorn runs on uvloop's event loop (libuv, in C) and parses HTTP with httptools "
        "(llhttp, in C), where asyncio's loop and the pure-Python h11 spend interpreter time "
        "on every connection event and request (api/serving.py; the reference follows the "
        "same settings).",
    ),
)


@dataclass
class LeverMeasurement:
    lever: Lever
    scenario: Scenario
    off: Side
    on: Side
    peak_reset: bool
    # Queries the server with the lever on ran again on graphql-core, warm-up included;
    # None if it does not count them.
    fallbacks: int | None

    @property
    def speedup(self) -> float:
        return self.on.rps / self.off.rps if self.off.rps else math.nan


@dataclass(frozen=True, slots=True)
class ParseTiming:
    """Microseconds per datetime parsed."""

    ciso8601_us: float
    iso8601_us: float


def _fallbacks(server: Server) -> int | None:
    """Queries that left the level executor's common path so far (api/metrics.py)."""
    token = API_ENV["PROMOPLAN_METRICS_TOKEN"]
    response = httpx.get(
        f"{server.url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    response.raise_for_status()
    for line in response.text.splitlines():
        if line.startswith("promoplan_level_execution_fallbacks_total "):
            return int(float(line.split()[1]))
    return None


def _measure(
    lever: Lever, pair: tuple[Server, Server], scenario: Scenario, query: str, options: Options
) -> LeverMeasurement:
    sides = (Side(), Side())
    before = _fallbacks(pair[1])
    reset = alternate(
        pair, scenario, query, options.seconds * SHARE_OF_SECONDS, options,
        lambda i, seconds: api_round(pair[i], scenario, query, seconds, options, sides[i]),
    )  # fmt: skip
    for server, side in zip(pair, sides, strict=True):
        side.peak_rss_kib = server.peak_rss_kib()
    after = _fallbacks(pair[1])
    fallbacks = None if before is None or after is None else after - before
    return LeverMeasurement(lever, scenario, sides[0], sides[1], reset, fallbacks)


def measure_levers(
    database: Database, scenarios: list[Scenario], operations: dict[str, str], options: Options
) -> list[LeverMeasurement]:
    measured: list[LeverMeasurement] = []
    for lever in LEVERS:
        servers: list[Server] = []
        try:
            for settings in (lever.off, lever.on):
                servers.append(start_api(database, options.workdir, settings=settings))
            pair = (servers[0], servers[1])
            measured += [
                _measure(lever, pair, scenario, operations[scenario.operation], options)
                for scenario in scenarios
                if scenario.key in SCENARIOS
            ]
        finally:
            for server in servers:
                server.stop()
    return measured


def _per_call_us(parse: Callable[[str], object]) -> float:
    timer = timeit.Timer("parse(value)", globals={"parse": parse, "value": SAMPLE_DATETIME})
    number, _ = timer.autorange()
    return min(timer.repeat(5, number)) / number * 1e6


def time_datetime_parsing() -> ParseTiming | None:
    """Tortoise's two ways to parse a datetime (tortoise/fields/data.py); None without
    ciso8601 or iso8601."""
    if not all(importlib.util.find_spec(name) for name in ("ciso8601", "iso8601")):
        return None
    import ciso8601
    import iso8601

    fallback = functools.partial(iso8601.parse_date, default_timezone=None)
    return ParseTiming(_per_call_us(ciso8601.parse_datetime), _per_call_us(fallback))
