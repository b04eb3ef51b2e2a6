"""Throughput with 1 and 2 API processes (PostgreSQL only): two fresh API servers, `python
-m api serve` and `python -m api serve --workers 2`, under the same load generator and
scenarios, alternating in rounds (1, 2, 2, 1, …) so machine noise is shared. Over the
middle half of each round, when the load is steady, the CPU time of the server's processes,
the load generator, the database's PostgreSQL backends and the whole machine is read from
/proc, and how the load generator's connections are spread over the workers."""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench import procs
from bench.databases import Database
from bench.measure import Side, alternate, api_round
from bench.options import Options
from bench.scenarios import Scenario
from bench.servers import Server, start_api

# SearchAddresses has small answers, ProjectAppointments large ones; ProjectOverview
# answers too slowly for short rounds to count many requests.
SCENARIOS = ("search1", "portal")
PROCESSES = (1, 2)


@dataclass
class Usage:
    """CPU seconds used over the sampled part of the rounds."""

    wall_s: float = 0.0
    server_s: float = 0.0
    # The processes that serve requests, by pid (uvicorn's supervisor is not one).
    workers_s: dict[int, float] = field(default_factory=dict)
    loadgen_s: float = 0.0
    # The run's database's backends; None when PostgreSQL runs on another machine.
    postgres_s: float | None = None
    busy_s: float = 0.0
    total_s: float = 0.0

    def cpus(self, seconds: float) -> float:
        """CPU seconds as CPUs kept busy on average."""
        return seconds / self.wall_s if self.wall_s else math.nan

    @property
    def busy_share(self) -> float:
        return self.busy_s / self.total_s if self.total_s else math.nan

    @property
    def rest_s(self) -> float:
        """Busy time that is none of the above: other processes, the system."""
        return self.busy_s - self.server_s - self.loadgen_s - (self.postgres_s or 0.0)

    def add(self, other: Usage) -> None:
        self.wall_s += other.wall_s
        self.server_s += other.server_s
        for pid, seconds in other.workers_s.items():
            self.workers_s[pid] = self.workers_s.get(pid, 0.0) + seconds
        self.loadgen_s += other.loadgen_s
        if other.postgres_s is not None:
            self.postgres_s = (self.postgres_s or 0.0) + other.postgres_s
        self.busy_s += other.busy_s
        self.total_s += other.total_s


@dataclass
class Processes:
    """One server's figures for one scenario, over all its rounds."""

    count: int
    side: Side = field(default_factory=Side)
    usage: Usage = field(default_factory=Usage)
    # Per round: the load generator's connections held by each worker, and req/s.
    connections: list[list[int]] = field(default_factory=list)
    round_rps: list[float] = field(default_factory=list)


@dataclass
class ScalingMeasurement:
    scenario: Scenario
    by_count: dict[int, Processes]
    peak_reset: bool
    load_average: float

    @property
    def ratio(self) -> float:
        one, two = self.by_count[1].side.rps, self.by_count[2].side.rps
        return two / one if one else math.nan


def label(scenario: Scenario) -> str:
    if scenario.operation == "SearchAddresses":
        words = "two words" if "two words" in scenario.title else "one word"
        return f"SearchAddresses ({words})"
    return scenario.operation


def _cpu_by_pid(pids: list[int]) -> dict[int, float]:
    return {pid: procs.cpu_seconds(pid) for pid in pids}


def _used(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    """CPU time per process between two readings; a process new in `after` used it all."""
    return {pid: seconds - before.get(pid, 0.0) for pid, seconds in after.items()}


@dataclass(frozen=True, slots=True)
class _Reading:
    server: dict[int, float]
    loadgen: dict[int, float]
    postgres: dict[int, float]
    machine: tuple[float, float]
    at: float


def _read(server: Server, database: str) -> _Reading:
    own = procs.children(os.getpid())
    loadgens = [pid for pid in own if "bench.loadgen" in procs.command_line(pid)]
    return _Reading(
        _cpu_by_pid(server.pids()),
        _cpu_by_pid(loadgens),
        _cpu_by_pid(procs.postgres_backends(database)),
        procs.machine_cpu_seconds(),
        time.monotonic(),
    )


def _sample(server: Server, database: str, seconds: float) -> tuple[Usage, list[int]]:
    """CPU time over the middle half of a round that starts now and lasts `seconds`, and
    the connections each worker holds."""
    time.sleep(seconds / 4)
    workers = server.workers()
    spread = procs.connections(workers, server.port)
    before = _read(server, database)
    time.sleep(seconds / 2)
    after = _read(server, database)
    server_used = _used(before.server, after.server)
    postgres = sum(_used(before.postgres, after.postgres).values()) if after.postgres else None
    usage = Usage(
        wall_s=after.at - before.at,
        server_s=sum(server_used.values()),
        workers_s={pid: server_used.get(pid, 0.0) for pid in workers},
        loadgen_s=sum(_used(before.loadgen, after.loadgen).values()),
        postgres_s=postgres,
        busy_s=after.machine[0] - before.machine[0],
        total_s=after.machine[1] - before.machine[1],
    )
    return usage, spread


def _round(
    server: Server, database: str, scenario: Scenario, query: str, seconds: float,
    options: Options, figures: Processes,
) -> None:  # fmt: skip
    requests, window = figures.side.requests, figures.side.window_s
    with ThreadPoolExecutor(max_workers=1) as sampler:
        sampled = sampler.submit(_sample, server, database, seconds)
        api_round(server, scenario, query, seconds, options, figures.side)
        usage, spread = sampled.result()
    figures.usage.add(usage)
    figures.connections.append(spread)
    figures.round_rps.append((figures.side.requests - requests) / (figures.side.window_s - window))


def _measure(
    scenario: Scenario, query: str, servers: dict[int, Server], database: str, options: Options
) -> ScalingMeasurement:
    by_count = {count: Processes(count) for count in servers}
    counts = list(servers)
    reset = alternate(
        list(servers.values()), scenario, query, options.seconds, options,
        lambda i, seconds: _round(servers[counts[i]], database, scenario, query, seconds,
                                  options, by_count[counts[i]]),
    )  # fmt: skip
    for count, server in servers.items():
        by_count[count].side.peak_rss_kib = server.peak_rss_kib()
    return ScalingMeasurement(scenario, by_count, reset, os.getloadavg()[0])


def measure_scaling(
    database: Database, scenarios: list[Scenario], operations: dict[str, str], options: Options
) -> list[ScalingMeasurement]:
    servers: dict[int, Server] = {}
    try:
        for count in PROCESSES:
            servers[count] = start_api(database, options.workdir, workers=count)
        return [
            _measure(scenario, operations[scenario.operation], servers, database.name, options)
            for scenario in scenarios
            if scenario.key in SCENARIOS
        ]
    finally:
        for server in servers.values():
            server.stop()
