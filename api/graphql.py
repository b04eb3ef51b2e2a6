"""The schema with its extensions, and the HTTP view that serves it."""

from __future__ import annotations

import orjson
import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.config import StrawberryConfig
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionContext, ExecutionResult

from api.context import Context, build_context
from api.errors import log_internal_errors, public_error
from api.limits import limit_extensions
from api.schema import Mutation, Query
from api.settings import Settings


class PromoplanSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Expected errors (bad requests, permissions) are the client's business; log the rest.
        log_internal_errors(errors)


def build_schema() -> PromoplanSchema:
    return PromoplanSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(relay_max_results=100),
        extensions=[
            *limit_extensions(),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
    )


schema = build_schema()


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=False,
            # The legacy graphql-ws protocol had an auth bypass; we serve no subscriptions yet.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request)
        return await build_context(request, self.settings)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # The one place every response passes: parse, validation and execution errors alike.
        if result.errors:
            result.errors = [public_error(error) for error in result.errors]
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def sdl() -> str:
    return schema.as_str() + "\n"
