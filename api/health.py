"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
import logging
import pkgutil

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

import db.migrations
from api.database_outage import is_database_unavailable

logger = logging.getLogger("promoplan.health")

READINESS_TIMEOUT_SECONDS = 3.0
MIGRATIONS_TABLE = "tortoise_migrations"


async def healthz(request: Request) -> JSONResponse:
    """The process is alive and serving HTTP."""
    return JSONResponse({"status": "ok"})


def shipped_migrations() -> set[str]:
    return {m.name for m in pkgutil.iter_modules(db.migrations.__path__) if m.name[0].isdigit()}


async def pending_migrations() -> list[str]:
    connection = connections.get("default")
    _, rows = await connection.execute_query(
        f'SELECT "name" FROM "{MIGRATIONS_TABLE}" WHERE "app" = \'models\''
    )
    applied = {row["name"] for row in rows}
    return sorted(shipped_migrations() - applied)


async def _probe(attempts: int) -> list[str]:
    """Pending migrations, asked until a live connection answers: after an outage each
    pooled connection fails once before the pool replaces it, which is no outage."""
    for _ in range(attempts - 1):
        try:
            return await pending_migrations()
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
    return await pending_migrations()


async def readyz(request: Request) -> JSONResponse:
    """The database answers and carries every migration this code expects."""
    # One try per pooled connection that may have gone stale, and one fresh.
    attempts = request.app.state.settings.database_pool_size + 1
    try:
        pending = await asyncio.wait_for(_probe(attempts), READINESS_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure to reach the database means "not ready"
        logger.warning("not ready: database unreachable (%s)", type(exc).__name__)
        return JSONResponse({"status": "unavailable", "reason": "database unreachable"}, 503)
    if pending:
        reason = f"migrations not applied: {', '.join(pending)}"
        return JSONResponse({"status": "unavailable", "reason": reason}, 503)
    return JSONResponse({"status": "ok"})
