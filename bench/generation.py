"""GenerateScheduledContacts over HTTP: one run of the contract mutation for the whole plan
over a quarter, as an admin, timed from the client; the API's log gives its own duration
and SQL statements."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import httpx
import orjson
from strawberry.relay import to_base64

from bench.servers import Server


class GenerationFailed(RuntimeError):
    """The mutation did not create the call list."""


@dataclass(frozen=True, slots=True)
class GenerationRun:
    members: int
    period: tuple[date, date]
    created: int
    skipped: int
    seconds: float
    server_ms: float
    sql_statements: int
    peak_rss_kib: int
    peak_reset: bool


def generate(
    api: Server, query: str, token: str, plan_id: int, members: int, period: tuple[date, date]
) -> GenerationRun:
    variables = {
        "input": {
            "planId": to_base64("ContactPlan", plan_id),
            "from": period[0].isoformat(),
            "until": period[1].isoformat(),
        }
    }
    body = orjson.dumps(
        {"query": query, "variables": variables, "operationName": "GenerateScheduledContacts"}
    )
    reset = api.reset_peak_rss()
    start_log = api.log_size()
    started = time.perf_counter()
    response = httpx.post(
        f"{api.url}/graphql",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=1800,
    )
    seconds = time.perf_counter() - started
    result = response.json()
    payload = (result.get("data") or {}).get("generateScheduledContacts") or {}
    if response.status_code != 200 or result.get("errors") or payload.get("errors"):
        raise GenerationFailed(f"GenerateScheduledContacts failed: {response.text[:2000]}")
    if not payload.get("created"):
        raise GenerationFailed(f"GenerateScheduledContacts created nothing: {payload}")
    time.sleep(0.3)
    logged = [line for line in api.log_lines(start_log) if "sql_statements" in line]
    return GenerationRun(
        members=members,
        period=period,
        created=int(payload["created"]),
        skipped=int(payload["skipped"]),
        seconds=seconds,
        server_ms=float(logged[-1]["duration_ms"]) if logged else float("nan"),
        sql_statements=int(logged[-1]["sql_statements"]) if logged else 0,
        peak_rss_kib=api.peak_rss_kib(),
        peak_reset=reset,
    )
