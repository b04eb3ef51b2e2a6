"""Where the API's time goes, for a scenario that misses its target: the API served by
`bench.profiled_api` (pyinstrument, 1 ms samples of the event-loop thread during the load
only), then the samples summed by component (self time), by stage (time with a marker
frame on the stack) and by function."""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.databases import Database
from bench.generation import generate
from bench.measure import loadgen
from bench.options import REPO, Options
from bench.scenarios import Scenario
from bench.servers import Server, start_api

BUILTIN = "<built-in>"
# (component, test on the innermost Python frame's function and file), first match wins; a
# C function (socket.send, epoll.poll, …) counts for the Python code that called it.
COMPONENTS: list[tuple[str, Callable[[str, str], bool]]] = [
    ("graphql-core", lambda fn, path: "/graphql/" in path),
    ("strawberry", lambda fn, path: "/strawberry/" in path),
    ("Tortoise ORM + pypika", lambda fn, path: "/tortoise/" in path or "/pypika" in path),
    ("drivers: asyncpg, aiosqlite, sqlite3",
     lambda fn, path: any(p in path for p in ("/asyncpg/", "/aiosqlite/", "/sqlite3/"))),
    ("asyncio and uvloop: event loop, tasks, sockets",
     lambda fn, path: "/asyncio/" in path or "/uvloop/" in path),
    ("uvicorn + httptools + h11 + starlette",
     lambda fn, path: any(p in path for p in ("/uvicorn/", "/httptools/", "/h11/", "/starlette/"))),
    ("logging (stdlib)", lambda fn, path: "/logging/" in path),
    ("level executor (api/level_execution.py, api/level_fields.py)",
     lambda fn, path: path.endswith(("api/level_execution.py", "api/level_fields.py"))),
    ("product code (api/, db/)",
     lambda fn, path: path.startswith((str(REPO / "api"), str(REPO / "db")))),
    ("other libraries", lambda fn, path: "site-packages" in path),
    ("Python standard library", lambda fn, path: "/lib/python3" in path),
]  # fmt: skip
# (stage, test on any frame of the stack): busy time spent with such a frame on the stack.
STAGES: list[tuple[str, Callable[[str, str], bool]]] = [
    ("token lookup (api/authentication.py)", lambda fn, path: path.endswith("authentication.py")),
    ("parse and validation (graphql/language, graphql/validation)",
     lambda fn, path: "/graphql/language/" in path or "/graphql/validation/" in path),
    ("query cost check (api/query_cost.py)", lambda fn, path: path.endswith("api/query_cost.py")),
    ("GraphQL execution (level executor or graphql/execution, resolvers below it)",
     lambda fn, path: "/graphql/execution/" in path or path.endswith("api/level_execution.py")),
    ("strawberry field wrappers (schema_converter.py)",
     lambda fn, path: path.endswith("strawberry/schema/schema_converter.py")),
    ("field permission extensions (strawberry/permission.py)",
     lambda fn, path: path.endswith("strawberry/permission.py")),
    ("DataLoaders (strawberry/dataloader.py)",
     lambda fn, path: path.endswith("strawberry/dataloader.py")),
    ("Tortoise ORM (querysets, model instances, driver calls)",
     lambda fn, path: "/tortoise/" in path or "/pypika" in path),
    ("Tortoise: Model instances from rows (_init_from_db)",
     lambda fn, path: fn == "_init_from_db"),
    ("schema types built from rows (`of` classmethods)",
     lambda fn, path: fn == "of" and "/api/schema/" in path),
    ("request log line + metrics (api/request_log.py)",
     lambda fn, path: path.endswith("api/request_log.py") and fn == "_finish"),
    ("JSON encoding of the response (encode_json)", lambda fn, path: fn == "encode_json"),
    ("socket I/O (send, recv)",
     lambda fn, path: path == BUILTIN and fn.startswith("socket.")),
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Profile:
    label: str
    session_path: Path
    sampled_s: float
    idle_share: float
    components: list[tuple[str, float]]
    stages: list[tuple[str, float]]
    top_functions: list[tuple[str, float]]


def _parts(frame_info: str) -> tuple[str, str, str]:
    identifier = frame_info.split("\x01", 1)[0]
    function, _, rest = identifier.partition("\x00")
    path, _, line = rest.partition("\x00")
    return function, path, line


def _short(path: str) -> str:
    for marker in ("site-packages/", str(REPO) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return re.sub(r"^.*/lib/python3[.0-9]*/", "", path)


def _idle(frames: list[tuple[str, str, str]]) -> bool:
    """The loop blocked in its selector: nothing to run."""
    return any(fn == "select" and path.endswith("selectors.py") for fn, path, _ in frames[-2:])


def _component(frames: list[tuple[str, str, str]]) -> str:
    for function, path, _ in reversed(frames):
        if path != BUILTIN:
            return next((name for name, test in COMPONENTS if test(function, path)), "other")
    return "other"


def _where(frames: list[tuple[str, str, str]]) -> str:
    function, path, line = frames[-1]
    if path == BUILTIN and len(frames) > 1:
        caller, caller_path, caller_line = frames[-2]
        return f"{function} (C, called by {caller} in {_short(caller_path)}:{caller_line})"
    return f"{function} ({_short(path)}:{line})"


def summarise(label: str, session_path: Path) -> Profile:
    from pyinstrument.session import Session

    session = Session.load(session_path)
    by_component: Counter[str] = Counter()
    by_stage: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0.0
    idle = 0.0
    for stack, seconds in session.frame_records:
        total += seconds
        frames = [_parts(frame) for frame in stack]
        if not frames or _idle(frames):
            idle += seconds
            continue
        by_component[_component(frames)] += seconds
        by_function[_where(frames)] += seconds
        for stage, test in STAGES:
            if any(test(fn, p) for fn, p, _ in frames):
                by_stage[stage] += seconds
    busy = max(total - idle, 1e-9)
    return Profile(
        label=label,
        session_path=session_path,
        sampled_s=total,
        idle_share=idle / total if total else 0.0,
        components=[(n, s / busy) for n, s in by_component.most_common()],
        stages=[(n, by_stage[n] / busy) for n, _ in STAGES if by_stage[n] / busy >= 0.005],
        top_functions=[(n, s / busy) for n, s in by_function.most_common(12)],
    )


def _profiled(database: Database, options: Options, name: str) -> tuple[Server, Path]:
    out = options.workdir / f"profile-{database.kind}-{name}.pyisession"
    out.unlink(missing_ok=True)
    return start_api(database, options.workdir, profile_to=out), out


def _collect(api: Server, out: Path) -> None:
    os.kill(api.process.pid, signal.SIGUSR2)
    deadline = time.monotonic() + 120
    while not out.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no profile written to {out}:\n{api.log_tail()}")
        time.sleep(0.2)


def profile_scenario(
    database: Database, options: Options, scenario: Scenario, query: str
) -> Profile:
    api, out = _profiled(database, options, scenario.key)
    try:
        loadgen(api, scenario, query, options.warmup_seconds, options.concurrency)
        os.kill(api.process.pid, signal.SIGUSR1)
        loadgen(api, scenario, query, options.seconds / 2, options.concurrency)
        _collect(api, out)
    finally:
        api.stop()
    return summarise(f"{scenario.operation} on {database.kind}", out)


def profile_generation(
    database: Database,
    options: Options,
    query: str,
    token: str,
    plan: tuple[int, int],
    period: tuple[date, date],
) -> Profile:
    """Generation for another quarter (the measured one exists already: a rerun would only
    skip), same size."""
    api, out = _profiled(database, options, "generation")
    try:
        os.kill(api.process.pid, signal.SIGUSR1)
        generate(api, query, token, plan[0], plan[1], period)
        _collect(api, out)
    finally:
        api.stop()
    return summarise(f"GenerateScheduledContacts on {database.kind}", out)
