"""Plain records instead of Tortoise model instances, for rows that are only read.

Nested fields read thousands of rows per answer. A Tortoise instance costs a converter call
per column and an overridden `__setattr__` on creation; a record is the driver's row kept
as a tuple, whose attributes convert on access exactly as the model would (Tortoise's own
converters, chosen per dialect) and which carries the model's properties and methods. A
column nobody reads is never converted; a narrow record (`by_column(..., selected=...)`)
is not even selected with the columns a query does not read (api/row_reads.py).

Lookups by key use SQL text built once per model and column: SQLite gets the keys as one
JSON array (`json_each`), PostgreSQL as one array (`= ANY($1)`), so neither the text nor
the database's cached plan depends on the number of keys.

With PROMOPLAN_PLAIN_ROWS off (to measure what records save) the same functions answer
with model instances; each request sets `plain_rows` from its settings.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from functools import cache, lru_cache, partial
from operator import itemgetter
from typing import Any

import orjson
from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Criterion, ValueWrapper
from tortoise.fields.base import Field
from tortoise.fields.data import CharEnumFieldInstance, DatetimeField, IntEnumFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api.sql_templates import statement

plain_rows: ContextVar[bool] = ContextVar("plain_rows", default=True)


class Record(tuple[Any, ...]):
    """A row of `_model`; see `record_type`."""

    __slots__ = ()
    _model: type[Model]
    _columns: tuple[str, ...]

    def __repr__(self) -> str:
        return f"<{self._model.__name__} record {self.pk!r}>"


def _converting(index: int, convert: Callable[[Any], Any]) -> property:
    return property(lambda row: convert(row[index]))


def _enum_member(index: int, field: CharEnumFieldInstance | IntEnumFieldInstance) -> property:
    """The converter's answer (`enum_type(value)`) by a dict lookup, for the stored values."""
    members = field.enum_type._value2member_map_
    convert = field.to_python_value

    def read(row: Record) -> Any:
        value = row[index]
        member = members.get(value, _NOT_A_MEMBER)
        return convert(value) if member is _NOT_A_MEMBER else member

    return property(read)


_NOT_A_MEMBER = object()


@cache  # one per field, shared by the field's whole and narrow record types
def _remembered_datetimes(field: DatetimeField) -> Callable[[Any], Any]:
    """The field's converter, remembering its recent answers: a page's rows share a few
    dozen points in time (appointments start on the hour), and parsing SQLite's text into
    an aware datetime costs ~20 times a lookup. The answer depends on the value alone (the
    time zone is fixed at start-up), and a datetime is immutable, so records share it."""
    return lru_cache(maxsize=4096)(field.to_python_value)


def _native(index: int) -> property:
    """A column the driver answers as the model's value."""
    return property(itemgetter(index))


def _complex_reader(field: Field[Any]) -> Callable[[int], property]:
    """How a column the model converts itself is read at an index."""
    if isinstance(field, CharEnumFieldInstance | IntEnumFieldInstance):
        return partial(_enum_member, field=field)
    if isinstance(field, DatetimeField):
        return partial(_converting, convert=_remembered_datetimes(field))
    return partial(_converting, convert=field.to_python_value)


def _unselected(model: type[Model], attribute: str) -> property:
    def read(row: Record) -> Any:
        raise ColumnNotSelected(f"{model.__name__}.{attribute} was not selected")

    return property(read)


def _typed(index: int, field_type: type) -> property:
    def read(row: Record) -> Any:
        value = row[index]
        return None if value is None else field_type(value)

    return property(read)


def _model_behaviour(model: type[Model]) -> dict[str, Any]:
    """The model's own properties and methods (not Tortoise's), for code that reads a
    record as it would read an instance."""
    own: dict[str, Any] = {}
    for cls in reversed(model.__mro__):
        if cls is object or cls.__module__.startswith("tortoise."):
            continue
        for name, value in vars(cls).items():
            if name.startswith("__") or name in ("Meta", "_meta"):
                continue
            if isinstance(value, property | staticmethod | classmethod) or inspect.isfunction(
                value
            ):
                own[name] = value
    return own


