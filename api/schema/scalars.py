"""DateTime as the contract states it: ISO 8601 with a UTC offset, held in UTC inside.

Converting on the way in keeps every comparison right, also on SQLite, which compares the
stored UTC text with whatever offset a client wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dateutil.parser
import strawberry
from strawberry.schema.types.base_scalars import wrap_parser


def _utc(value: str) -> datetime:
    parsed = dateutil.parser.isoparse(value)
    if parsed.tzinfo is None:
        raise ValueError("it needs a UTC offset, such as 2026-05-04T10:00:00+02:00")
    return parsed.astimezone(UTC)


UTC_DATE_TIME = strawberry.scalar(
    name="DateTime",
    description="Date and time, ISO 8601 with a UTC offset; answered in UTC.",
    serialize=datetime.isoformat,
    parse_value=wrap_parser(_utc, "DateTime"),
)

SCALAR_MAP = {datetime: UTC_DATE_TIME}
