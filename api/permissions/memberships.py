"""Which account-group memberships are in force."""

from __future__ import annotations

from tortoise.expressions import Q

from api.clock import agency_today


def active_memberships() -> Q:
    """Memberships in force today: a substitute's lapses after its `valid_until`."""
    return Q(valid_until__isnull=True) | Q(valid_until__gte=agency_today())