def record_type(model: type[Model]) -> type[Record]:
    """The record class of `model`: column i of the selected row is attribute i."""
    return _record_type(model, _dialect(model))


class ColumnNotSelected(Exception):
    """A narrow record's column that was not selected was read. Not an AttributeError, so
    no `getattr(row, name, default)` can take it for a missing attribute."""


def narrow_columns(model: type[Model], attributes: frozenset[str]) -> frozenset[str] | None:
    """The columns holding `attributes` of `model` and its primary key, for `by_column`'s
    `selected`; None when one of them is not a column (a property of the model)."""
    projection = model._meta.fields_db_projection
    if not attributes <= projection.keys():
        return None
    return frozenset(projection[name] for name in attributes | {model._meta.pk_attr})


# Bounded: a narrow record type is made per set of columns queries select, and any
# client may send queries selecting any set (the whole-row types are used by every request
# and stay).
@lru_cache(maxsize=1024)
def _record_type(
    model: type[Model], dialect: str, selected: frozenset[str] | None = None
) -> type[Record]:
    # Which columns the driver converts itself depends on the database (Tortoise decides
    # per dialect); a process may meet more than one (the tests do).
    meta = model._meta
    namespace: dict[str, Any] = _model_behaviour(model)
    columns: list[str] = []

    def place(column: str, attribute: str, reader: Callable[[int], property]) -> None:
        if selected is not None and column not in selected:
            namespace[attribute] = _unselected(model, attribute)
            return
        namespace[attribute] = reader(len(columns))
        columns.append(column)

    for column, attribute, _field in meta.db_native_fields:
        place(column, attribute, _native)
    for column, attribute, field in meta.db_default_fields:
        place(column, attribute, partial(_typed, field_type=field.field_type))
    for column, attribute, field in meta.db_complex_fields:
        place(column, attribute, _complex_reader(field))
    namespace.update(
        __slots__=(), _model=model, _columns=tuple(columns), pk=namespace[meta.pk_attr]
    )
    narrow = "" if selected is None else "Narrow"
    return type(f"{model.__name__}{narrow}Record", (Record,), namespace)


def columns(model: type[Model]) -> tuple[str, ...]:
    """The columns a record of `model` is made of, in order: what a statement written for
    `from_rows` selects first."""
    return record_type(model)._columns


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dialect(model: type[Model]) -> str:
    return str(model._meta.db.capabilities.dialect)


@lru_cache(maxsize=1024)
def _select_by(
    model: type[Model],
    dialect: str,
    column: str,
    order: tuple[str, ...],
    selected: frozenset[str] | None,
) -> str:
    meta = model._meta
    names = _record_type(model, dialect, selected)._columns
    keys = _among_keys(_quoted(column), "$1" if dialect == "postgres" else "?", dialect)
    ordering = ", ".join(_quoted(meta.fields_db_projection[name]) for name in order)
    sql = f"SELECT {', '.join(map(_quoted, names))} FROM {_quoted(meta.db_table)} WHERE {keys}"
    return f"{sql} ORDER BY {ordering}" if ordering else sql


async def by_column(
    model: type[Model],
    column: str,
    keys: Sequence[Any],
    order: tuple[str, ...] = (),
    selected: frozenset[str] | None = None,
) -> list[Any]:
    """Records whose `column` is one of `keys`, ordered by the model fields `order`. With
    `selected` (which must hold the primary key and `column`), narrow records of just those
    columns: reading another raises ColumnNotSelected."""
    unique = list(dict.fromkeys(keys))
    if not plain_rows.get():
        return await model.filter(**{f"{column}__in": unique}).order_by(*order)
    dialect = _dialect(model)
    record = _record_type(model, dialect, selected)
    sql = _select_by(model, dialect, column, order, selected)
    _, rows = await model._meta.db.execute_query(sql, [_keys_parameter(unique, dialect)])
    return [record(row) for row in rows]


