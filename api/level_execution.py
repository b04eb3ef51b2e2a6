"""Queries executed level by level: each field resolved for all objects of a level at once.

graphql-core completes one value at a time, with a resolve info, an awaitable check and
often a coroutine for every field of every object (STACK-NOTES: ~11 µs a field, three
times that inside uvicorn on 3.11). An answer is a tree whose levels are lists of objects
under the same selection, so this executor walks it breadth first: plain attributes are
read straight off the objects, a field's arguments and resolve info are built once per
selection, and a level's resolver calls are awaited together (DataLoaders still batch a
level into one statement). What an operation prepares the same for every request -- the
fields collected at each selection, and the fields read off the object alone, with their
completers -- is kept with the operation (api/operation_plans.py); a later request prepares
only what depends on it: arguments, the viewer's permissions, resolvers bound to its context.

It takes only the common path: a query without @defer/@stream whose every field resolves
without an error and without a null in a non-null position. Anything else abandons the
attempt and the operation runs again on graphql-core, which answers with the proper
errors and partial data. Queries only read, so running one twice changes nothing; the
DataLoaders keep the rows already loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLAbstractType,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    OperationType,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
)
from graphql.execution.collect_fields import (
    CollectedFields,
    FieldDetailsList,
    GroupedFieldSet,
    collect_fields,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from api.level_fields import BatchReader, Refusal, field_reader, static_reader
from api.metrics import LEVEL_FALLBACKS
from api.operation_plans import OperationPlan, plan_of
from api.row_reads import attributes_read

# The objects of a level still to fill in, grouped by their type and selection (so each
# field is prepared once): each object with the answer it fills.
_Group = tuple[GraphQLObjectType, GroupedFieldSet, list[tuple[Any, dict[str, Any]]]]
_Level = dict[tuple[str, int], _Group]


class Abandon(Exception):
    """This operation leaves the common path; graphql-core runs it instead."""


@dataclass(frozen=True, slots=True)
class _Field:
    """One selection of one field on one parent type, prepared once per operation."""

    # The field's value (or an awaitable) on one object, or a level's values at once; see
    # api/level_fields.py.
    resolve: Callable[[Any], Any] | BatchReader
    # The value as it goes in the answer; objects are queued on the next level.
    complete: Callable[[Any, _Level], Any]
    # `resolve` never returns an awaitable (a plain attribute, a relay id).
    synchronous: bool
    # A value of exactly this type goes into the answer as it is, without `complete`
    # (text for a String or an ID, a bool for a Boolean); None: every value completes.
    passes: type | None = None


class LevelExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with queries tried level by level first."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        if self._in_levels(serially):
            return self._execute_in_levels(serially)
        return super().execute_operation(serially)

    def _in_levels(self, serially: bool | None) -> bool:
        settings = getattr(self.context_value, "settings", None)
        return (
            self.operation.operation is OperationType.QUERY
            and not serially
            and getattr(settings, "level_execution", False)
            and not getattr(self.middleware_manager, "_middleware_resolvers", None)
        )

    async def _execute_in_levels(self, serially: bool | None) -> Any:
        try:
            data = await _LevelRun(self).run()
        except Exception:
            LEVEL_FALLBACKS.inc()
            result = super().execute_operation(serially)
            return await result if self.is_awaitable(result) else result
        return self.finish(self.build_response(data))


class _LevelRun:
    def __init__(self, executor: LevelExecutionContext) -> None:
        self.executor = executor
        self.is_awaitable: Callable[[Any], bool] = executor.is_awaitable
        self.fields: dict[tuple[str, int], _Field] = {}
        self.static = _static_fields(executor.schema)
        self.plan: OperationPlan[_Field] | None = plan_of(
            executor.schema, executor.operation, executor.fragments, self._collect_root
        )

    def _collect_root(self) -> CollectedFields:
        executor = self.executor
        assert executor.schema.query_type is not None
        return collect_fields(
            executor.schema,
            executor.fragments,
            executor.variable_values,
            executor.schema.query_type,
            executor.operation,
            executor.hide_suggestions,
        )

    def _collect_below(self, kind: GraphQLObjectType, details: FieldDetailsList) -> CollectedFields:
        """The fields selected on `kind` below a field: from the plan, else collected."""
        if self.plan is None:
            return self.executor.collect_subfields(kind, details)
        return self.plan.collected_below(kind, details, self.executor.collect_subfields)

    async def run(self) -> dict[str, Any]:
        executor = self.executor
        root_type = executor.schema.query_type
        assert root_type is not None
        if self.plan is not None:
            selection = self.plan.root
        else:
            collected = self._collect_root()
            if collected.new_defer_usages:
                raise Abandon
            selection = collected.grouped_field_set
        data: dict[str, Any] = {}
        level: _Level = {
            (root_type.name, id(selection)): (root_type, selection, [(executor.root_value, data)])
        }
        try:
            while level:
                level = await self._run_level(level)
        finally:
            # The fields prepared for this request have closures referring back to this
            # run (the plan's never do); dropping them breaks the cycle, so the request's
            # rows and loaders are freed when it ends, not by a later garbage collection
            # (which found them all cyclic and took ~15% of a loaded server's time).
            self.fields.clear()
        return data

    async def _run_level(self, level: _Level) -> _Level:
        below: _Level = {}
        # (awaitable, field, the answers it fills, key); a batch fills one answer per value.
        waiting: list[tuple[Awaitable[Any], _Field, list[dict[str, Any]], str]] = []
        is_awaitable = self.is_awaitable
        try:
            for parent_type, selection, objects in level.values():
                for key, details in selection.items():
                    field = self._field(parent_type, key, details)
                    if field is None:
                        for _, answer in objects:
                            answer[key] = parent_type.name
                        continue
                    resolve, complete, passes = field.resolve, field.complete, field.passes
                    if isinstance(resolve, Refusal) and resolve.value is None:
                        # Refused silently: null on every object, completed once (on a
                        # non-null field that fails the same for all).
                        refused = complete(None, below)
                        for _, answer in objects:
                            answer[key] = refused
                        continue
                    if field.synchronous:
                        # With `passes` None no value's type is it, and every value completes.
                        for source, answer in objects:
                            value = resolve(source)  # type: ignore[operator]
                            answer[key] = value if type(value) is passes else complete(value, below)
                        continue
                    if isinstance(resolve, BatchReader):
                        answers = []
                        for _, answer in objects:
                            answer[key] = None  # holds the key's place in the answer
                            answers.append(answer)
                        waiting.append((resolve.load([s for s, _ in objects]), field, answers, key))
                        continue
                    for source, answer in objects:
                        value = resolve(source)
                        if is_awaitable(value):
                            answer[key] = None
                            waiting.append((value, field, [answer], key))
                        else:
                            answer[key] = complete(value, below)
        finally:
            # Even when a resolver failed: settle what started, so nothing runs on unseen.
            values = await asyncio.gather(*(w[0] for w in waiting), return_exceptions=True)
        for (_, field, answers, key), value in zip(waiting, values, strict=True):
            if isinstance(field.resolve, BatchReader):
                if isinstance(value, BaseException):
                    raise Abandon from value
                _complete_rows(field, answers, key, value, below)
            else:
                answers[0][key] = field.complete(value, below)
        return below

    def _field(
        self, parent_type: GraphQLObjectType, key: str, details: FieldDetailsList
    ) -> _Field | None:
        """The prepared field, or None for __typename."""
        cache_key = (parent_type.name, id(details))
        prepared = self.fields.get(cache_key)
        if prepared is not None:
            return prepared
        if self.plan is not None:
            prepared = self.plan.fields.get(cache_key)
            if prepared is not None:
                return prepared
        name = details[0].node.name.value
        if name == "__typename":
            return None
        prepared = self.static.get((parent_type.name, name)) or self._prepare(
            parent_type, key, details
        )
        # The details list lives as long as the run (or its plan), so its id is not reused
        # meanwhile.
        self.fields[cache_key] = prepared
        return prepared

    def _prepare(
        self, parent_type: GraphQLObjectType, key: str, details: FieldDetailsList
    ) -> _Field:
        node = details[0].node
        name = node.name.value
        definition = self.executor.schema.get_field(parent_type, name)
        if definition is None or name.startswith("__") or definition.resolve is None:
            raise Abandon
        shared = self._request_free(parent_type, name, definition, details)
        if shared is not None:
            return shared
        arguments = (
            get_argument_values(
                definition,
                node,
                self.executor.variable_values,
                details[0].fragment_variable_values,
                self.executor.hide_suggestions,
            )
            if definition.args or node.arguments
            else {}
        )
        info = self.executor.build_resolve_info(
            definition, [d.node for d in details], parent_type, Path(None, key, parent_type.name)
        )
        resolve, synchronous = field_reader(self.executor.schema, definition, info, arguments)
        if isinstance(resolve, BatchReader):
            resolve = self._narrowed(resolve, definition, details)
        complete = self._completer(definition.type, details, info)
        return _Field(resolve, complete, synchronous, _passing(definition.type))

    def _request_free(
        self,
        parent_type: GraphQLObjectType,
        name: str,
        definition: GraphQLField,
        details: FieldDetailsList,
    ) -> _Field | None:
        """The field prepared for every request when nothing of it depends on one: read by
        a static reader (api/level_fields.py) and completed without a resolve info (of no
        abstract type). Kept for every operation when of a leaf type; else with the
        operation's plan, since its completer holds the selection below it."""
        if (parent_type.name, name) in self.static:  # known to depend on the request
            return None
        named = get_named_type(definition.type)
        reader = static_reader(self.executor.schema, parent_type.name, definition)
        if reader is None or is_abstract_type(named):
            self.static[parent_type.name, name] = None
            return None
        complete = self._completer(definition.type, details, None)
        prepared = _Field(reader, complete, True, _passing(definition.type))
        if is_leaf_type(named):
            self.static[parent_type.name, name] = prepared
        elif self.plan is not None:
            self.plan.fields[parent_type.name, id(details)] = prepared
        return prepared

    def _narrowed(
        self, reader: BatchReader, definition: GraphQLField, details: FieldDetailsList
    ) -> BatchReader:
        """The batch reader loading rows with just the attributes the selection below it
        reads, where those are known (api/row_reads.py); a field refused to the viewer
        reads none."""
        kind = get_named_type(definition.type)
        if not isinstance(kind, GraphQLObjectType):
            return reader
        selection = self._collect_below(kind, details).grouped_field_set
        read = [field for key, field in selection.items() if not self._refused(kind, key, field)]
        attributes = attributes_read(self.executor.schema, kind, read)
        return reader if attributes is None else replace(reader, attributes=attributes)

    def _refused(self, parent_type: GraphQLObjectType, key: str, details: FieldDetailsList) -> bool:
        """Whether the viewer is refused the field silently. It is prepared now, which costs
        nothing later: the next level finds it prepared."""
        field = self._field(parent_type, key, details)
        return field is not None and isinstance(field.resolve, Refusal)

    def _completer(
        self, kind: GraphQLOutputType, details: FieldDetailsList, info: GraphQLResolveInfo | None
    ) -> Callable[[Any, _Level], Any]:
        """How a value of `kind` completes, decided once per selection. Only a value of an
        abstract type needs the resolve `info` (to resolve its type)."""
        if isinstance(kind, GraphQLNonNull):
            if is_leaf_type(kind.of_type):
                return _leaf_completer(kind.of_type, required=True)  # type: ignore[arg-type]
            if isinstance(kind.of_type, GraphQLObjectType):
                return self._object_completer(kind.of_type, details, required=True)
            inner = self._non_null_completer(kind.of_type, details, info)

            def required(value: Any, below: _Level) -> Any:
                if value is None or isinstance(value, BaseException):
                    raise Abandon
                return inner(value, below)

            return required
        if isinstance(kind, GraphQLObjectType):
            return self._object_completer(kind, details, required=False)
        if is_leaf_type(kind):
            return _leaf_completer(kind, required=False)  # type: ignore[arg-type]
        inner = self._non_null_completer(kind, details, info)

        def optional(value: Any, below: _Level) -> Any:
            if value is None or value is Undefined:
                return None
            if isinstance(value, BaseException):
                raise Abandon
            return inner(value, below)

        return optional

    def _non_null_completer(
        self, kind: GraphQLOutputType, details: FieldDetailsList, info: GraphQLResolveInfo | None
    ) -> Callable[[Any, _Level], Any]:
        if isinstance(kind, GraphQLList):
            objects = self._objects_completer(kind.of_type, details)
            if objects is not None:
                return objects
            item = self._completer(kind.of_type, details, info)

            def items(value: Any, below: _Level) -> list[Any]:
                if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
                    raise Abandon
                return [item(entry, below) for entry in value]

            return items
        if is_leaf_type(kind):
            return _leaf_completer(kind, required=False)  # type: ignore[arg-type]
        if isinstance(kind, GraphQLObjectType):
            return self._object_completer(kind, details, required=False)

        assert info is not None, "an abstract type's value is completed with the request's info"

        def object_value(value: Any, below: _Level) -> dict[str, Any]:
            object_type = self._runtime_type(kind, info, value) if is_abstract_type(kind) else kind
            assert isinstance(object_type, GraphQLObjectType)
            if (
                object_type.is_type_of is not None
                and object_type.is_type_of(value, info) is not True
            ):
                raise Abandon
            collected = self._collect_below(object_type, details)
            if collected.new_defer_usages:
                raise Abandon
            selection = collected.grouped_field_set
            return _pend(below, _group_key(object_type, selection), object_type, selection, value)

        return object_value

    def _object_completer(
        self,
        kind: GraphQLObjectType,
        details: FieldDetailsList,
        *,
        required: bool,
    ) -> Callable[[Any, _Level], Any]:
        """An object of a known type: its selection is collected once, not per object, and
        each object is queued for the next level in one call (a level holds thousands)."""
        selection, own_class, accepts = self._known_type(kind, details)
        group = _group_key(kind, selection)

        def object_value(value: Any, below: _Level) -> dict[str, Any] | None:
            if value is None or value is Undefined:
                if required:
                    raise Abandon
                return None
            if not isinstance(value, own_class) and not accepts(value):
                raise Abandon
            return _pend(below, group, kind, selection, value)

        return object_value

    def _objects_completer(
        self, item_kind: GraphQLOutputType, details: FieldDetailsList
    ) -> Callable[[Any, _Level], Any] | None:
        """A list of objects of a known type, completed in one loop; None for other lists."""
        required = isinstance(item_kind, GraphQLNonNull)
        kind = item_kind.of_type if isinstance(item_kind, GraphQLNonNull) else item_kind
        if not isinstance(kind, GraphQLObjectType):
            return None
        selection, own_class, accepts = self._known_type(kind, details)
        group = _group_key(kind, selection)

        def objects(value: Any, below: _Level) -> list[Any]:
            if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
                raise Abandon
            answers: list[Any] = []
            pending: list[tuple[Any, dict[str, Any]]] | None = None
            for entry in value:
                if entry is None:
                    if required:
                        raise Abandon
                    answers.append(None)
                    continue
                if not isinstance(entry, own_class) and not accepts(entry):
                    raise Abandon
                if pending is None:  # an empty list queues nothing, not even its type
                    pending = _queue(below, group, kind, selection)
                answer: dict[str, Any] = {}
                pending.append((entry, answer))
                answers.append(answer)
            return answers

        return objects

    def _known_type(
        self, kind: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[GroupedFieldSet, type | tuple[()], Callable[[Any], bool]]:
        """The selection on `kind`; the class whose instances complete as one; and whether
        a value not of that class may."""
        collected = self._collect_below(kind, details)
        if collected.new_defer_usages:
            raise Abandon
        # An instance of the type's class (or of its row view, api/schema/row_views.py)
        # passes strawberry's is_type_of: this code base uses no strawberry.cast, the one
        # thing that check looks at first. Any other value is left to graphql-core when the
        # type has an is_type_of, which is never asked here: asking needs a resolve info,
        # and a completer is kept across requests (api/operation_plans.py).
        own_class = _strawberry_class(kind) or ()
        unchecked = kind.is_type_of is None

        def accepts(value: Any) -> bool:
            # An exception is a failed resolver's, from the gather.
            return unchecked and not isinstance(value, BaseException)

        return collected.grouped_field_set, own_class, accepts

    def _runtime_type(self, kind: Any, info: GraphQLResolveInfo, value: Any) -> GraphQLObjectType:
        abstract: GraphQLAbstractType = kind
        resolve_type = abstract.resolve_type or self.executor.type_resolver
        name = resolve_type(value, info, abstract)
        runtime = self.executor.schema.get_type(name) if isinstance(name, str) else None
        if not isinstance(runtime, GraphQLObjectType):
            raise Abandon
        if not self.executor.schema.is_sub_type(abstract, runtime):
            raise Abandon
        return runtime


def _complete_rows(
    field: _Field, answers: list[dict[str, Any]], key: str, rows: list[Any], below: _Level
) -> None:
    """A batch field's loaded rows into their answers. A loader answers the same row for
    the same key, and a row under the same selection completes to the same answer, so a
    row met again shares the answer completed the first time: 100 appointments at 25
    stores complete 25 locations, each queued once for the next level."""
    convert, complete = field.resolve.batch.convert, field.complete  # type: ignore[union-attr]
    completed: dict[int, Any] = {}  # by id(row); `rows` keeps every row alive meanwhile
    for answer, row in zip(answers, rows, strict=True):
        done = completed.get(id(row), _NOT_YET)
        if done is _NOT_YET:
            done = completed[id(row)] = complete(convert(row), below)
        answer[key] = done


_NOT_YET = object()


# Per schema, by (type, field): the leaf fields prepared once for all requests and
# operations; None for a field prepared per request.
_STATIC_FIELDS: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], _Field | None]] = (
    WeakKeyDictionary()
)


