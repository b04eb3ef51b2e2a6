"""Schema change discipline: a change that breaks clients is refused unless what it removes
was deprecated first, the way large public GraphQL APIs evolve."""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql import (
    BreakingChangeType,
    GraphQLEnumType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    is_input_object_type,
    is_interface_type,
    is_object_type,
)

_REMOVED_FIELD = re.compile(r"^Field (\w+)\.(\w+) was removed\.$")
_REMOVED_VALUE = re.compile(r"^Enum value (\w+)\.(\w+) was removed\.$")


@dataclass(frozen=True)
class SchemaChange:
    kind: str
    description: str
    deprecated_first: bool

    def __str__(self) -> str:
        note = " (deprecated before: allowed)" if self.deprecated_first else ""
        return f"{self.kind}: {self.description}{note}"


def _was_deprecated(old: GraphQLSchema, kind: BreakingChangeType, description: str) -> bool:
    if kind is BreakingChangeType.FIELD_REMOVED and (match := _REMOVED_FIELD.match(description)):
        owner = old.get_type(match.group(1))
        if is_object_type(owner) or is_interface_type(owner) or is_input_object_type(owner):
            field = owner.fields.get(match.group(2))  # type: ignore[union-attr]
            return bool(field is not None and field.deprecation_reason)
    if kind is BreakingChangeType.VALUE_REMOVED_FROM_ENUM and (
        match := _REMOVED_VALUE.match(description)
    ):
        enum = old.get_type(match.group(1))
        if isinstance(enum, GraphQLEnumType):
            value = enum.values.get(match.group(2))
            return bool(value is not None and value.deprecation_reason)
    return False


def schema_changes(old_sdl: str, new_sdl: str) -> list[SchemaChange]:
    """Every change from old to new that would break a client written against old."""
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    return [
        SchemaChange(
            change.type.name,
            change.description,
            _was_deprecated(old, change.type, change.description),
        )
        for change in find_breaking_changes(old, new)
    ]


def breaking(changes: list[SchemaChange]) -> list[SchemaChange]:
    return [change for change in changes if not change.deprecated_first]
