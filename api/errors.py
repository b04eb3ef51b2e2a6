"""Request-level errors the client may see, and the policy that masks everything else."""

from __future__ import annotations

import logging
import re
from typing import ClassVar

from graphql import GraphQLError

from api import database_outage
from api.database_outage import is_database_unavailable

logger = logging.getLogger("promoplan.errors")

MASKED_MESSAGE = "Internal server error."


class PublicError(GraphQLError):
    """A GraphQL error meant for the client, carrying `extensions.code`."""

    code: ClassVar[str]

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": self.code})


class Unauthenticated(PublicError):
    code = "UNAUTHENTICATED"


class Forbidden(PublicError):
    code = "FORBIDDEN"


class BadRequest(PublicError):
    code = "BAD_REQUEST"


def is_internal(error: GraphQLError) -> bool:
    """True when a resolver raised something other than a deliberate GraphQL error."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def _coded(error: GraphQLError, code: str) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


def _replaced(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": code},
    )


def _masked(error: GraphQLError) -> GraphQLError:
    return _replaced(error, MASKED_MESSAGE, "INTERNAL_SERVER_ERROR")


def _unavailable(error: GraphQLError) -> GraphQLError:
    return _replaced(error, database_outage.MESSAGE, "SERVICE_UNAVAILABLE")


def public_error(error: GraphQLError) -> GraphQLError:
    """Mask internal errors; give every error an `extensions.code`.

    Errors without a path come from parsing or validation (syntax, unknown fields, the
    depth/alias/token limits): the request itself is bad.
    """
    if is_internal(error):
        if is_database_unavailable(error.original_error):
            return _unavailable(error)
        return _masked(error)
    if (error.extensions or {}).get("code"):
        return error
    return _coded(error, "BAD_REQUEST" if error.path is None else "INTERNAL_SERVER_ERROR")


_SUGGESTION = re.compile(r" Did you mean .*\?$")


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """Validation's "Did you mean …?" hints would spell out the schema to a stranger."""
    error.message = _SUGGESTION.sub("", error.message)
    return error


def log_internal_errors(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_internal(error) and is_database_unavailable(error.original_error):
            logger.warning("database unavailable at %s: %r", error.path, error.original_error)
        elif is_internal(error):
            logger.error("internal error at %s", error.path, exc_info=error.original_error)
