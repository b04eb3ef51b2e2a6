"""The load generator, run in its own process: `python -m bench.loadgen < spec.json`.

A closed loop of N keep-alive HTTP/1.1 connections (asyncio streams, no HTTP library, so
the client costs little CPU), each sending the spec's requests in turn (connection i
starts at request i) until the time is up; requests in flight then finish. Prints one
JSON object: every request's latency in ms and which request it was, the measured window
in s, and failures.

Spec: {"host", "port", "path", "concurrency", "seconds",
       "requests": [{"body": "...", "headers": {"Authorization": "..."}}]}
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    # Which of the spec's requests each latency belongs to.
    indices: list[int] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    first_sent: float = 0.0
    last_done: float = 0.0

    def fail(self, reason: str) -> None:
        self.failures[reason] = self.failures.get(reason, 0) + 1


def request_bytes(spec: dict[str, Any], request: dict[str, Any]) -> bytes:
    body = request["body"].encode()
    headers = {
        "Host": f"{spec['host']}:{spec['port']}",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **request.get("headers", {}),
    }
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"POST {spec['path']} HTTP/1.1\r\n{head}\r\n".encode() + body


async def _response(reader: asyncio.StreamReader) -> int:
    """Read one response; return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            raise RuntimeError(f"unsupported transfer-encoding {value.strip()}")
    if length is None:
        raise RuntimeError("response without Content-Length")
    await reader.readexactly(length)
    return status


async def _connection(
    spec: dict[str, Any], payloads: list[bytes], start: int, deadline: float, tally: Tally
) -> None:
    reader, writer = await asyncio.open_connection(spec["host"], spec["port"])
    index = start
    try:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            writer.write(payloads[index % len(payloads)])
            status = await _response(reader)
            done = time.perf_counter()
            tally.last_done = max(tally.last_done, done)
            if status == 200:
                tally.latencies_ms.append((done - sent) * 1000)
                tally.indices.append(index % len(payloads))
            else:
                tally.fail(f"HTTP {status}")
            index += 1
    finally:
        writer.close()


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    payloads = [request_bytes(spec, request) for request in spec["requests"]]
    tally = Tally()
    tally.first_sent = time.perf_counter()
    deadline = tally.first_sent + float(spec["seconds"])
    results = await asyncio.gather(
        *(_connection(spec, payloads, i, deadline, tally) for i in range(int(spec["concurrency"]))),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException):
            tally.fail(f"{type(result).__name__}: {result}")
    return {
        "latencies_ms": tally.latencies_ms,
        "indices": tally.indices,
        "window_s": max(tally.last_done - tally.first_sent, 1e-9),
        "failures": tally.failures,
    }


def main() -> None:
    spec = json.load(sys.stdin)
    json.dump(asyncio.run(run(spec)), sys.stdout)


if __name__ == "__main__":
    main()
