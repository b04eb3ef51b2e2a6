"""`python -m bench`: build the data set once, run each database, write bench/RESULTS.md."""

from __future__ import annotations

import shutil
import sys
import time

from bench import dataset as data
from bench.levers import time_datetime_parsing
from bench.options import Options, parse
from bench.report import RunInfo, render
from bench.runner import DatabaseRun, run_database, say
from bench.scenarios import load_operations


def _run(options: Options) -> None:
    started = time.monotonic()
    operations, source = load_operations(options.clients_dir)
    sizes = options.sizes
    say(f"building the data set (scale {options.scale:g}: {sizes.addresses:,} addresses, "
        f"{sizes.appointments:,} appointments, {sizes.activities:,} activities)")  # fmt: skip
    dataset = data.build(sizes, options.seed)
    build_seconds = time.monotonic() - started
    say(f"built in {build_seconds:.0f} s; work directory {options.workdir}")
    runs: list[DatabaseRun] = []
    for kind in options.databases:
        runs.append(run_database(kind, options, dataset, operations))
    say("timing datetime parsing: ciso8601 against iso8601")
    parsing = time_datetime_parsing()
    info = RunInfo(
        command=" ".join(["python -m bench", *sys.argv[1:]]),
        build_seconds=build_seconds,
        total_seconds=time.monotonic() - started,
        operations_source=source,
        datetime_parsing=parsing,
    )
    options.results.write_text(render(options, dataset, runs, info))
    missed = [v for run in runs for v in run.verdicts if not v.met]
    say(f"wrote {options.results} ({len(missed)} target(s) missed) in "
        f"{info.total_seconds / 60:.1f} min")  # fmt: skip


def main() -> None:
    options = parse()
    options.workdir.mkdir(parents=True, exist_ok=True)
    try:
        _run(options)
    finally:
        if not options.keep:
            shutil.rmtree(options.workdir, ignore_errors=True)
