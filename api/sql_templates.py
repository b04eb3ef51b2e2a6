"""A queryset's SQL text, rendered by Tortoise once per shape.

Tortoise renders a statement anew for every queryset: for a customer's page of
appointments and its count, with the scoping subqueries, about 1.5 ms a request, more than
the database takes to answer. The text depends only on the queryset's shape -- the model,
each filter's key and nesting, what kind of value it compares with (a list's length, a
subquery's own shape, the value itself where it may be no parameter: None, a bool, an enum
member), the ordering, whether there is a limit -- and the parameters are the filters'
values, encoded as Tortoise encodes them, in the order the text names them.

That order is learned, not assumed. The first queryset of a shape is copied with a
different probe value in place of each parameter's value, and Tortoise renders the copy:
its text is kept only if its parameters are exactly the probes in the order `_Shape`
walks them. As the probes all differ, none can have been taken for another. A shape this
module cannot describe (expressions, annotations, related rows, a relation compared with
an instance) or whose parameters come out otherwise (a LIKE pattern made of the value) is
rendered by Tortoise every time, as before.

With `CHECK` on (the test suite does), every statement made from a kept text is rendered
by Tortoise too, and a difference raises.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

from pypika_tortoise.context import SqlContext
from tortoise.expressions import Q, Subquery
from tortoise.fields.base import Field
from tortoise.models import Model
from tortoise.queryset import AwaitableQuery, CountQuery, QuerySet, ValuesQuery

CHECK = False
# Shapes come from the code's own queries; lists of a client-given length make more.
_LIMIT = 1024
# Per (dialect, shape): the text, or None where Tortoise renders every time.
_kept: OrderedDict[Hashable, str | None] = OrderedDict()


class Unshaped(Exception):
    """The query holds something whose effect on the text this module does not know."""


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    parameters: list[Any]


class Condition(Protocol):
    """A pypika criterion to AND to a query's own, knowing its shape and parameters."""

    shape: Hashable
    parameters: list[Any]

    def get_sql(self, ctx: SqlContext) -> str: ...

    def probe(self, number: int) -> Condition:
        """The same condition with a parameter made of `number`, different from any other
        number's."""
        ...


def statement(query: AwaitableQuery[Any], condition: Condition | None = None) -> Statement:
    """The SQL and parameters Tortoise would run for `query` (a QuerySet of whole rows or a
    CountQuery) with `condition` added, its text rendered once per shape."""
    query._choose_db_if_not_chosen()
    walk = _Shape()
    try:
        shape, _ = walk.query(query, condition)
    except Unshaped:
        return _rendered(query, condition)
    key = (str(query._db.capabilities.dialect), shape)
    if key in _kept:
        _kept.move_to_end(key)
    else:
        _kept[key] = _learned(query, condition)
        while len(_kept) > _LIMIT:
            _kept.popitem(last=False)
    sql = _kept[key]
    if sql is None:
        return _rendered(query, condition)
    found = Statement(sql, walk.values)
    if CHECK and found != (rendered := _rendered(query, condition)):
        raise AssertionError(f"kept SQL differs from Tortoise's: {found} != {rendered}")
    return found


def _rendered(query: AwaitableQuery[Any], condition: Condition | None) -> Statement:
    query._choose_db_if_not_chosen()
    # A CountQuery does not forget the tables it joined the last time: made again, it
    # would take them for joined and leave the joins out.
    query._joined_tables = []
    query._make_query()
    built = query.query if condition is None else query.query.where(condition)
    sql, parameters = built.get_parameterized_sql()
    return Statement(sql, list(parameters))


def _learned(query: AwaitableQuery[Any], condition: Condition | None) -> str | None:
    """The text of the query's shape, rendered from a copy with probe values, if its
    parameters are the probes in walking order; else None. Each probe differs from every
    other parameter, so none can have been taken for another; the values the shape holds
    as themselves (a bool, an enum member) are the same in every query of the shape, so two
    of them swapped would change nothing."""
    walk = _Shape(probing=True)
    try:
        _, probe = walk.query(query, condition)
        rendered = _rendered(*probe)
    except Exception:  # no probe for a value, or probes upset something the query may not
        return None
    if not _same(rendered.parameters, walk.probes):
        return None
    marked = [(_mark(p), fixed) for p, fixed in zip(walk.probes, walk.fixed, strict=True)]
    probes = [mark for mark, fixed in marked if not fixed]
    others = {mark for mark, fixed in marked if fixed}
    if len(set(probes)) != len(probes) or not others.isdisjoint(probes):
        return None
    return rendered.sql


