"""The ASGI application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.body_limit import BodyLimits
from api.calendar_route import calendar_feed
from api.database_outage import DatabaseUnavailable, unavailable_response
from api.gc_tuning import tune_garbage_collector
from api.graphql import GraphQLApp
from api.health import healthz, readyz
from api.metrics import metrics_endpoint
from api.notifications.worker import OutboxWorker
from api.request_log import REQUEST_ID_HEADER, RequestLogMiddleware, count_sql_statements
from api.settings import Settings, get_settings
from db.config import tortoise_config


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Starlette:
    """The API. With `manage_database`, the app opens and closes the ORM in its lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        config = tortoise_config(settings.database_url, settings.database_pool_size)
        # RegisterTortoise keeps a global context: the lifespan runs in its own task.
        async with RegisterTortoise(app, config=config):
            tune_garbage_collector(settings.gc_threshold)
            if not settings.outbox_worker_in_process:
                yield
                return
            worker = OutboxWorker(settings)
            delivery = asyncio.create_task(worker.run(), name="outbox-worker")
            try:
                yield
            finally:
                worker.stop()
                await delivery

    count_sql_statements()
    app = Starlette(
        routes=[
            Route("/graphql", GraphQLApp(settings), methods=["GET", "POST"]),
            Route("/calendar/{token}.ics", calendar_feed, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ],
        middleware=_middleware(settings),
        exception_handlers={DatabaseUnavailable: unavailable_response},
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app


def _middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: the client's address behind proxies, CORS, the request log, then
    the body size limit."""
    stack = []
    if settings.trusted_proxy_list:
        # Only these hosts may speak for the client in X-Forwarded-For/-Proto.
        stack.append(Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list))
    if settings.cors_origin_list:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origin_list,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
                expose_headers=[REQUEST_ID_HEADER],
                max_age=600,
            )
        )
    stack.append(Middleware(RequestLogMiddleware))
    stack.append(
        Middleware(
            BodyLimits,
            max_bytes=settings.max_body_bytes,
            read_timeout_seconds=settings.body_read_timeout_seconds,
        )
    )
    return stack
