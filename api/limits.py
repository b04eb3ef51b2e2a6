"""Limits on what one request may ask for, reported as BAD_REQUEST.

The contract's deepest operation (ProjectReports) has 9 field levels; clients may send a
whole client document (all its operations) with an operationName, hence the token limit.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, ValidationContext, ValidationRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

MAX_FIELD_LEVELS = 10
MAX_ALIASES = 30
MAX_TOKENS = 6000


class _CodedContext:
    """A validation context whose reported errors carry `extensions.code`."""

    def __init__(self, context: ValidationContext, code: str) -> None:
        self._context = context
        self._code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": self._code}
        self._context.report_error(error)


def bad_request_rule(rule: type[ValidationRule]) -> type[ValidationRule]:
    class BadRequestRule(rule):  # type: ignore[valid-type, misc]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_CodedContext(context, "BAD_REQUEST"))  # type: ignore[arg-type]

    return BadRequestRule


LIMIT_RULES: list[type[ValidationRule]] = [
    # Strawberry counts the root field as depth 0.
    bad_request_rule(depth_rule(MAX_FIELD_LEVELS - 1, None)),
    bad_request_rule(alias_rule(MAX_ALIASES)),
]


def limit_extensions() -> list[type[SchemaExtension] | Any]:
    return [
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
