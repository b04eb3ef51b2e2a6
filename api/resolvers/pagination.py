"""Keyset pagination: cursors hold the sort key, so inserts never shift a page."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any, Generic, TypeVar

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from api import records
from api.errors import BadRequest

MAX_PAGE_SIZE = 100

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


class Cursors(Sequence[str]):
    """A page's cursors, each encoded when first read: clients mostly read the end cursor
    only, and a keyset cursor is a JSON document of the row's sort key."""

    __slots__ = ("_encode", "_encoded", "_items")

    def __init__(self, items: Sequence[Any], encode: Callable[[Any], str]) -> None:
        self._items = items
        self._encode = encode
        self._encoded: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        index = range(len(self._items))[index]  # negative indexes, IndexError
        cursor = self._encoded.get(index)
        if cursor is None:
            cursor = self._encoded[index] = self._encode(self._items[index])
        return cursor


@dataclass(slots=True)
class Page(Generic[M]):
    rows: list[M]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class _Key:
    name: str
    descending: bool


def _keys(order: Sequence[str]) -> list[_Key]:
    return [_Key(spec.lstrip("-"), spec.startswith("-")) for spec in order]


def _encode(row: Model, keys: list[_Key]) -> str:
    values = [_plain(getattr(row, key.name)) for key in keys]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _decode(cursor: str, model: type[Model], keys: list[_Key], argument: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError(cursor)
        return [_typed(model, key.name, value) for key, value in zip(keys, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise BadRequest(f"`{argument}` is not a cursor of this list.") from None


def _typed(model: type[Model], name: str, value: Any) -> Any:
    field = model._meta.fields_map[name]
    if isinstance(field, fields.DatetimeField):
        return datetime.fromisoformat(value)
    if isinstance(field, fields.DateField):
        return date.fromisoformat(value)
    if isinstance(field, fields.IntField):
        return int(value)
    return str(value)


def _beyond(keys: list[_Key], values: list[Any], reverse: bool) -> Q:
    """Rows strictly after `values` in the (possibly reversed) key order."""
    condition = Q(pk__in=[])
    for i, key in enumerate(keys):
        greater = key.descending == reverse
        clause = Q(**{f"{key.name}__{'gt' if greater else 'lt'}": values[i]})
        for previous, value in zip(keys[:i], values[:i], strict=True):
            clause &= Q(**{previous.name: value})
        condition |= clause
    return condition


def page_size(value: int | None, argument: str) -> int | None:
    if value is None:
        return None
    if value < 0 or value > MAX_PAGE_SIZE:
        raise BadRequest(f"`{argument}` must be between 0 and {MAX_PAGE_SIZE}.")
    return value


async def paginate(
    queryset: QuerySet[M],
    order: Sequence[str],
    request: PageRequest,
    default_size: int = MAX_PAGE_SIZE,
) -> Page[M]:
    """One page of `queryset` in `order`, whose last key must be unique (the id)."""
    model = queryset.model
    keys = _keys(order)
    first = page_size(request.first, "first")
    last = page_size(request.last, "last")
    if first is None and last is None:
        first = default_size
    window = queryset
    if request.after:
        window = window.filter(_beyond(keys, _decode(request.after, model, keys, "after"), False))
    if request.before:
        window = window.filter(_beyond(keys, _decode(request.before, model, keys, "before"), True))
    backwards = first is None
    limit = last if backwards else first
    rows = await records.fetch(window.order_by(*_order_specs(keys, backwards)).limit(limit + 1))
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    # A page from either end with nothing beyond it is the whole list: no need to count.
    whole = not (has_more or request.after or request.before)
    return Page(
        rows=rows,
        cursors=Cursors(rows, lambda row: _encode(row, keys)),
        has_next_page=has_more and not backwards,
        has_previous_page=has_more and backwards,
        count=_counted(len(rows)) if whole else partial(records.count, queryset),
    )


def _counted(total: int) -> Callable[[], Awaitable[int]]:
    """The count of a list whose size is known already."""

    async def count() -> int:
        return total

    return count


def _order_specs(keys: list[_Key], reverse: bool) -> list[str]:
    return [f"{'-' if key.descending != reverse else ''}{key.name}" for key in keys]


def page_of_list(rows: Sequence[M], request: PageRequest, default_size: int) -> Page[M]:
    """A forward page of rows already loaded (nested lists batched by a DataLoader).

    Cursors are positions: fine for a history read top-down, not for a list paged while
    it changes (root lists use keyset cursors).
    """
    if request.last is not None or request.before is not None:
        raise BadRequest("This list pages forwards only: use `first` and `after`.")
    size = page_size(request.first, "first")
    limit = default_size if size is None else size
    start = _position(request.after) + 1 if request.after else 0
    chosen = list(rows[start : start + limit])
    return Page(
        rows=chosen,
        cursors=Cursors(range(start, start + len(chosen)), _position_cursor),
        has_next_page=start + limit < len(rows),
        has_previous_page=start > 0,
        count=_counted(len(rows)),
    )


def _position_cursor(position: int) -> str:
    # The text json.dumps(["at", position]) gives, without the encoder per cursor.
    return base64.urlsafe_b64encode(f'["at", {position}]'.encode()).decode()


def _position(cursor: str) -> int:
    try:
        tag, position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if tag != "at" or not isinstance(position, int) or position < 0:
            raise ValueError(cursor)
        return position
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise BadRequest("`after` is not a cursor of this list.") from None