def _static_fields(schema: GraphQLSchema) -> dict[tuple[str, str], _Field | None]:
    fields = _STATIC_FIELDS.get(schema)
    if fields is None:
        fields = _STATIC_FIELDS[schema] = {}
    return fields


def _group_key(kind: GraphQLObjectType, selection: GroupedFieldSet) -> tuple[str, int]:
    """Where the objects of `kind` under `selection` wait in a level (computed once per
    completer, not per object)."""
    return kind.name, id(selection)


def _queue(
    below: _Level, group: tuple[str, int], kind: GraphQLObjectType, selection: GroupedFieldSet
) -> list[tuple[Any, dict[str, Any]]]:
    """The next level's objects of `kind` under `selection`, each with its answer."""
    waiting = below.get(group)
    if waiting is None:
        waiting = below[group] = (kind, selection, [])
    return waiting[2]


def _pend(
    below: _Level,
    group: tuple[str, int],
    kind: GraphQLObjectType,
    selection: GroupedFieldSet,
    value: Any,
) -> dict[str, Any]:
    """Queue `value` for the next level; its answer, filled in then."""
    answer: dict[str, Any] = {}
    _queue(below, group, kind, selection).append((value, answer))
    return answer


def _strawberry_class(kind: GraphQLObjectType) -> type | None:
    """The class a strawberry object type is declared as (a generic's own class)."""
    definition = (kind.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None:
        return None
    generic = getattr(definition, "concrete_of", None)
    return (generic or definition).origin


def _passing(kind: GraphQLOutputType) -> type | None:
    """The type of value a leaf of `kind` serializes as itself, if any (graphql-core's
    serialize_string and serialize_id return text unchanged, serialize_boolean a bool)."""
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    if kind is GraphQLString or kind is GraphQLID:
        return str
    if kind is GraphQLBoolean:
        return bool
    return None


def _leaf_completer(
    kind: GraphQLScalarType | GraphQLEnumType, *, required: bool
) -> Callable[[Any, Any], Any]:
    """A scalar or enum as graphql-core serializes it; see `_passing` for what passes."""
    coerce = kind.coerce_output_value
    passes = _passing(kind)
    if isinstance(kind, GraphQLEnumType):
        coerce = _remembered(coerce)
    elif coerce is datetime.isoformat:
        coerce = _remembered_instances(coerce)

    def leaf(value: Any, _below: Any) -> Any:
        if type(value) is passes:
            return value
        if value is None or value is Undefined or isinstance(value, BaseException):
            if required or isinstance(value, BaseException):
                raise Abandon
            return None
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise Abandon
        return coerced

    return leaf


def _remembered(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An enum's serialization, looked up once per member (a few per enum)."""
    names: dict[Any, Any] = {}

    def name_of(value: Any) -> Any:
        try:
            return names[value]
        except KeyError:
            name = names[value] = coerce(value)
            return name
        except TypeError:  # unhashable: not a member, coerce says what it is
            return coerce(value)

    return name_of


def _remembered_instances(coerce: Callable[[Any], Any], size: int = 4096) -> Callable[[Any], Any]:
    """A datetime's text, remembered per object: records share the datetimes they convert
    (api/records.py), so a page's few points in time print once. Per object and not per
    value, since equal datetimes in different zones print differently; each entry keeps
    its object, so an id is never mistaken for a later object's."""
    seen: dict[int, tuple[Any, Any]] = {}

    def text_of(value: Any) -> Any:
        entry = seen.get(id(value))
        if entry is not None and entry[0] is value:
            return entry[1]
        text = coerce(value)
        if len(seen) >= size:
            seen.clear()
        seen[id(value)] = (value, text)
        return text

    return text_of
