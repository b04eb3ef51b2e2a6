"""The garbage collector, tuned for a server that allocates many short-lived objects.

A GraphQL answer allocates tens of thousands of objects that die young; with CPython's
default first-generation threshold (700) the collector ran every few hundred of them and
walked the schema's and the ORM's long-lived objects each time it reached the oldest
generation (STACK-NOTES: 40% of a loaded server's time). After start-up, `gc.freeze()`
moves everything alive into a generation the collector never scans, and a higher
threshold collects less often. The threshold bounds the memory this costs: at most that
many container objects wait for a collection (about 10 MiB at the default 50,000).
"""

from __future__ import annotations

import gc


def tune_garbage_collector(first_generation_threshold: int) -> None:
    """Freeze what start-up left alive and collect young objects less often."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(first_generation_threshold, second, third)
