"""Talking to the API over HTTP, with the clients' own operations."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from api.app import create_app
from api.settings import Settings
from api.trusted_documents import operations_of

SHARED = Path(os.environ.get("PROMOPLAN_SHARED_DIR", Path(__file__).parents[2] / "shared"))
CLIENT_DOCUMENTS = sorted((SHARED / "clients").glob("*.graphql"))


@cache
def operations() -> dict[str, str]:
    """Each client operation by name, printed with the fragments it uses."""
    return operations_of(CLIENT_DOCUMENTS)


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post_raw(
        self, query: str, token: str | None = None, variables: dict[str, Any] | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.post_raw(query, token, variables)
        assert response.status_code == 200, response.text
        return response.json()

    async def op(
        self, name: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Send the client operation `name` exactly as the client ships it."""
        return await self.post(operations()[name], variables, token)


@asynccontextmanager
async def serving(settings: Settings, **changes: Any) -> AsyncIterator[GraphQLClient]:
    """The API in-process under `settings` with some changed, e.g. `trusted_documents=True`."""
    app = create_app(settings.model_copy(update=changes), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://promoplan.test") as http:
        yield GraphQLClient(http)


def error_codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]
