"""The report's part on the levers: each measured on and off, per database."""

from __future__ import annotations

from bench.levers import (
    LEVERS,
    SAMPLE_DATETIME,
    SHARE_OF_SECONDS,
    Lever,
    LeverMeasurement,
    ParseTiming,
    setting_values,
)
from bench.measure import Side, ms_text
from bench.options import Options
from bench.scaling import label


def _mib(side: Side) -> str:
    return f"{side.peak_rss_kib / 1024:.0f}"


def _row(m: LeverMeasurement) -> str:
    lever = m.lever
    return (
        f"| {lever.name}, {lever.variables} {setting_values(lever.off)} / "
        f"{setting_values(lever.on)} | {label(m.scenario)} | "
        f"{m.off.rps:,.1f} | {m.on.rps:,.1f} | **{m.speedup:.2f}x** | "
        f"{ms_text(m.off.percentile(0.5))} / {ms_text(m.on.percentile(0.5))} | "
        f"{_mib(m.off)} / {_mib(m.on)} | {'-' if m.fallbacks is None else m.fallbacks} |"
    )


def _span(values: list[float], form: str) -> str:
    low, high = form.format(min(values)), form.format(max(values))
    return low if low == high else f"{low} to {high}"


def _verdicts(measurements: list[LeverMeasurement]) -> list[str]:
    """Per lever: the range of its speed-ups and of the peak RSS it adds."""
    lines = []
    for lever in LEVERS:
        own = [m for m in measurements if m.lever == lever]
        if not own:
            continue
        speedups = [m.speedup for m in own]
        added = [(m.on.peak_rss_kib - m.off.peak_rss_kib) / 1024 for m in own]
        lines.append(
            f"- {lever.name} on: {_span(speedups, '{:.2f}x')} the throughput, peak RSS "
            f"{_span(added, '{:+.0f}')} MiB."
        )
    return lines


def _about(lever: Lever) -> str:
    return (
        f"- {lever.name} ({lever.variables}, default {setting_values(lever.on)}, off "
        f"{setting_values(lever.off)}): {lever.about}"
    )


def _parsing(timing: ParseTiming | None) -> str:
    if timing is None:
        return (
            "- ciso8601 (Tortoise parses SQLite's datetime text with it when installed): not "
            "timed, ciso8601 or iso8601 is not installed."
        )
    return (
        "- ciso8601 (Tortoise parses SQLite's datetime text with it when installed, else "
        "with iso8601; not switchable at run time): "
        f"{timing.ciso8601_us:.2f} µs instead of {timing.iso8601_us:.1f} µs per value "
        f"(timeit on {SAMPLE_DATETIME!r}: `ciso8601.parse_datetime` against "
        "`functools.partial(iso8601.parse_date, default_timezone=None)`, this run, this "
        f"machine), {timing.iso8601_us / timing.ciso8601_us:.0f}x faster."
    )


def section(
    by_database: dict[str, list[LeverMeasurement]], timing: ParseTiming | None, options: Options
) -> list[str]:
    """`by_database`: each database's display name and its lever measurements."""
    lines = [
        "## Levers, each measured on and off",
        "",
        *(_about(lever) for lever in LEVERS),
        _parsing(timing),
        "",
        "After the measurements above, on each database and for each lever, two fresh API "
        "servers side by side, one with the lever off and one at its default (on), with the "
        f"same load generator ({options.concurrency} connections) and requests, "
        f"{options.seconds * SHARE_OF_SECONDS:g} s per server and scenario in "
        f"{options.rounds} alternating rounds (off, on, on, off, …) after "
        f"{options.warmup_seconds:g} s of warm-up each. Speed-up: req/s on / req/s off. Peak "
        "RSS: VmHWM, reset before each scenario's warm-up. Fallbacks on: queries the server "
        "with the lever on (so with level execution) ran again on graphql-core after leaving "
        "the level executor's common path, warm-up included "
        "(`promoplan_level_execution_fallbacks_total`).",
        "",
    ]
    for name, measurements in by_database.items():
        if not measurements:
            continue
        lines += [
            f"### {name}",
            "",
            "| lever, off / on | scenario | req/s off | req/s on | speed-up | p50 ms off / on "
            "| peak RSS MiB off / on | fallbacks on |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
            *(_row(m) for m in measurements),
            "",
            *_verdicts(measurements),
        ]
        if not all(m.peak_reset for m in measurements):
            lines.append("- Peak RSS could not be reset between scenarios: it is the peak.")
        lines.append("")
    return lines
