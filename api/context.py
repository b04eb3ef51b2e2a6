"""The one context every request builds: settings, viewer and DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from api import records
from api.authentication import authenticate
from api.loaders import Loaders
from api.permissions.viewer import Viewer
from api.settings import Settings


@dataclass
class Context:
    request: Request
    settings: Settings
    viewer: Viewer | None
    # Why a presented token was refused; every field but login answers UNAUTHENTICATED.
    auth_failure: str | None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.viewer)

    def forget_rows(self) -> None:
        """Drop the rows the DataLoaders hold, once an operation is answered. graphql-core's
        executor keeps a reference cycle to its context, so they would otherwise wait for
        a garbage collection, which found a loaded server's every answer cyclic garbage."""
        self.loaders = Loaders(self.viewer)

    def sign_in(self, viewer: Viewer) -> None:
        """After login, the rest of the response is answered for the new session."""
        self.viewer = viewer
        self.auth_failure = None
        self.loaders = Loaders(viewer)


async def build_context(request: Request, settings: Settings) -> Context:
    records.plain_rows.set(settings.plain_rows)
    authentication = await authenticate(request.headers.get("authorization"))
    return Context(
        request=request,
        settings=settings,
        viewer=authentication.viewer,
        auth_failure=authentication.failure,
    )
