"""What a run measures: data sizes, durations and databases, from the command line."""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"
DATABASES = ("sqlite", "postgres")
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Sizes:
    """The data set. The issue's full size is scale 1; a project's shape never shrinks, so
    ProjectOverview and ProjectAppointments answer the same amount at every scale."""

    addresses: int
    projects: int
    locations_per_project: int
    appointments_per_location: int
    promoters: int
    activities: int
    plan_members: int
    staff: int
    account_groups: int
    staff_groups: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def scaled(full: int, least: int) -> int:
            return max(least, round(full * scale))

        return cls(
            addresses=scaled(100_000, 2_000),
            projects=scaled(200, 4),
            locations_per_project=25,
            appointments_per_location=20,
            promoters=scaled(2_000, 100),
            activities=scaled(100_000, 1_000),
            plan_members=scaled(10_000, 200),
            staff=30,
            account_groups=30,
            # The benchmark's staff user belongs to a third of the groups.
            staff_groups=10,
        )

    @property
    def appointments(self) -> int:
        return self.projects * self.locations_per_project * self.appointments_per_location


@dataclass(frozen=True, slots=True)
class Options:
    quick: bool
    scale: float
    seconds: float
    rounds: int
    warmup_seconds: float
    concurrency: int
    databases: tuple[str, ...]
    postgres_url: str
    workdir: Path
    keep: bool
    seed: int
    profile: bool
    clients_dir: Path
    results: Path

    @property
    def sizes(self) -> Sizes:
        return Sizes.at(self.scale)

    @property
    def full_size(self) -> bool:
        return self.scale >= 1


def _databases(value: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [name for name in chosen if name not in DATABASES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(DATABASES)}")
    return chosen


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark the API against a hand-written reference."
    )
    parser.add_argument(
        "--quick", action="store_true", help="5%% of the data and 2 s a side: a smoke run"
    )
    parser.add_argument("--scale", type=float, help="data size against the issue's (default 1)")
    parser.add_argument("--seconds", type=float, help="measured seconds per side and scenario")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per scenario")
    parser.add_argument("--concurrency", type=int, default=8, help="connections (default 8)")
    parser.add_argument(
        "--databases", type=_databases, default=DATABASES, help="sqlite,postgres (default both)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="admin connection; the run creates and drops its own database there",
    )
    parser.add_argument("--workdir", type=Path, help="data, logs, profiles (default: temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--seed", type=int, default=20261123, help="random seed of the data")
    parser.add_argument(
        "--no-profile", action="store_true", help="skip profiling the API where a target is missed"
    )
    parser.add_argument(
        "--clients",
        type=Path,
        default=Path(os.environ.get("PROMOPLAN_SHARED_DIR", REPO.parent / "shared")) / "clients",
        help="folder of the client .graphql documents",
    )
    parser.add_argument(
        "--results", type=Path, default=REPO / "bench" / "RESULTS.md", help="report to write"
    )
    args = parser.parse_args(argv)
    scale = args.scale if args.scale is not None else (0.05 if args.quick else 1.0)
    seconds = args.seconds if args.seconds is not None else (2.0 if args.quick else 10.0)
    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 4)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="promoplan-bench-"))
    return Options(
        quick=args.quick,
        scale=scale,
        seconds=seconds,
        rounds=max(1, rounds),
        warmup_seconds=0.5 if args.quick else 1.5,
        concurrency=args.concurrency,
        databases=args.databases,
        postgres_url=args.postgres_url,
        workdir=workdir,
        keep=args.keep or args.workdir is not None,
        seed=args.seed,
        profile=not args.no_profile,
        clients_dir=args.clients,
        results=args.results,
    )
