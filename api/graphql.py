"""The schema with its extensions, and the HTTP view that serves it."""

from __future__ import annotations

import re

import orjson
import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter
from strawberry.schema.config import StrawberryConfig
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionContext, ExecutionResult

from api import trusted_documents
from api.context import Context, build_context
from api.database_outage import DatabaseUnavailable, is_database_unavailable
from api.document_caches import DocumentParseCache, DocumentValidationCache
from api.errors import (
    BadRequest,
    PublicError,
    log_internal_errors,
    public_error,
    without_suggestions,
)
from api.introspection import IntrospectionPolicy
from api.level_execution import LevelExecutionContext
from api.limits import limit_extensions, nul_refusal
from api.query_cost import QueryCostLimit
from api.rate_limit import RequestBudget, budget_key
from api.request_log import current_record
from api.schema import Mutation, Query
from api.schema.scalars import SCALAR_MAP
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
        config=StrawberryConfig(relay_max_results=100, scalar_map=SCALAR_MAP),
        execution_context_class=LevelExecutionContext,
        extensions=[
            IntrospectionPolicy,
            *limit_extensions(),
            QueryCostLimit,
            DocumentParseCache,
            DocumentValidationCache,
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
        self.budget = RequestBudget(settings.rate_limit_per_minute)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request)
        try:
            return await build_context(request, self.settings)
        except Exception as exc:
            if is_database_unavailable(exc):
                raise DatabaseUnavailable from exc
            raise

    def decode_json(self, data: str | bytes) -> object:
        body = orjson.loads(data)
        # The view passes on only query, variables, operationName and extensions.
        if isinstance(body, dict) and isinstance(body.get("documentId"), str):
            extensions = body.get("extensions")
            body["extensions"] = {
                **(extensions if isinstance(extensions, dict) else {}),
                "documentId": body["documentId"],
            }
        return body

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        refusal = (
            self._over_budget(request, context, sub_response)
            or self._resolve_document(request_data, context)
            or nul_refusal(request_data.variables)
        )
        record = current_record()
        if record is not None:
            name = request_data.operation_name or _operation_name(request_data.query)
            # Client-chosen: bounded, so it cannot flood the log.
            record.operation = name[:100] if isinstance(name, str) else None
        if refusal is not None:
            result = ExecutionResult(data=None, errors=[refusal])
        else:
            try:
                result = await super().execute_single(
                    request, request_adapter, sub_response, context, root_value, request_data
                )
            finally:
                context.forget_rows()
        if record is not None and context.viewer is not None:
            # After execution: a login's log line names who signed in.
            record.viewer_id = context.viewer.user_id
            record.role = context.viewer.role.value
        return result

    def _over_budget(
        self, request: Request, context: Context, sub_response: Response
    ) -> PublicError | None:
        client = request.client.host if request.client else None
        wait = self.budget.take(budget_key(context.viewer, client))
        if wait is None:
            return None
        sub_response.status_code = 429
        sub_response.headers["Retry-After"] = str(wait)
        return RateLimited(f"Too many requests: try again in {wait} s.")

    def _resolve_document(self, data: GraphQLRequestData, context: Context) -> BadRequest | None:
        """Put a registered document in place of its ID; in trusted mode, refuse the rest."""
        registry = trusted_documents.registry()
        document_id = trusted_documents.requested_id(data.extensions or {})
        if document_id is not None:
            text = registry.text(document_id)
            if text is None:
                return DocumentNotFound(f"No registered document has the ID {document_id!r}.")
            data.query = text
        if not self.settings.trusted_documents or registry.holds(data.query or ""):
            return None
        if context.viewer is not None and context.viewer.is_admin:
            return None
        return UntrustedDocument(
            "This server runs only registered documents: send their documentId."
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # The one place every response passes: parse, validation and execution errors alike.
        if result.errors:
            result.errors = [public_error(error) for error in result.errors]
            if not self.settings.introspection:
                result.errors = [without_suggestions(error) for error in result.errors]
            record = current_record()
            if record is not None:
                record.error_codes = [
                    str((error.extensions or {}).get("code")) for error in result.errors
                ]
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> str | bytes:
        if self.settings.orjson_responses:
            return orjson.dumps(data)
        return super().encode_json(data)


class DocumentNotFound(BadRequest):
    code = "DOCUMENT_NOT_FOUND"


class UntrustedDocument(BadRequest):
    code = "TRUSTED_DOCUMENT_REQUIRED"


class RateLimited(PublicError):
    code = "RATE_LIMITED"


_OPERATION_NAME = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


def _operation_name(query: str | None) -> str | None:
    """The name of a document's first operation, for the log; None if anonymous."""
    match = _OPERATION_NAME.match(query or "")
    return match.group(1) if match else None


def sdl() -> str:
    return schema.as_str() + "\n"
