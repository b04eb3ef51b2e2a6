"""How the level executor reads a field off an object: what strawberry's resolver wrapper
does for every object (an Info, argument conversion, field extensions), done once per
selection instead.

A field declared `@batched` (api/batch_fields.py) is read for a whole level at once.
A field with permission extensions is decided once when each permission says it looks at
the viewer only (`viewer_only`): allowed, the field is read like one without extensions;
refused silently, it is that null or empty list on every object. Anything else -- another
extension, exception handlers, a permission that looks at the object -- goes through
strawberry's own wrapper, object by object.
"""

from __future__ import annotations

from binascii import b2a_base64
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any

from graphql import GraphQLField, GraphQLResolveInfo, GraphQLSchema
from strawberry.permission import PermissionExtension
from strawberry.relay import Node
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from api.batch_fields import Batch, batch_of

Reader = Callable[[Any], Any]


class Refused(Exception):
    """A permission refuses the field with an error: graphql-core must answer it."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """The reader of a field a permission refuses silently: the same null or empty list on
    every object, read off none of them."""

    value: Any

    def __call__(self, _source: Any) -> Any:
        return self.value


@dataclass(frozen=True, slots=True)
class BatchReader:
    """A field declared `@batched`: its values for many objects with one `load_many`."""

    batch: Batch
    info: Info
    # The attributes the selection reads of each row, when known (api/row_reads.py): the
    # rows may hold just those.
    attributes: frozenset[str] | None = None

    async def load(self, sources: list[Any]) -> list[Any]:
        """The loaded row of each source, None where its key is None."""
        loader = self.batch.loader(self.info.context.loaders)
        if self.attributes is not None:
            loader = loader.narrowed(self.attributes)
        keys = [self.batch.key(source) for source in sources]
        if None not in keys:
            return await loader.load_many(keys)
        rows = iter(await loader.load_many([key for key in keys if key is not None]))
        return [None if key is None else next(rows) for key in keys]


def field_reader(
    schema: GraphQLSchema,
    definition: GraphQLField,
    info: GraphQLResolveInfo,
    arguments: dict[str, Any],
) -> tuple[Reader | BatchReader, bool]:
    """The function giving the field's value (or awaitable) for one object, or for a
    batched field the reader loading a whole level; and whether its values are never
    awaitable (a plain attribute, a relay id, a refused field's constant)."""
    wrapper: Reader = partial(definition.resolve, info=info, **arguments)  # type: ignore[arg-type]
    field = strawberry_field(schema, definition)
    if field is None:
        return wrapper, False
    strawberry_schema = schema._strawberry_schema  # type: ignore[attr-defined]
    converter = strawberry_schema.schema_converter
    strawberry_info = strawberry_schema.config.info_class(_raw_info=info, _field=field)
    kwargs = convert_arguments(
        arguments, field.arguments, converter.scalar_registry, strawberry_schema.config,
        strawberry_info,
    )  # fmt: skip
    if field.extensions:
        if not _decided_by_viewer(field):
            return wrapper, False
        refusal = _refusal(field, strawberry_info, kwargs)
        if refusal is not _PERMITTED:
            return Refusal(refusal), True
    if field.base_resolver is None:
        return attrgetter(field.python_name), True
    batch = batch_of(field.base_resolver.wrapped_func)
    if batch is not None:
        return BatchReader(batch, strawberry_info), False
    relay_id = _global_id(strawberry_schema, field, info.parent_type.name)
    if relay_id is not None:
        return relay_id, True
    return _direct_call(field, strawberry_info, kwargs), False


def static_reader(
    schema: GraphQLSchema, parent_type_name: str, definition: GraphQLField
) -> Reader | None:
    """The reader of a field whose value depends on the object alone -- a plain attribute
    or a relay id, without arguments or extensions -- so one reader serves every request;
    None for any other field."""
    field = strawberry_field(schema, definition)
    if field is None or field.extensions or definition.args:
        return None
    if field.base_resolver is None:
        return attrgetter(field.python_name)
    strawberry_schema = schema._strawberry_schema  # type: ignore[attr-defined]
    return _global_id(strawberry_schema, field, parent_type_name)


def strawberry_field(schema: GraphQLSchema, definition: GraphQLField) -> StrawberryField | None:
    """The strawberry field behind `definition`, None when strawberry's wrapper must run
    (not a strawberry field, or exception handlers apply to it)."""
    field = (definition.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField):
        return None
    converter = schema._strawberry_schema.schema_converter  # type: ignore[attr-defined]
    if converter._get_field_exception_handlers(field):
        return None
    return field


def _node_method(name: str) -> Any:
    return getattr(Node, name).__func__


_NODE_ID_RESOLVER = next(
    field.base_resolver.wrapped_func.__func__  # type: ignore[union-attr]
    for field in Node.__strawberry_definition__.fields  # type: ignore[attr-defined]
    if field.python_name == "_id"
)


def relay_id_attribute(
    strawberry_schema: Any, field: StrawberryField, type_name: str
) -> str | None:
    """The attribute a relay node's `id` is made of, when the field is Node's own `id` and
    the type keeps Node's resolve_id and resolve_typename; else None."""
    resolver = field.base_resolver
    if resolver is None:
        return None
    if getattr(resolver.wrapped_func, "__func__", None) is not _NODE_ID_RESOLVER:
        return None
    definition = strawberry_schema.get_type_by_name(type_name)
    origin = getattr(definition, "origin", None)
    if not isinstance(origin, type) or not issubclass(origin, Node):
        return None
    for method in ("resolve_id", "resolve_typename"):
        if getattr(origin, method).__func__ is not _node_method(method):
            return None
    return origin.resolve_id_attr()


def _global_id(strawberry_schema: Any, field: StrawberryField, type_name: str) -> Reader | None:
    """A relay node's `id` as strawberry's Node._id computes it -- base64 of "Type:id"."""
    id_attribute = relay_id_attribute(strawberry_schema, field, type_name)
    if id_attribute is None:
        return None
    prefix = f"{type_name}:"

    def read(source: Any) -> str:
        node_id = getattr(source, id_attribute)
        if node_id is None:
            raise Refused  # strawberry fails on it; graphql-core answers
        return b2a_base64(f"{prefix}{node_id}".encode(), newline=False).decode()

    return read


_PERMITTED = object()


def _decided_by_viewer(field: StrawberryField) -> bool:
    return all(
        isinstance(extension, PermissionExtension)
        and all(getattr(permission, "viewer_only", False) for permission in extension.permissions)
        for extension in field.extensions
    )


def _refusal(field: StrawberryField, info: Info, kwargs: dict[str, Any]) -> Any:
    """_PERMITTED, or what every object answers when a permission refuses silently."""
    for extension in field.extensions:
        assert isinstance(extension, PermissionExtension)
        for permission in extension.permissions:
            if permission.has_permission(None, info, **kwargs) is True:
                continue
            if not extension.fail_silently:
                raise Refused
            return [] if extension.return_empty_list else None
    return _PERMITTED


def _direct_call(field: StrawberryField, info: Info, kwargs: dict[str, Any]) -> Reader:
    """The resolver with its arguments bound, passed the object as strawberry would."""
    resolver = field.base_resolver
    assert resolver is not None
    if resolver.info_parameter is not None:
        kwargs = {**kwargs, resolver.info_parameter.name: info}
    source_names = [p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p]
    function = resolver.wrapped_func
    if resolver.self_parameter is not None and not source_names:
        return lambda source: function(source, **kwargs)
    if not source_names:
        return lambda _source: function(**kwargs)

    def call(source: Any) -> Any:
        named = {**kwargs, **dict.fromkeys(source_names, source)}
        return function(source, **named) if resolver.self_parameter else function(**named)

    return call
