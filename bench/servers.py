"""The two servers under test, each its own process on 127.0.0.1: the API as `python -m api
serve` (optionally under pyinstrument, optionally with several worker processes) and the
reference as `python -m bench.reference`. Peak resident memory is the VmHWM of each of the
server's processes (a supervisor's workers are its children), summed, and can be reset
between scenarios."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import procs
from bench.databases import Database
from bench.options import REPO

API_ENV = {
    "OUTBOX_WORKER_IN_PROCESS": "false",
    # The settings' maximum: no benchmark request is ever rate limited.
    "PROMOPLAN_RATE_LIMIT_PER_MINUTE": "1000000",
    "PROMOPLAN_LOG_LEVEL": "INFO",
    "PROMOPLAN_TRUSTED_DOCUMENTS": "false",
    "PROMOPLAN_INTROSPECTION": "false",
    "DATABASE_POOL_SIZE": "10",
    # For the level executor's fallback count (bench/levers.py); the servers are local.
    "PROMOPLAN_METRICS_TOKEN": "bench",
}


class ServerFailed(RuntimeError):
    """A server did not start, or died."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    log_file: Any = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The server's process and its descendants (with --workers, the workers)."""
        return procs.tree(self.process.pid)

    def workers(self) -> list[int]:
        """The processes that serve requests: uvicorn's spawned workers, else the server."""
        spawned = [
            pid
            for pid in procs.children(self.process.pid)
            if "multiprocessing.spawn" in procs.command_line(pid)
        ]
        return spawned or [self.process.pid]

    def peak_rss_kib(self) -> int:
        """The sum of each of the server's processes' own peak."""
        return sum(procs.status_kib(pid, "VmHWM") for pid in self.pids())

    def reset_peak_rss(self) -> bool:
        return all([procs.reset_peak_rss(pid) for pid in self.pids()])

    def log_size(self) -> int:
        self.log_file.flush()
        return self.log_path.stat().st_size

    def log_lines(self, start: int) -> list[dict[str, Any]]:
        """The JSON log lines written since byte `start`."""
        with self.log_path.open("rb") as log:
            log.seek(start)
            text = log.read().decode(errors="replace")
        lines = []
        for line in text.splitlines():
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return lines

    def log_tail(self, count: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-count:])

    def wait_workers(self, count: int, log_start: int, timeout: float = 120) -> None:
        """Wait until `count` workers have started: /healthz answers once the first has."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.name} exited:\n{self.log_tail()}")
            started = [
                line
                for line in self.log_lines(log_start)
                if line.get("message") == "Application startup complete."
            ]
            if len(started) >= count:
                return
            time.sleep(0.2)
        raise ServerFailed(f"{self.name}: {count} workers not up after {timeout} s")

    def wait_ready(self, path: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.name} exited:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise ServerFailed(f"{self.name} not ready after {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 60) -> None:
        """SIGINT, as Ctrl-C: uvicorn shuts down and a profiler writes its report."""
        if self.process.poll() is None:
            descendants = self.pids()[1:]
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                # A killed supervisor leaves its workers running.
                for pid in descendants:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        self.log_file.close()


def _start(name: str, command: list[str], env: dict[str, str], log_path: Path, port: int) -> Server:
    log_file = log_path.open("ab")
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return Server(name, process, port, log_path, log_file)


def start_api(
    database: Database,
    workdir: Path,
    profile_to: Path | None = None,
    workers: int = 1,
    settings: dict[str, str] | None = None,
) -> Server:
    """`settings`: environment variables over the benchmark's, each named in the log's name."""
    port = free_port()
    settings = settings or {}
    env = {**os.environ, **API_ENV, "DATABASE_URL": database.url, **settings}
    command = [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port)]
    suffix = "".join(f"-{name.lower()}-{value}" for name, value in settings.items())
    if workers > 1:
        command += ["--workers", str(workers)]
        suffix += f"-{workers}-workers"
    if profile_to is not None:
        command = [sys.executable, "-m", "bench.profiled_api", "--port", str(port),
                   "--out", str(profile_to)]  # fmt: skip
        suffix += "-profile"
    log_path = workdir / f"api-{database.kind}{suffix}.log"
    log_start = log_path.stat().st_size if log_path.exists() else 0
    server = _start("API", command, env, log_path, port)
    server.wait_ready("/healthz")
    if workers > 1:
        server.wait_workers(workers, log_start)
    return server


def start_reference(database: Database, workdir: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "bench.reference", "--port", str(port),
               "--database-url", database.url]  # fmt: skip
    log = workdir / f"reference-{database.kind}.log"
    server = _start("reference", command, dict(os.environ), log, port)
    server.wait_ready("/healthz")
    return server
