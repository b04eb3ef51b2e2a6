"""Time in one place, so tests and rules agree on what 'now' and 'today' mean."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

AGENCY_TIMEZONE = ZoneInfo("Europe/Berlin")


def now() -> datetime:
    return datetime.now(UTC)


def agency_today() -> date:
    """The agency's calendar day, which dated rules (memberships, plans) follow."""
    return datetime.now(AGENCY_TIMEZONE).date()