def from_rows(model: type[Model], rows: Sequence[Any]) -> list[Any]:
    """Records of rows from a statement written for them: each row begins with
    `columns(model)`, in that order (more columns may follow)."""
    record = record_type(model)
    width = len(record._columns)
    if plain_rows.get():
        return [record(tuple(row)[:width]) for row in rows]
    named = (dict(zip(record._columns, tuple(row)[:width], strict=True)) for row in rows)
    return [model._init_from_db(**columns) for columns in named]


def _among_keys(column: str, placeholder: str, dialect: str) -> str:
    """SQL for `column` being one of the keys in the parameter `placeholder`."""
    if dialect == "postgres":
        return f"{column} = ANY({placeholder})"
    return f"{column} IN (SELECT value FROM json_each({placeholder}))"


def _keys_parameter(keys: list[Any], dialect: str) -> Any:
    """One parameter whatever the number of keys: an array, or a JSON array for SQLite."""
    return keys if dialect == "postgres" else orjson.dumps(keys).decode()


async def fetch(queryset: QuerySet[Any]) -> list[Any]:
    """Records of a queryset's rows: Tortoise builds the statement, the rows stay plain.
    A queryset of more or less than whole rows (annotations, related rows, prefetches,
    `only`) or of one row (`first`, `get`) gives what awaiting it gives."""
    if not (_whole_rows(queryset) and plain_rows.get()):
        return await queryset
    return await _records(queryset)


async def fetch_keyed(queryset: QuerySet[Any], column: str, keys: Sequence[Any]) -> list[Any]:
    """`fetch(queryset.filter(<column>__in=keys))`, with the keys as one parameter (see
    `by_column`): Tortoise renders the rest of the statement, not a parameter per key."""
    unique = list(dict.fromkeys(keys))
    if not (_whole_rows(queryset) and plain_rows.get()):
        return await queryset.filter(**{f"{column}__in": unique})
    model = queryset.model
    keyed = _KeysIn(model._meta.db_table, column, unique, _dialect(model))
    return await _records(queryset, keyed)


def _whole_rows(queryset: QuerySet[Any]) -> bool:
    return not (
        queryset._annotations
        or queryset._select_related
        or queryset._fields_for_select
        or queryset._prefetch_map
        or queryset._prefetch_queries
        or queryset._single
    )


async def _records(queryset: QuerySet[Any], condition: _KeysIn | None = None) -> list[Any]:
    """What awaiting the queryset would run, without building an instance per row."""
    record = record_type(queryset.model)
    found = statement(queryset, condition)
    _, rows = await queryset._db.execute_query(found.sql, found.parameters)
    if rows and tuple(rows[0].keys()) != record._columns:
        by_name = itemgetter(*record._columns)
        return [record(by_name(row)) for row in rows]
    return [record(row) for row in rows]


async def count(queryset: QuerySet[Any]) -> int:
    """`await queryset.count()`, its SQL text rendered once per shape (api/sql_templates.py)."""
    counting = queryset.count()
    found = statement(counting, None)
    _, rows = await counting._db.execute_query(found.sql, found.parameters)
    return int(rows[0][0])


class _KeysIn(Criterion):
    """`<table>.<column> IN <keys>`, the keys one parameter (an array or a JSON array)."""

    def __init__(self, table: str, column: str, keys: list[Any], dialect: str) -> None:
        super().__init__()
        self.table, self.name = table, column
        self.column = f"{_quoted(table)}.{_quoted(column)}"
        self.dialect = dialect
        parameter = _keys_parameter(keys, dialect)
        self.keys = ValueWrapper(parameter)
        # For api/sql_templates.py: the text depends on the column alone.
        self.shape = ("keys", self.column)
        self.parameters = [parameter]

    def probe(self, number: int) -> _KeysIn:
        return _KeysIn(self.table, self.name, [number], self.dialect)

    def get_sql(self, ctx: SqlContext) -> str:
        return _among_keys(self.column, self.keys.get_sql(ctx), self.dialect)
