"""Telling a database that is away (restarting, unreachable, refusing connections) from a
fault of ours: the first is answered as retryable SERVICE_UNAVAILABLE, not as a crash."""

from __future__ import annotations

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import DBConnectionError

RETRY_AFTER_SECONDS = 2
MESSAGE = "The database is not available at the moment; retry shortly."

_UNAVAILABLE = (
    ConnectionError,
    TimeoutError,
    OSError,
    DBConnectionError,
    asyncpg.PostgresConnectionError,  # class 08: connection exceptions
    asyncpg.exceptions.OperatorInterventionError,  # class 57: shutdown, restart, cancel
    asyncpg.InterfaceError,  # the client side of a connection that broke
    asyncpg.exceptions.InternalClientError,
)


class DatabaseUnavailable(Exception):
    """Raised where no GraphQL response exists yet (building the request's context)."""


def is_database_unavailable(exc: BaseException | None) -> bool:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _UNAVAILABLE):
            return True
        if isinstance(exc, asyncpg.ObjectNotInPrerequisiteStateError) and (
            "not currently accepting connections" in str(exc)
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


async def unavailable_response(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {
            "data": None,
            "errors": [{"message": MESSAGE, "extensions": {"code": "SERVICE_UNAVAILABLE"}}],
        },
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
