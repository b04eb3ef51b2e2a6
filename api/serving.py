"""Serving the API with uvicorn: in one process, or as a supervisor with N worker processes.

uvicorn's own `workers=` has its workers accept from one shared socket, and whichever event
loop wakes first accepts every connection waiting, so a burst of keep-alive connections can
all land on one worker. Here each worker listens on its own socket bound with SO_REUSEPORT,
and Linux spreads new connections over the sockets by a hash of their addresses.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from api.logs import configure_logging, logging_config
from api.settings import Settings

GRACE_SECONDS = 30
logger = logging.getLogger("uvicorn.error")
_spawn = multiprocessing.get_context("spawn")


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """What `serve` takes from the settings; plain values, so workers get them pickled."""

    log_level: str
    loop: str
    http: str

    @classmethod
    def of(cls, settings: Settings) -> ServerOptions:
        return cls(settings.log_level, settings.server_loop, settings.server_http)


def uvicorn_options(options: ServerOptions) -> dict[str, Any]:
    return {
        "app": "api.app:create_app",
        "factory": True,
        # uvloop and httptools by default: here 5-13% less CPU per request than asyncio and
        # h11 one request at a time, 1.06-1.09x the throughput of the portal and the search
        # at 8 connections, the largest answer even (bench/RESULTS.md, Levers).
        "loop": options.loop,
        "http": options.http,
        "log_config": logging_config(options.log_level),
        "access_log": False,
        # X-Forwarded-* are honoured by the app, from PROMOPLAN_TRUSTED_PROXIES only.
        "proxy_headers": False,
        # On SIGTERM, requests in flight get this long to finish.
        "timeout_graceful_shutdown": GRACE_SECONDS,
    }


def reuseport_balances() -> bool:
    # BSD and macOS have SO_REUSEPORT, but do not balance connections over the sockets.
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def serve(host: str, port: int, workers: int, options: ServerOptions) -> int:
    """Serve until SIGINT or SIGTERM; returns the exit status."""
    if workers == 1 or not reuseport_balances():
        uvicorn.run(**uvicorn_options(options), host=host, port=port, workers=workers)
        return 0
    return Supervisor(host, port, workers, options).run()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _claim_port(host: str, port: int) -> int:
    """The port, checked free with a plain bind: a port taken by another server stops the
    start, as with one process, instead of being shared with a stale SO_REUSEPORT server."""
    with socket.socket(_family(host)) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        return int(probe.getsockname()[1])


def _worker_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on connections whose socket
    # says so, and accepted sockets inherit the listener's protocol number. With 0 (the
    # default) Nagle's algorithm held each response's body behind its unacknowledged
    # headers until the client's delayed ACK: about 40 ms a request.
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    # Not listening yet: uvicorn listens once the app has started, so the kernel hands
    # connections only to workers that can serve them.
    return sock


class _WorkerServer(uvicorn.Server):
    """A uvicorn server that tells the supervisor once it listens."""

    def __init__(self, config: uvicorn.Config, started: Event) -> None:
        super().__init__(config)
        self.started_event = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.started_event.set()


def _run_worker(host: str, port: int, options: ServerOptions, started: Event) -> None:
    """A worker process's main function."""
    config = uvicorn.Config(**uvicorn_options(options), host=host, port=port)
    try:
        sock = _worker_socket(host, port)
    except OSError as exc:
        logger.error(exc)
        sys.exit(STARTUP_FAILURE)
    # SIGINT before uvicorn installs its handlers: there is nothing to finish yet.
    with contextlib.suppress(KeyboardInterrupt):
        _WorkerServer(config, started).run(sockets=[sock])


@dataclass(frozen=True)
class _Worker:
    process: SpawnProcess
    started: Event


class Supervisor:
    """Starts the workers, restarts one that dies after it started serving, and stops all
    on SIGINT or SIGTERM. A worker that fails to start stops the server with status 3."""

    def __init__(self, host: str, port: int, count: int, options: ServerOptions) -> None:
        self.host = host
        self.port = port
        self.count = count
        self.options = options
        self.workers: list[_Worker] = []
        self.stop_signal: int | None = None

    def run(self) -> int:
        configure_logging(self.options.log_level)
        try:
            self.port = _claim_port(self.host, self.port)
        except OSError as exc:
            logger.error(exc)
            return STARTUP_FAILURE
        address = f"[{self.host}]" if ":" in self.host else self.host
        logger.info("Uvicorn running on http://%s:%d (Press CTRL+C to quit)", address, self.port)
        logger.info("Started parent process [%d]", os.getpid())
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {number: signal.signal(number, self._on_signal) for number in handled}
        try:
            self.workers = [self._start() for _ in range(self.count)]
            status = self._supervise()
        finally:
            self._stop_all()
            for number, handler in previous.items():
                signal.signal(number, handler)
        logger.info("Stopping parent process [%d]", os.getpid())
        return status

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        self.stop_signal = number

    def _start(self) -> _Worker:
        started = _spawn.Event()
        process = _spawn.Process(
            target=_run_worker,
            args=(self.host, self.port, self.options, started),
            name="promoplan-worker",
        )
        process.start()
        return _Worker(process, started)

    def _supervise(self) -> int:
        while self.stop_signal is None:
            wait([worker.process.sentinel for worker in self.workers], timeout=0.2)
            for index, worker in enumerate(self.workers):
                if worker.process.exitcode is None or self.stop_signal is not None:
                    continue
                pid, code = worker.process.pid, worker.process.exitcode
                if not worker.started.is_set():
                    logger.error("Worker process [%s] failed to start (exit %s).", pid, code)
                    return STARTUP_FAILURE
                logger.error("Worker process [%s] died (exit %s); starting another.", pid, code)
                self.workers[index] = self._start()
        logger.info("Received %s, stopping the workers.", signal.Signals(self.stop_signal).name)
        return 0

    def _stop_all(self) -> None:
        # Always SIGTERM: after Ctrl-C the terminal has sent the workers SIGINT already, and
        # a second SIGINT makes uvicorn quit without waiting for requests in flight.
        for worker in self.workers:
            if worker.process.exitcode is None:
                worker.process.terminate()
        deadline = time.monotonic() + GRACE_SECONDS + 10
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.exitcode is None:
                logger.error(
                    "Worker process [%s] did not stop in time; killed.", worker.process.pid
                )
                worker.process.kill()
                worker.process.join()
