"""The report's part on 1 and 2 API processes: throughput, and where the CPUs went."""

from __future__ import annotations

import os

from bench.measure import ms_text
from bench.options import Options
from bench.scaling import ScalingMeasurement, Usage, label
from bench.targets import SCALING_RATIO


def _cpu(usage: Usage, seconds: float | None) -> str:
    return "-" if seconds is None else f"{usage.cpus(seconds):.2f}"


def _usage_row(m: ScalingMeasurement, count: int) -> str:
    figures = m.by_count[count]
    usage = figures.usage
    workers = " + ".join(f"{usage.cpus(s):.2f}" for s in usage.workers_s.values())
    spread = ", ".join(
        f"{'+'.join(str(n) for n in split)}: {rps:.1f}"
        for split, rps in zip(figures.connections, figures.round_rps, strict=True)
    )
    return (
        f"| {label(m.scenario)}, {count} {'process' if count == 1 else 'processes'} | "
        f"{_cpu(usage, usage.server_s)} | {workers} | {spread} | "
        f"{_cpu(usage, usage.loadgen_s)} | {_cpu(usage, usage.postgres_s)} | "
        f"{_cpu(usage, usage.rest_s)} | {usage.busy_share:.0%} |"
    )


def section(measurements: list[ScalingMeasurement], options: Options) -> list[str]:
    if not measurements:
        return []
    cpus = os.cpu_count()
    lines = [
        "### Throughput with 1 and 2 API processes",
        "",
        "Measured on PostgreSQL only: SQLite is a single-writer embedded database, not what "
        "a deployment with several API processes runs on. After the measurements above, two "
        "fresh API servers side by side: `python -m api serve` (one process) and `python -m "
        "api serve --workers 2` (a supervisor and two worker processes, each listening on its "
        "own SO_REUSEPORT socket with its own pool of 10 connections), with the same "
        f"load generator ({options.concurrency} connections) and requests, "
        f"{options.seconds:g} s per server and scenario in {options.rounds} alternating rounds "
        f"(1, 2, 2, 1, …) after {options.warmup_seconds:g} s of warm-up each. The machine's "
        f"{cpus} CPUs are shared by the API processes, the load generator and PostgreSQL.",
        "",
        "| scenario | req/s, 1 process | req/s, 2 processes | 2 vs 1 | p50 / p99 ms, 1 "
        "| p50 / p99 ms, 2 | peak RSS MiB, 1 / 2 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measurements:
        one, two = m.by_count[1].side, m.by_count[2].side
        lines.append(
            f"| {m.scenario.title} | {one.rps:,.1f} | {two.rps:,.1f} | **{m.ratio:.2f}x** | "
            f"{ms_text(one.percentile(0.5))} / {ms_text(one.percentile(0.99))} | "
            f"{ms_text(two.percentile(0.5))} / {ms_text(two.percentile(0.99))} | "
            f"{one.peak_rss_kib / 1024:.0f} / {two.peak_rss_kib / 1024:.0f} |"
        )
    loads = [m.load_average for m in measurements]
    lines += [
        "",
        "Peak RSS with 2 processes is the sum of each process's own peak: the supervisor, "
        "both workers and multiprocessing's resource tracker. 1-minute load average after "
        f"each scenario: {min(loads):.1f} to {max(loads):.1f}.",
        "",
        "Where the CPUs went, from /proc over the middle half of each round (CPU seconds per "
        f"second, i.e. CPUs kept busy; the machine has {cpus}). API: all the server's "
        "processes; per worker: each process that serves requests; connections: how the "
        "load generator's connections were spread over the workers in each round, and that "
        "round's req/s; PostgreSQL: the backends of the "
        "run's database; other work: everything else that ran on the machine (other processes, "
        "PostgreSQL's other backends, the bench itself, the system).",
        "",
        "| scenario, API processes | API | per worker | connections: req/s, by round | load "
        "generator | PostgreSQL | other work | machine busy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measurements:
        lines += [_usage_row(m, 1), _usage_row(m, 2)]
    if not all(m.peak_reset for m in measurements):
        lines += ["", "Peak RSS could not be reset between scenarios: it is the processes' peak."]
    return [*lines, ""]


def why(measurements: list[ScalingMeasurement]) -> str:
    """Why 2 processes fall short, from the CPU time and connections measured."""
    m = min(measurements, key=lambda m: m.ratio)
    one, two = m.by_count[1].usage, m.by_count[2].usage
    cpus = os.cpu_count() or 1
    ceiling = 1 / one.busy_share
    text = (
        f"the machine has {cpus} CPUs, shared by the API processes, the load generator and "
        f"PostgreSQL. On {label(m.scenario)} with 1 API process it was already "
        f"{one.busy_share:.0%} busy ({_shares(one)}), so at the same CPU time per request "
        f"2 processes could reach at most {ceiling:.2f}x; with 2 it was "
        f"{two.busy_share:.0%} busy ({_shares(two)})"
    )
    splits = m.by_count[2].connections
    if any(max(split) - min(split) > 1 for split in splits if split):
        shown = ", ".join("+".join(str(n) for n in split) for split in splits)
        text += (
            ". And the load generator's connections were spread unevenly "
            f"over the 2 workers ({shown} in the rounds): the kernel assigns each "
            "connection to a worker's socket by a hash of its addresses, so 8 connections "
            "split unevenly by chance"
        )
    if ceiling < SCALING_RATIO:
        text += ". Testing the target needs a machine with CPUs to spare"
    return text


def _shares(usage: Usage) -> str:
    postgres = (
        "" if usage.postgres_s is None else f", PostgreSQL {usage.cpus(usage.postgres_s):.2f}"
    )
    return (
        f"API {usage.cpus(usage.server_s):.2f} CPU, load generator "
        f"{usage.cpus(usage.loadgen_s):.2f}{postgres}, other work {usage.cpus(usage.rest_s):.2f}"
    )


def summary(measurements: list[ScalingMeasurement]) -> list[str]:
    if not measurements:
        return []
    shown = ", ".join(f"{label(m.scenario)} **{m.ratio:.2f}x**" for m in measurements)
    return [
        "",
        f"2 API processes against 1 on PostgreSQL ({os.cpu_count()} CPUs): {shown} "
        f"(target ≥ {SCALING_RATIO:g}x).",
    ]
