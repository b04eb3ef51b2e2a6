"""Selecting what overlaps a half-open period [from, to), as every `from`/`to` argument does."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)


def overlapping(rows: QuerySet[M], from_: datetime | None, to: datetime | None) -> QuerySet[M]:
    """Rows with `starts_at`/`ends_at` overlapping [from_, to); an open end bounds nothing."""
    if from_ is not None:
        rows = rows.filter(ends_at__gt=from_)
    if to is not None:
        rows = rows.filter(starts_at__lt=to)
    return rows
