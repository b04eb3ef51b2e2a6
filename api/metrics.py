"""Prometheus metrics: request counts and latency per operation, errors per code, the outbox
and the database pool. Served on /metrics to a scraper holding PROMOPLAN_METRICS_TOKEN.

With several API processes, set PROMETHEUS_MULTIPROC_DIR so the processes' counters add up.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from tortoise import connections
from tortoise.functions import Count, Min

from api.authentication import bearer_secret
from api.clock import now
from api.trusted_documents import registry
from db.models.notifications import MailStatus, OutboxMail

REQUESTS = Counter(
    "promoplan_requests_total", "API requests by path, operation and outcome.",
    ["path", "operation", "outcome"],
)  # fmt: skip
LATENCY = Histogram(
    "promoplan_request_duration_seconds", "API request latency by path and operation.",
    ["path", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)  # fmt: skip
ERRORS = Counter("promoplan_errors_total", "GraphQL errors by code.", ["code"])
LEVEL_FALLBACKS = Counter(
    "promoplan_level_execution_fallbacks_total",
    "Queries that left the level executor's common path (an error, a null where none may "
    "be) and ran again on graphql-core's executor.",
)  # fmt: skip


def _operation_label(operation: str | None) -> str:
    """The clients' operation names as they are; anything else folded, to bound the series."""
    if operation is None:
        return "anonymous"
    return operation if operation in registry().names else "other"


def observe_request(path: str, operation: str | None, outcome: str, seconds: float) -> None:
    label = _operation_label(operation)
    REQUESTS.labels(path, label, outcome).inc()
    LATENCY.labels(path, label).observe(seconds)


def count_errors(codes: Iterable[str]) -> None:
    for code in codes:
        ERRORS.labels(code).inc()


async def _database_gauges() -> CollectorRegistry:
    """Read at scrape time: the outbox's backlog and the connection pool's use."""
    gauges = CollectorRegistry()
    pending = Gauge("promoplan_outbox_pending", "Mails waiting to be sent.", registry=gauges)
    failed = Gauge("promoplan_outbox_failed", "Mails that failed for good.", registry=gauges)
    oldest = Gauge(
        "promoplan_outbox_oldest_pending_age_seconds",
        "Age of the oldest mail waiting to be sent.", registry=gauges,
    )  # fmt: skip
    rows = (
        await OutboxMail.exclude(status=MailStatus.SENT)
        .group_by("status")
        .annotate(count=Count("id"), oldest=Min("created_at"))
        .values("status", "count", "oldest")
    )
    waiting = [row for row in rows if row["status"] != MailStatus.FAILED]
    pending.set(sum(row["count"] for row in waiting))
    failed.set(sum(row["count"] for row in rows if row["status"] == MailStatus.FAILED))
    if waiting:
        oldest.set((now() - min(row["oldest"] for row in waiting)).total_seconds())

    pool = getattr(connections.get("default"), "_pool", None)
    in_use = Gauge("promoplan_db_pool_in_use", "Database connections in use.", registry=gauges)
    size = Gauge("promoplan_db_pool_size", "Database connections open.", registry=gauges)
    if pool is not None:
        size.set(pool.get_size())
        in_use.set(pool.get_size() - pool.get_idle_size())
    else:  # SQLite: one connection behind a lock.
        size.set(1)
    return gauges


def _process_registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    combined = CollectorRegistry()
    MultiProcessCollector(combined)
    return combined


def _authorized(request: Request, token: str) -> bool:
    presented = bearer_secret(request.headers.get("authorization", ""))
    return presented is not None and hmac.compare_digest(presented.encode(), token.encode())


async def metrics_endpoint(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if not token:
        return PlainTextResponse("Metrics are off: set PROMOPLAN_METRICS_TOKEN.", 404)
    if not _authorized(request, token):
        return PlainTextResponse(
            "A bearer token is required.", 401, headers={"WWW-Authenticate": "Bearer"}
        )
    body = generate_latest(_process_registry()) + generate_latest(await _database_gauges())
    return Response(body, media_type=CONTENT_TYPE_LATEST)
