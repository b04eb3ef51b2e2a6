"""One structured log line per request, and the request's record that feeds it and the metrics.

The record lives in a context variable: the GraphQL view fills in the operation, viewer and
error codes, a logging handler on Tortoise's logger counts the SQL statements. Nothing the
client sent is logged but the operation name, so tokens, passwords and promoter contact
details cannot end up in the log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics

logger = logging.getLogger("promoplan.request")

REQUEST_ID_HEADER = "x-request-id"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Paths worth a log line, by prefix; the calendar path carries a secret and is logged bare.
_LOGGED_PATHS = {"/graphql": "/graphql", "/calendar/": "/calendar"}


@dataclass
class RequestRecord:
    request_id: str
    method: str
    path: str
    client: str | None
    operation: str | None = None
    viewer_id: int | None = None
    role: str | None = None
    status: int = 0
    error_codes: list[str] = field(default_factory=list)
    sql_statements: int = 0

    @property
    def outcome(self) -> str:
        if self.status >= 500:
            return "server_error"
        if self.status >= 400 or self.error_codes:
            return "error"
        return "ok"


_current: ContextVar[RequestRecord | None] = ContextVar("promoplan_request", default=None)


def current_record() -> RequestRecord | None:
    return _current.get()


class StatementCounter(logging.Handler):
    """Counts the statements Tortoise logs (as "%s: %s" with arguments) for the request."""

    def emit(self, record: logging.LogRecord) -> None:
        request = _current.get()
        if request is not None and record.args:
            request.sql_statements += 1


def count_sql_statements() -> None:
    tortoise_log = logging.getLogger("tortoise.db_client")
    if not any(isinstance(h, StatementCounter) for h in tortoise_log.handlers):
        tortoise_log.addHandler(StatementCounter())
    tortoise_log.setLevel(logging.DEBUG)
    # The statements themselves (with their values) stay out of the application log.
    tortoise_log.propagate = False


def _logged_path(path: str) -> str | None:
    for prefix, shown in _LOGGED_PATHS.items():
        if path == prefix or path.startswith(prefix):
            return shown
    return None


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            sent = value.decode("latin-1")
            if _CLIENT_REQUEST_ID.match(sent):
                return sent
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Times each API request, tags it with an id, then logs it and records its metrics."""

    def __init__(self, app: ASGIApp, clock: Callable[[], float] = time.perf_counter) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _logged_path(scope["path"]) if scope["type"] == "http" else None
        if path is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        record = RequestRecord(
            request_id=_request_id(scope),
            method=scope["method"],
            path=path,
            client=client[0] if client else None,
        )
        token = _current.set(record)
        started = self.clock()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, record.request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            record.status = 500
            raise
        finally:
            _current.reset(token)
            _finish(record, self.clock() - started)


def _finish(record: RequestRecord, seconds: float) -> None:
    metrics.observe_request(record.path, record.operation, record.outcome, seconds)
    metrics.count_errors(record.error_codes)
    logger.info(
        "request",
        extra={
            "request": {
                "request_id": record.request_id,
                "method": record.method,
                "path": record.path,
                "client": record.client,
                "operation": record.operation,
                "viewer_id": record.viewer_id,
                "role": record.role,
                "status": record.status,
                "outcome": record.outcome,
                "error_codes": record.error_codes,
                "duration_ms": round(seconds * 1000, 2),
                "sql_statements": record.sql_statements,
            }
        },
    )