def _mark(value: Any) -> Hashable:
    """The value with its type, hashable (PostgreSQL takes a list of keys as one array)."""
    return (list, tuple(value)) if isinstance(value, list) else (type(value), value)


def _same(parameters: Sequence[Any], values: Sequence[Any]) -> bool:
    return len(parameters) == len(values) and all(
        type(p) is type(v) and p == v for p, v in zip(parameters, values, strict=True)
    )


# Attributes of a query at which it adds nothing to the text beyond its shape.
_PLAIN = {
    "_annotations": {},
    "_custom_filters": {},
    "_prefetch_map": {},
    "_prefetch_queries": {},
    "_single": False,
    "_raise_does_not_exist": False,
    "_having": {},
    "_group_bys": (),
    "_select_for_update": False,
    "_select_related": set(),
    "_use_indexes": set(),
    "_force_indexes": set(),
}
# Probe numbers count up from here: unlike any id, count or page size.
_PROBE_BASE = 7_000_000_000_000


class _Shape:
    """Walks a query: its shape and the values of its parameters in order. `probing`, also
    a copy of it with a probe value in place of each (and the parameters it makes, in
    order); a query whose shape is known needs none."""

    def __init__(self, probing: bool = False) -> None:
        self.probing = probing
        self.values: list[Any] = []
        self.probes: list[Any] = []
        # Whether the parameter is a value the shape holds as itself, in the probe too.
        self.fixed: list[bool] = []
        self._made = 0

    def query(
        self, query: AwaitableQuery[Any], condition: Condition | None = None
    ) -> tuple[Hashable, tuple[AwaitableQuery[Any], Condition | None]]:
        """The query's shape, and the probe copy of it and of `condition` (when probing;
        else the query and the condition themselves)."""
        for name, plain in _PLAIN.items():
            if hasattr(query, name) and getattr(query, name) != plain:
                raise Unshaped(name)
        kind = self._kind(query)
        model = query.model
        walked = [self.q(model, q) for q in query._q_objects]
        probe, probe_condition = query, condition
        if self.probing:
            probe = query._clone() if isinstance(query, QuerySet) else copy(query)
            probe._q_objects = [q for _, q in walked]
            probe._joined_tables = []  # a copy's own, not shared with `query`
        shape: list[Hashable] = [kind, model, tuple(s for s, _ in walked)]
        if condition is not None:
            shape.append(condition.shape)
            if self.probing:
                probe_condition = condition.probe(self._number())
            self._add(condition.parameters, probe_condition.parameters, fixed=False)
        limit, offset = getattr(query, "_limit", None), getattr(query, "_offset", None) or None
        if isinstance(query, CountQuery) and (limit, offset) != (None, None):
            raise Unshaped("the count of a slice")
        # LIMIT and OFFSET follow the conditions in the text.
        for name, bound in (("_limit", limit), ("_offset", offset)):
            if bound is not None:
                number = self._number()
                if self.probing:
                    setattr(probe, name, number)
                self._add([bound], [number], fixed=False)
        shape += [limit is not None, offset is not None]
        shape += [tuple(getattr(query, "_orderings", ())), getattr(query, "_distinct", False)]
        return tuple(shape), (probe, probe_condition)

    @staticmethod
    def _kind(query: AwaitableQuery[Any]) -> Hashable:
        if type(query) is QuerySet and not query._fields_for_select:
            return "rows"
        if type(query) is CountQuery:
            return "count"
        if type(query) is ValuesQuery:
            return ("values", tuple(query._fields_for_select.items()))
        raise Unshaped(type(query).__name__)

    def q(self, model: type[Model], q: Q) -> tuple[Hashable, Q]:
        # As Q.resolve: its filters if it has any, else its children.
        shape = (q.join_type, q._is_negated)
        if q.filters:
            walked = [(key, self.filter(model, key, value)) for key, value in q.filters.items()]
            shape += tuple(s for _, (s, _) in walked)
            if not self.probing:
                return shape, q
            probe = Q(join_type=q.join_type, **{key: p for key, (_, p) in walked})
        else:
            children = [self.q(model, child) for child in q.children]
            shape += tuple(s for s, _ in children)
            if not self.probing:
                return shape, q
            probe = Q(*(p for _, p in children), join_type=q.join_type)
        probe._is_negated = q._is_negated
        return shape, probe

    def filter(self, model: type[Model], key: str, value: Any) -> tuple[Hashable, Any]:
        """The filter's shape and its probe value."""
        meta = model._meta
        if key in meta.fk_fields or key in meta.o2o_fields or key in meta.m2m_fields:
            raise Unshaped(key)  # compared with an instance's key
        relation, _, rest = key.partition("__")
        if key not in meta.filters and relation in meta.fetch_fields:
            related = meta.fields_map[relation].related_model  # type: ignore[attr-defined]
            shape, probe = self.filter(related, rest, value)
            return (key, shape), probe
        if isinstance(value, Subquery):
            shape, (probe, _) = self.query(value.query)
            return (key, "subquery", shape), Subquery(probe) if self.probing else value
        if value is None or isinstance(value, bool | Enum):
            # In the shape as itself: the text may spell it out (IS NULL, IS NOT NULL), and
            # an enum has a few members.
            if value is not None and not key.endswith("isnull"):
                self._encoded(model, key, value, value, fixed=True)
            return (key, value), value
        if isinstance(value, list | tuple):
            probe = type(value)(map(self._probe_of, value)) if self.probing else value
            self._encoded(model, key, value, probe, fixed=False)
            return (key, type(value), tuple(map(type, value))), probe
        probe = self._probe_of(value) if self.probing else value
        self._encoded(model, key, value, probe, fixed=False)
        return (key, type(value)), probe

    def _encoded(self, model: type[Model], key: str, value: Any, probe: Any, fixed: bool) -> None:
        """Note the parameters the filter makes of `value` and, when probing, of `probe`,
        encoded as Tortoise encodes them."""
        info = model._meta.filters.get(key)
        if info is None or "table" in info:
            # Unknown: Tortoise says so, rendering it. A table: a backward relation's join.
            raise Unshaped(key)
        field: Field[Any] = model._meta.fields_map[info["field"]]
        encode = info.get("value_encoder")
        try:
            made = [
                encode(v, model, field) if encode else field.to_db_value(v, model)
                for v in ((value, probe) if self.probing else (value,))
            ]
        except Exception as exc:  # a validator's: Tortoise says what, rendering the query
            raise Unshaped(key) from exc
        listed = [list(m) if isinstance(m, list | tuple) else [m] for m in made]
        self._add(listed[0], listed[-1], fixed)

    def _add(self, values: list[Any], probes: list[Any], fixed: bool) -> None:
        self.values += values
        if self.probing:
            if len(values) != len(probes):
                raise Unshaped("a list encoded to another length")
            self.probes += probes
            self.fixed += [fixed] * len(values)

    def _number(self) -> int:
        self._made += 1
        return _PROBE_BASE + self._made

    def _probe_of(self, value: Any) -> Any:
        """A value of the same kind as `value`, different from every other probe."""
        number = self._number()
        if type(value) is int:
            return number
        if type(value) is str:
            return f"\x1f{self._made}"  # short: a column's maximum length applies
        if type(value) is float:
            return number + 0.5
        if type(value) is Decimal:
            return Decimal(number)
        if type(value) is datetime:
            return datetime(2000, 1, 1, tzinfo=value.tzinfo) + timedelta(seconds=self._made)
        if type(value) is date:
            return date(2000, 1, 1) + timedelta(days=self._made)
        raise Unshaped(type(value).__name__)
