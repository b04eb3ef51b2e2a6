"""The data set's shape, and the builder every part writes its tables into."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.options import Sizes

Row = tuple[Any, ...]
EPOCH = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
QUARTER = (date(2026, 4, 1), date(2026, 6, 30))


@dataclass
class Table:
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the scenarios need to know about the data."""

    admin_user_id: int
    staff_user_id: int
    customer_user_id: int
    overview_project_id: int
    portal_project_id: int
    plan_id: int
    plan_members: int
    quarter: tuple[date, date]
    staff_visible_addresses: int
    one_word_queries: tuple[str, ...]
    two_word_queries: tuple[str, ...]


@dataclass
class Dataset:
    tables: dict[str, Table]
    facts: Facts

    def counts(self) -> dict[str, int]:
        return {name: len(table.rows) for name, table in self.tables.items()}


class Builder:
    """The random source and the tables being filled."""

    def __init__(self, sizes: Sizes, seed: int) -> None:
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.tables: dict[str, Table] = {}

    def table(self, name: str, *columns: str) -> Table:
        self.tables[name] = Table(columns)
        return self.tables[name]

    def moment(self, within_days: int = 365) -> datetime:
        return EPOCH + timedelta(minutes=self.rng.randrange(within_days * 24 * 60))

    def phone(self) -> str:
        return f"+49{self.rng.randrange(30, 999)}{self.rng.randrange(1_000_000, 99_999_999)}"
