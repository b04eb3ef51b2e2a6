"""Which attributes of a row a query's selection reads, so its rows can be loaded with just
those columns.

A batch field's rows become row views (api/schema/row_views.py) whose fields read the row
on access. When every field a query selects on such a type reads a known attribute -- a
data field, the relay id, a batch field's key -- the level executor asks the field's
loader for narrow rows (api/loaders.py's RowLoader): ProjectOverview reads 2 of a
promoter's 11 columns for 625 promoters. Any other field (a resolver of its own, a
permission the viewer passes) leaves the rows whole; a field the viewer is refused
silently reads nothing (a customer's ProjectAppointments asks for promoters' phones and
reads their names only). Reading a column a narrow row was loaded without raises
(api/records.py), so a wrong guess costs a rerun on graphql-core, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema
from graphql.execution.collect_fields import FieldDetailsList
from strawberry.schema.schema_converter import GraphQLCoreConverter

from api.batch_fields import batch_of
from api.level_fields import relay_id_attribute, strawberry_field


def attributes_read(
    schema: GraphQLSchema, kind: GraphQLObjectType, selection: Iterable[FieldDetailsList]
) -> frozenset[str] | None:
    """The row attributes the fields of `selection` on `kind` read, or None when that is
    not known for every field. A field the viewer is refused silently reads nothing: leave
    it out of `selection`."""
    names = frozenset(details[0].node.name.value for details in selection)
    return _attributes_of(schema, kind, names)


# What a selection reads depends on its type and field names alone: worked out once for
# all requests (bounded, since any client may select any set of fields).
@lru_cache(maxsize=4096)
def _attributes_of(
    schema: GraphQLSchema, kind: GraphQLObjectType, names: frozenset[str]
) -> frozenset[str] | None:
    definition = (kind.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None)
    sources: dict[str, str] | None = getattr(origin, "row_sources", None)
    if sources is None:
        return None
    read: set[str] = set()
    for name in names - {"__typename"}:
        view_attributes = _view_attributes(schema, kind, name)
        if view_attributes is None:
            return None
        for view_attribute in view_attributes:
            source = sources.get(view_attribute)
            if not source:  # not a field of the row, or the row itself
                return None
            read.add(source.partition(".")[0])
    return frozenset(read)


def _view_attributes(
    schema: GraphQLSchema, kind: GraphQLObjectType, name: str
) -> Iterable[str] | None:
    """The attributes of the row view the field `name` reads, or None when unknown."""
    field = strawberry_field(schema, kind.fields[name])
    if field is None or field.extensions:
        return None
    resolver = field.base_resolver
    if resolver is None:
        return (field.python_name,)
    strawberry_schema = schema._strawberry_schema  # type: ignore[attr-defined]
    id_attribute = relay_id_attribute(strawberry_schema, field, kind.name)
    if id_attribute is not None:
        return (id_attribute,)
    batch = batch_of(resolver.wrapped_func)
    return None if batch is None else _key_reads(batch.key)


class _Recorder:
    """Stands in for an object and notes the attributes read off it."""

    def __init__(self) -> None:
        self.noted: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.noted.append(name)
        return _OPAQUE


_OPAQUE = object()


@cache
def _key_reads(key: Callable[[Any], Any]) -> tuple[str, ...] | None:
    """The attributes a batch field's key reads off its object (`lambda self:
    self.store_id` reads store_id); None for a key that does more than read attributes."""
    recorder = _Recorder()
    try:
        key(recorder)
    except Exception:
        return None
    return tuple(recorder.noted)
