"""Measuring a scenario: warm both servers, then interleaved rounds (API, reference,
reference, API, …) of the load generator in its own process; SQL statements per request
from the API's request log and the reference's /stats; peak RSS of each server."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from bench.options import REPO, Options
from bench.scenarios import Scenario
from bench.servers import Server


class LoadFailed(RuntimeError):
    """Requests failed under load."""


@dataclass
class Side:
    """One server's figures for one scenario, over all its rounds."""

    latencies_ms: list[float] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    window_s: float = 0.0
    statements: int = 0
    logged_requests: int = 0
    peak_rss_kib: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.window_s if self.window_s else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]

    def median_by_request(self) -> dict[int, float]:
        """Each of the scenario's requests: its median latency in ms."""
        grouped: dict[int, list[float]] = {}
        for index, latency in zip(self.indices, self.latencies_ms, strict=True):
            grouped.setdefault(index, []).append(latency)
        return {i: sorted(values)[len(values) // 2] for i, values in grouped.items()}

    @property
    def sql_per_request(self) -> float:
        return self.statements / self.logged_requests if self.logged_requests else math.nan


def ms_text(value: float) -> str:
    """A latency in ms as the report shows it."""
    return "-" if math.isnan(value) else f"{value:.1f}" if value < 100 else f"{value:.0f}"


@dataclass
class Measurement:
    scenario: Scenario
    api: Side
    reference: Side
    peak_reset: bool
    # The machine's 1-minute load average after the scenario (other work shares the CPUs).
    load_average: float
    # For latency targets: both servers again with one connection, i.e. without queueing.
    api_single: Side | None = None
    reference_single: Side | None = None

    @property
    def ratio(self) -> float:
        return self.api.rps / self.reference.rps if self.reference.rps else math.nan


def loadgen(
    server: Server, scenario: Scenario, query: str, seconds: float, concurrency: int
) -> dict[str, Any]:
    """One bounded run of the load generator against one server."""
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "path": "/graphql",
        "concurrency": concurrency,
        "seconds": seconds,
        "requests": [
            {
                "body": scenario.body(query, v),
                "headers": {"Authorization": f"Bearer {scenario.token}"},
            }
            for v in scenario.variables
        ],
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(spec).encode(),
        capture_output=True,
        cwd=REPO,
        check=False,
        timeout=seconds + 600,
    )
    if done.returncode != 0:
        raise LoadFailed(f"load generator failed: {done.stderr.decode()[-3000:]}")
    result = json.loads(done.stdout)
    if result["failures"]:
        raise LoadFailed(f"{server.name}, {scenario.key}: failed requests {result['failures']}")
    return result


def _reference_stats(server: Server) -> tuple[int, int]:
    stats = httpx.get(f"{server.url}/stats", timeout=10).json()
    return int(stats["requests"]), int(stats["statements"])


def api_round(server: Server, scenario: Scenario, query: str, seconds: float, options: Options,
              side: Side) -> None:  # fmt: skip
    start = server.log_size()
    result = loadgen(server, scenario, query, seconds, options.concurrency)
    time.sleep(0.3)
    lines = [line for line in server.log_lines(start) if "sql_statements" in line]
    bad = [line for line in lines if line.get("outcome") != "ok"]
    if bad:
        raise LoadFailed(f"API, {scenario.key}: requests failed: {bad[:3]}")
    side.latencies_ms += result["latencies_ms"]
    side.indices += result["indices"]
    side.window_s += result["window_s"]
    side.statements += sum(int(line["sql_statements"]) for line in lines)
    side.logged_requests += len(lines)


def reference_round(server: Server, scenario: Scenario, query: str, seconds: float,
                    options: Options, side: Side) -> None:  # fmt: skip
    requests_before, statements_before = _reference_stats(server)
    result = loadgen(server, scenario, query, seconds, options.concurrency)
    requests_after, statements_after = _reference_stats(server)
    side.latencies_ms += result["latencies_ms"]
    side.indices += result["indices"]
    side.window_s += result["window_s"]
    side.statements += statements_after - statements_before
    side.logged_requests += requests_after - requests_before


def alternate(
    servers: Sequence[Server], scenario: Scenario, query: str, seconds: float,
    options: Options, one_round: Callable[[int, float], None],
) -> bool:  # fmt: skip
    """Reset the servers' peak RSS and warm each up, then `options.rounds` rounds that take
    `seconds` in all per server, in order and reversed by turns (a, b, b, a, …) so machine
    noise is shared: `one_round(i, s)` loads server i for s seconds. Whether the peaks were
    reset."""
    reset = all([server.reset_peak_rss() for server in servers])
    for server in servers:
        loadgen(server, scenario, query, options.warmup_seconds, options.concurrency)
    take_turns(len(servers), seconds, options.rounds, one_round)
    return reset


def take_turns(
    count: int, seconds: float, rounds: int, one_round: Callable[[int, float], None]
) -> None:
    """`rounds` rounds over `count` contenders that take `seconds` in all for each, in
    order and reversed by turns (a, b, b, a, …): `one_round(i, s)` runs contender i for s
    seconds."""
    order = list(range(count))
    for number in range(rounds):
        for index in order if number % 2 == 0 else order[::-1]:
            one_round(index, seconds / rounds)


def measure(
    scenario: Scenario, query: str, api: Server, reference: Server, options: Options
) -> Measurement:
    servers = (api, reference)
    sides = (Side(), Side())
    rounds = (api_round, reference_round)
    reset = alternate(
        servers, scenario, query, options.seconds, options,
        lambda i, seconds: rounds[i](servers[i], scenario, query, seconds, options, sides[i]),
    )  # fmt: skip
    for server, side in zip(servers, sides, strict=True):
        side.peak_rss_kib = server.peak_rss_kib()
    result = Measurement(scenario, sides[0], sides[1], reset, os.getloadavg()[0])
    if scenario.target_p99_ms is not None:
        per_round = options.seconds / options.rounds
        single = replace(options, concurrency=1)
        result.api_single, result.reference_single = Side(), Side()
        api_round(api, scenario, query, per_round, single, result.api_single)
        reference_round(reference, scenario, query, per_round, single, result.reference_single)
    return result
