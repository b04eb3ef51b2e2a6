"""A statement's SQL text is rendered by Tortoise once per shape (api/sql_templates.py) and
then serves every query of that shape with its own values: the rows are always those
Tortoise's own statement finds, whatever the values, and a shape whose parameters do not
come out as the probes' is rendered every time.

The whole suite runs with `sql_templates.CHECK` on (tests/conftest.py), so every statement
made from a kept text in any test is compared with Tortoise's rendering as well. Here the
check is off and Tortoise's renderings are counted: once a shape is known, the kept text
alone answers, and the rows are compared with those of Tortoise's own statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from tortoise.exceptions import FieldError
from tortoise.expressions import Q, Subquery

from api import records, sql_templates
from db.models.crm import Address, AddressKind, ContactPerson
from tests.conftest import Backend


@dataclass
class Renders:
    """How often Tortoise rendered a statement: in all, and to learn a shape (a probe)."""

    all: int = 0
    probes: int = 0

    @property
    def of_queries(self) -> int:
        return self.all - self.probes


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Renders:
    """Counts Tortoise's renderings, with the check off and no shape known yet."""
    counted = Renders()
    render, learn = sql_templates._rendered, sql_templates._learned

    def rendered(query: Any, condition: Any) -> sql_templates.Statement:
        counted.all += 1
        return render(query, condition)

    def learned(query: Any, condition: Any) -> str | None:
        counted.probes += 1
        return learn(query, condition)

    monkeypatch.setattr(sql_templates, "CHECK", False)
    monkeypatch.setattr(sql_templates, "_kept", type(sql_templates._kept)())
    monkeypatch.setattr(sql_templates, "_rendered", rendered)
    monkeypatch.setattr(sql_templates, "_learned", learned)
    return counted


async def _addresses() -> list[Address]:
    made = []
    for i, (name, city) in enumerate(
        [("Abel", "Aachen"), ("Berta", "Bonn"), ("Carl", "Aachen"), ("Dora", "Bonn"),
         ("Emil", "Celle"), ("Frieda", "Aachen")]
    ):  # fmt: skip
        address = await Address.create(
            kind=AddressKind.STORE if i % 2 else AddressKind.COMPANY, name=name, city=city,
            phone=None if i % 3 else f"+49 30 {i}",
        )  # fmt: skip
        await ContactPerson.create(address=address, last_name=f"Kontakt {i}")
        made.append(address)
    return made


async def _ids(queryset: Any) -> list[int]:
    return [row.id for row in await records.fetch(queryset)]


async def _tortoise_ids(queryset: Any) -> list[int]:
    return [row.id for row in await queryset]


async def test_a_kept_text_answers_other_values_of_its_shape(db: Backend, renders: Renders):
    made = await _addresses()

    def page(city: str, after: int, size: int) -> Any:
        return Address.filter(city=city, id__gt=after).order_by("name", "id").limit(size)

    cases = [("Aachen", 0, 2), ("Bonn", made[1].id, 5), ("Aachen", made[0].id, 1), ("Celle", 0, 3)]
    for city, after, size in cases:
        assert await _ids(page(city, after, size)) == await _tortoise_ids(page(city, after, size))
    assert (renders.probes, renders.of_queries) == (1, 0)


async def test_equal_values_in_different_places_are_not_taken_for_each_other(
    db: Backend, renders: Renders
):
    made = await _addresses()
    first, third = made[0].id, made[2].id

    def between(low: int, high: int) -> Any:
        return Address.filter(id__gte=low, id__lte=high).order_by("id")

    # Learned where both values are equal; then the order must still be right.
    assert await _ids(between(first, first)) == [first]
    assert await _ids(between(first, third)) == [first, made[1].id, third]
    assert await _ids(between(third, first)) == []
    assert (renders.probes, renders.of_queries) == (1, 0)


async def test_a_count_and_a_subquery_keep_their_joins_and_values(db: Backend, renders: Renders):
    made = await _addresses()
    for city, last_name in [("Aachen", "Kontakt 0"), ("Bonn", "Kontakt 3"), ("Celle", "x")]:
        contacts = ContactPerson.filter(last_name=last_name).values("address_id")
        base = Address.filter(Q(id__in=Subquery(contacts)) | Q(city=city), kind=made[0].kind)
        expected = await base.count()
        assert await records.count(base) == expected
        joined = ContactPerson.filter(address__city=city)
        assert await records.count(joined) == await joined.count()
    assert (renders.probes, renders.of_queries) == (2, 0)


async def test_none_bools_and_enum_members_are_part_of_the_shape(db: Backend, renders: Renders):
    await _addresses()
    queries = [
        Address.filter(phone=None),
        Address.filter(phone__isnull=True),
        Address.filter(phone__isnull=False),
        Address.filter(phone__not_isnull=True),
        Address.filter(kind=AddressKind.STORE),
        Address.filter(kind=AddressKind.COMPANY),
        Address.filter(kind__in=[AddressKind.STORE, AddressKind.COMPANY], name__in=["Abel"]),
        Address.filter(kind__in=[AddressKind.STORE], name__in=["Abel", "Berta", "Dora"]),
    ]
    for query in queries:
        assert await _ids(query.order_by("id")) == await _tortoise_ids(query.order_by("id"))


async def test_a_pattern_made_of_the_value_is_rendered_every_time(db: Backend, renders: Renders):
    await _addresses()
    for prefix in ["Ab", "Be", "D"]:
        query = Address.filter(name__startswith=prefix).order_by("id")
        assert await _ids(query) == await _tortoise_ids(query)
    # A LIKE pattern is a parameter made of the value, not the value: the probe fails once.
    assert (renders.probes, renders.of_queries) == (1, 3)


async def test_a_filter_tortoise_does_not_know_fails_as_it_would_without_kept_text(
    db: Backend, renders: Renders
):
    with pytest.raises(FieldError):
        await records.fetch(Address.filter(nickname="Abel"))
