"""Node types made with `@row_view` (api/schema/row_views.py) keep the row and read each
field off it when asked: the same values as the row, nothing read that nobody asks for.
(Every client query's answer is compared byte for byte with model instances in
tests/test_plain_records.py; these are the view's own rules.)"""

from __future__ import annotations

from typing import Any

import pytest
import strawberry

from api.schema.addresses import AddressNode
from api.schema.promotions import PromoterNode
from api.schema.row_views import ROW, row_view


class CountingRow:
    """A row that counts which attributes were read."""

    def __init__(self, **values: Any) -> None:
        self.values = values
        self.read: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name in ("values", "read"):
            raise AttributeError(name)
        self.read.append(name)
        return self.values[name]


def test_a_view_reads_a_column_only_when_its_field_is_read():
    row = CountingRow(id=7, kind="STORE", name="Markt Mitte", city="Köln", customer_number="K-1")
    node = AddressNode.of(row)
    assert row.read == []
    assert (node.id, node.name, node.city) == (7, "Markt Mitte", "Köln")
    assert node.number == "K-1"  # the field `number` reads the column `customer_number`
    assert row.read == ["id", "name", "city", "customer_number"]
    assert isinstance(node, AddressNode)


def test_a_field_may_hold_the_row_itself():
    row = CountingRow(id=3, name="Lena Berg", phone="+49 30 1234567")
    node = PromoterNode.of(row)
    assert node.row is row
    assert (node.id, node.name) == (3, "Lena Berg")


def test_a_source_naming_no_data_field_is_refused():
    with pytest.raises(TypeError, match="no data fields"):

        @row_view(title=ROW)
        @strawberry.type
        class Named:
            name: str

            @strawberry.field
            def title(self) -> str:  # a resolver, not a data field
                return self.name
