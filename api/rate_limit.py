"""A request budget per credential (or, for anonymous requests such as logins, per client
address): a token bucket refilled at the configured rate, held in this process's memory.

With several API processes each keeps its own buckets, so the budget is per process.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from api.permissions.viewer import Viewer

# Buckets kept at most; the least recently used go first (a full bucket is no loss).
MAX_BUCKETS = 100_000


class RequestBudget:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> int | None:
        """Spend one request; None if allowed, else the seconds until one is allowed again."""
        moment = self.clock()
        tokens, updated = self._buckets.pop(key, (self.capacity, moment))
        tokens = min(self.capacity, tokens + (moment - updated) * self.refill_per_second)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, moment)
        if len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)
        if allowed:
            return None
        return max(1, math.ceil((1 - tokens) / self.refill_per_second))


def budget_key(viewer: Viewer | None, client: str | None) -> str:
    if viewer is not None and viewer.api_token_id is not None:
        return f"token:{viewer.api_token_id}"
    if viewer is not None and viewer.session_id is not None:
        return f"session:{viewer.session_id}"
    return f"client:{client or '?'}"
