"""Limits on what one request may ask for, reported as BAD_REQUEST.

The contract's deepest operation (ProjectReports) has 9 field levels; clients may send a
whole client document (all its operations) with an operationName, hence the token limit.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationContext, ValidationRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from api.errors import BadRequest

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


NUL_MESSAGE = "Text may not contain the NUL character (U+0000)."


def holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False


def nul_refusal(variables: dict[str, Any] | None) -> BadRequest | None:
    """PostgreSQL text cannot hold U+0000, and no one means to send it."""
    return BadRequest(NUL_MESSAGE) if holds_nul(variables) else None


class NoNulInStrings(ValidationRule):
    """The same for string literals written in the query itself."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(NUL_MESSAGE, node))


LIMIT_RULES: list[type[ValidationRule]] = [
    # Strawberry counts the root field as depth 0.
    bad_request_rule(depth_rule(MAX_FIELD_LEVELS - 1, None)),
    bad_request_rule(alias_rule(MAX_ALIASES)),
    bad_request_rule(NoNulInStrings),
]


def limit_extensions() -> list[type[SchemaExtension] | Any]:
    return [
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
