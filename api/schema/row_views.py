"""Node types made from a row by keeping the row: their fields read it on access.

A node type's `of` used to copy a row's columns into a new object, converting each on the
way. Nested lists make hundreds of nodes an answer, and most of those values are never
read: ProjectOverview reads 4 of an appointment's 11. `@row_view` gives the type an `of`
that makes an instance of a subclass whose fields are properties of the row it holds, so
a node costs one object and a column is converted only when a field reads it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

N = TypeVar("N", bound=type)

ROW = ""  # a field holding the row itself, e.g. `row: strawberry.Private[models.Promoter]`


def row_view(**sources: str) -> Callable[[N], N]:
    """Give a strawberry type an `of(row)` whose every field reads the row's attribute of
    the same name, or the one `sources` names (`ROW` for the row itself)."""

    def decorate(node: N) -> N:
        resolved = {
            field.python_name
            for field in node.__strawberry_definition__.fields  # type: ignore[attr-defined]
            if field.base_resolver is not None
        }
        names = [f.name for f in dataclasses.fields(node) if f.name not in resolved]
        if unknown := set(sources) - set(names):
            raise TypeError(f"{node.__name__} has no data fields {sorted(unknown)}")
        namespace: dict[str, Any] = {}
        for name in names:
            source = sources.get(name, name)
            namespace[name] = property(attrgetter(f"_row.{source}" if source else "_row"))
        view = type(f"{node.__name__}View", (node,), namespace)
        new = object.__new__
        set_row = object.__setattr__

        def of(row: Any) -> Any:
            instance = new(view)
            set_row(instance, "_row", row)
            return instance

        node.of = staticmethod(of)  # type: ignore[attr-defined]
        # Which attribute of the row each field reads ("" for the row itself), so a load
        # can select just the columns a query's fields read (api/row_reads.py).
        node.row_sources = {name: sources.get(name, name) for name in names}  # type: ignore[attr-defined]
        return node

    return decorate
