"""The reference's Starlette app: `POST /graphql` answers the benchmark's operations by name
(the body is the same the API gets; only `operationName` and `variables` are read),
`GET /stats` tells how many requests and SQL statements it served, `GET /healthz`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.reference.appointments import appointments
from bench.reference.auth import Unauthenticated, Viewer, authenticate
from bench.reference.db import Database, open_database
from bench.reference.overview import UnsupportedViewer, project_overview
from bench.reference.portal import project_appointments
from bench.reference.search import search_addresses

Handler = Callable[[Database, Viewer, dict[str, Any]], Awaitable[Any]]
OPERATIONS: dict[str, Handler] = {
    "ProjectOverview": project_overview,
    "ProjectAppointments": project_appointments,
    "SearchAddresses": search_addresses,
    "Appointments": appointments,
}


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def _error(message: str, code: str, status: int = 200) -> Response:
    return _json({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
                 status)  # fmt: skip


def create_app(database_url: str) -> Starlette:
    state: dict[str, Any] = {"requests": 0}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["db"] = await open_database(database_url)
        try:
            yield
        finally:
            await state["db"].close()

    async def graphql(request: Request) -> Response:
        state["requests"] += 1
        db: Database = state["db"]
        body = orjson.loads(await request.body())
        handler = OPERATIONS.get(body.get("operationName"))
        if handler is None:
            return _error("The reference knows no such operation.", "BAD_REQUEST", 400)
        try:
            viewer = await authenticate(db, request.headers.get("authorization"))
            data = await handler(db, viewer, body.get("variables") or {})
        except Unauthenticated as refused:
            return _error(str(refused), "UNAUTHENTICATED")
        except (UnsupportedViewer, ValueError) as unsupported:
            return _error(str(unsupported), "BAD_REQUEST", 400)
        return _json({"data": data})

    async def stats(request: Request) -> Response:
        return _json({"requests": state["requests"], "statements": state["db"].statements})

    async def healthz(request: Request) -> Response:
        return _json({"ok": True})

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            Route("/stats", stats, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
