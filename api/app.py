"""The ASGI application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise

from api.calendar_route import calendar_feed
from api.graphql import GraphQLApp
from api.notifications.worker import OutboxWorker
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

    app = Starlette(
        routes=[
            Route("/graphql", GraphQLApp(settings), methods=["GET", "POST"]),
            Route("/calendar/{token}.ics", calendar_feed, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
