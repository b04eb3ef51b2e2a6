"""`promoplan serve --workers 2` on Linux: each worker listens on its own SO_REUSEPORT
socket, so connections opened at once are spread over both; a worker that dies is replaced;
SIGTERM lets a request in flight finish and stops every process."""

import asyncio
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import uvloop

from api.serving import GRACE_SECONDS, _worker_socket
from tests.smtp_server import free_port

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="SO_REUSEPORT balancing and /proc are Linux's"
)

REPO = Path(__file__).parents[1]
CONNECTIONS = 32
LISTEN, ESTABLISHED = "0A", "01"


def _serve(
    tmp_path: Path, port: int, settings: dict[str, str] | None = None, **options
) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path / 'promoplan.sqlite3'}",
        "OUTBOX_WORKER_IN_PROCESS": "false",
        **(settings or {}),
    }
    command = [sys.executable, "-m", "api", "serve", "--port", str(port), "--workers", "2"]
    return subprocess.Popen(command, cwd=REPO, env=environment, **options)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _workers(supervisor: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{supervisor}/task").glob("*"):
        children += [int(pid) for pid in _read(f"{task}/children").split()]
    return [pid for pid in children if "multiprocessing.spawn" in _read(f"/proc/{pid}/cmdline")]


def _tcp(port: int, state: str) -> set[str]:
    """The inodes of the IPv4 TCP sockets on local `port` in `state`."""
    inodes = set()
    for line in _read("/proc/net/tcp").splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == state:
            inodes.add(fields[9])
    return inodes


def _sockets(pid: int) -> set[str]:
    links = []
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            links.append(os.readlink(fd))
        except OSError:
            continue
    return {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}


def _loaded(pid: int) -> set[str]:
    """Which of uvicorn's optional native parts the process has loaded."""
    maps = _read(f"/proc/{pid}/maps")
    return {part for part in ("uvloop", "httptools") if f"/{part}/" in maps}


def _wait_listening(server: subprocess.Popen, port: int, log: Path) -> list[int]:
    """The two workers, once each listens on a socket of its own."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        workers = _workers(server.pid)
        listening = _tcp(port, LISTEN)
        own = [_sockets(pid) & listening for pid in workers]
        if len(workers) == 2 and all(len(sockets) == 1 for sockets in own):
            assert len(listening) == 2, "one listening socket each, none shared"
            return workers
        time.sleep(0.1)
    raise AssertionError(f"the workers did not listen:\n{log.read_text()}")


def _keep_alive(port: int) -> http.client.HTTPConnection:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    return connection


def _half_sent_request(port: int) -> tuple[socket.socket, bytes]:
    """A connection whose request has arrived but its body not yet all: in flight."""
    body = b'{"query": "{ __typename }"}'
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(head + body[:5])
    return connection, body[5:]


def _wait_until(condition: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


def test_two_workers_share_the_connections_and_stop_on_sigterm(tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("wb") as output:
        server = _serve(tmp_path, port, stdout=output, stderr=subprocess.STDOUT)
    connections: list[http.client.HTTPConnection] = []
    workers: list[int] = []
    try:
        workers = _wait_listening(server, port, log)
        # The settings' defaults reach each worker: uvloop's event loop, httptools' parser.
        assert [_loaded(pid) for pid in workers] == [{"uvloop", "httptools"}] * 2

        # Opened at once and kept open: the kernel hashes each to one worker's socket.
        connections = [_keep_alive(port) for _ in range(CONNECTIONS)]
        established = _tcp(port, ESTABLISHED)
        held = [len(_sockets(pid) & established) for pid in workers]
        assert sum(held) == CONNECTIONS
        assert min(held) >= 4, f"connections per worker: {held}"

        # A worker that dies after it started serving is replaced.
        os.kill(workers[0], signal.SIGKILL)
        _wait_until(lambda: workers[0] not in _workers(server.pid), log)
        replaced = _wait_listening(server, port, log)
        assert workers[1] in replaced and workers[0] not in replaced
        workers = replaced

        in_flight, rest = _half_sent_request(port)
        server.send_signal(signal.SIGTERM)
        _wait_until(lambda: log.read_text().count('"message":"Shutting down"') == 2, log)
        in_flight.sendall(rest)
        answer = in_flight.recv(65536)
        in_flight.close()
        assert answer.startswith(b"HTTP/1.1 200 "), answer

        assert server.wait(timeout=GRACE_SECONDS) == 0
    finally:
        for connection in connections:
            connection.close()
        if server.poll() is None:
            server.kill()
            server.wait()
            for pid in workers:
                if Path(f"/proc/{pid}").exists():
                    os.kill(pid, signal.SIGKILL)
    text = log.read_text()
    for pid in workers:
        assert f"Finished server process [{pid}]" in text, "each worker shut down gracefully"
        assert not Path(f"/proc/{pid}").exists()


def test_workers_run_the_event_loop_and_parser_the_settings_name(tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    settings = {"PROMOPLAN_SERVER_LOOP": "asyncio", "PROMOPLAN_SERVER_HTTP": "h11"}
    with log.open("wb") as output:
        server = _serve(tmp_path, port, settings, stdout=output, stderr=subprocess.STDOUT)
    try:
        workers = _wait_listening(server, port, log)
        assert [_loaded(pid) for pid in workers] == [set(), set()]
        _keep_alive(port).close()
    finally:
        server.terminate()
        assert server.wait(timeout=GRACE_SECONDS + 10) == 0, log.read_text()


@pytest.mark.parametrize("loop_factory", [asyncio.new_event_loop, uvloop.new_event_loop])
def test_a_workers_connections_send_each_answer_at_once(loop_factory):
    """A worker's connections have TCP_NODELAY, as one process's do, on either event loop:
    without it Nagle's algorithm held each response's body behind its headers until the
    client's delayed ACK, about 40 ms a request. asyncio sets it only when the listening
    socket (which uvicorn is handed, as here) says it is TCP."""
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        assert runner.run(_accepted_without_delay())


async def _accepted_without_delay() -> bool:
    loop = asyncio.get_running_loop()
    accepted: asyncio.Future[int] = loop.create_future()

    class Accepting(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    listening = _worker_socket("127.0.0.1", 0)
    server = await loop.create_server(Accepting, sock=listening)
    try:
        _, writer = await asyncio.open_connection(*listening.getsockname())
        nodelay = await asyncio.wait_for(accepted, 10)
        writer.close()
        return nodelay != 0
    finally:
        server.close()
        await server.wait_closed()


def test_a_port_another_server_holds_stops_the_start(tmp_path):
    # Even one that set SO_REUSEPORT too, as a stale `serve --workers` would have.
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _serve(tmp_path, port, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, errors = server.communicate(timeout=120)
    assert server.returncode == 3
    assert b"Address already in use" in errors


@pytest.mark.parametrize(
    ("workers", "balances", "settings", "loop_and_http"),
    [
        (1, True, {}, ("uvloop", "httptools")),
        (2, False, {}, ("uvloop", "httptools")),
        (1, True, {"PROMOPLAN_SERVER_LOOP": "asyncio", "PROMOPLAN_SERVER_HTTP": "h11"},
         ("asyncio", "h11")),
    ],
)  # fmt: skip
def test_one_worker_or_no_balancing_runs_uvicorn_as_before(
    monkeypatch, workers, balances, settings, loop_and_http
):
    from api import serving
    from api.settings import Settings

    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    runs: list[dict] = []
    monkeypatch.setattr(serving, "reuseport_balances", lambda: balances)
    monkeypatch.setattr(serving.uvicorn, "run", lambda **options: runs.append(options))
    assert serving.serve("127.0.0.1", 8000, workers, serving.ServerOptions.of(Settings())) == 0
    [options] = runs
    assert options["workers"] == workers
    assert options["app"] == "api.app:create_app" and options["factory"] is True
    assert (options["loop"], options["http"]) == loop_and_http
    assert options["access_log"] is False
    assert options["timeout_graceful_shutdown"] == GRACE_SECONDS
