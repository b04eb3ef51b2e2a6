"""The issue's targets, judged against one database's figures."""

from __future__ import annotations

import os
from dataclasses import dataclass

from bench.generation import GenerationRun
from bench.measure import Measurement
from bench.scaling import ScalingMeasurement, label

GENERATION_SECONDS = 10.0
GENERATION_MEMBERS = 10_000
SCALING_RATIO = 1.6


@dataclass(frozen=True, slots=True)
class Verdict:
    database: str
    # A scenario key, or "generation".
    subject: str
    target: str
    measured: str
    met: bool
    gap: str


def ratio_verdict(database: str, m: Measurement) -> Verdict | None:
    target = m.scenario.target_ratio
    if target is None:
        return None
    met = m.ratio >= target
    words = ""
    if m.scenario.operation == "SearchAddresses":
        words = " (two words)" if "two words" in m.scenario.title else " (one word)"
    gap = (
        "met"
        if met
        else f"{(target - m.ratio) * 100:.1f} points short: the API needs "
        f"{target / m.ratio:.2f}x its throughput"
    )
    return Verdict(
        database,
        m.scenario.key,
        f"{m.scenario.operation}{words} throughput ≥ {target:.0%} of the reference",
        f"{m.ratio:.1%} ({m.api.rps:.1f} vs {m.reference.rps:.1f} req/s)",
        met,
        gap,
    )


def p99_verdict(database: str, m: Measurement, addresses: int) -> Verdict | None:
    target = m.scenario.target_p99_ms
    if target is None:
        return None
    p99 = m.api.percentile(0.99)
    met = p99 < target
    gap = "met" if met else f"{p99 - target:.1f} ms over ({p99 / target:.1f}x the target)"
    measured = f"{p99:.1f} ms at concurrency 8"
    if m.api_single is not None and m.reference_single is not None:
        measured += (
            f"; one connection: API p50 {m.api_single.percentile(0.5):.1f} / p99 "
            f"{m.api_single.percentile(0.99):.1f} ms, reference p50 "
            f"{m.reference_single.percentile(0.5):.1f} / p99 "
            f"{m.reference_single.percentile(0.99):.1f} ms"
        )
    words = "two words" if "two words" in m.scenario.title else "one word"
    return Verdict(
        database,
        m.scenario.key,
        f"{m.scenario.operation} ({words}) p99 < {target:.0f} ms ({addresses:,} addresses)",
        measured,
        met,
        gap,
    )


def generation_verdict(database: str, run: GenerationRun) -> Verdict | None:
    if database != "sqlite":
        return None
    met = run.seconds < GENERATION_SECONDS
    gap = (
        "met"
        if met
        else f"{run.seconds - GENERATION_SECONDS:.1f} s over "
        f"({run.seconds / GENERATION_SECONDS:.1f}x the target)"
    )
    return Verdict(
        database,
        "generation",
        f"GenerateScheduledContacts, {run.members:,} members x a quarter < "
        f"{GENERATION_SECONDS:.0f} s",
        f"{run.seconds:.2f} s ({run.created:,} calls)",
        met,
        gap,
    )


def scaling_verdict(database: str, measurements: list[ScalingMeasurement]) -> Verdict | None:
    if not measurements:
        return None
    worst = min(measurements, key=lambda m: m.ratio)
    met = worst.ratio >= SCALING_RATIO
    gap = (
        "met"
        if met
        else f"{SCALING_RATIO - worst.ratio:.2f} short at worst ({label(worst.scenario)})"
    )
    measured = "; ".join(
        f"{label(m.scenario)} {m.ratio:.2f}x ({m.by_count[1].side.rps:.1f} → "
        f"{m.by_count[2].side.rps:.1f} req/s)"
        for m in measurements
    )
    return Verdict(
        database,
        "scaling",
        f"2 API processes ≥ {SCALING_RATIO:g}x the throughput of 1 (PostgreSQL only; "
        f"{os.cpu_count()} CPUs)",
        measured,
        met,
        gap,
    )


def judge(
    database: str,
    measurements: list[Measurement],
    generation: GenerationRun | None,
    addresses: int,
    scaling: list[ScalingMeasurement],
) -> list[Verdict]:
    verdicts: list[Verdict | None] = []
    for m in measurements:
        verdicts += [ratio_verdict(database, m), p99_verdict(database, m, addresses)]
    if generation is not None:
        verdicts.append(generation_verdict(database, generation))
    verdicts.append(scaling_verdict(database, scaling))
    return [v for v in verdicts if v is not None]
