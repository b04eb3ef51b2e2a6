"""A DataLoader whose `load_many` waits for its batch once, not once per key.

strawberry's `load_many` gathers one future per key, each with two done callbacks the
event loop runs when the batch answers: for a level of hundreds of objects that is
hundreds of loop callbacks. Here each key still gets its future (the cache holds it for
later loads), but nothing listens to it; `load_many` awaits the first key still pending,
which answers with the rest of its batch, and reads the results off the futures.
"""

from __future__ import annotations

import asyncio
from asyncio import Future
from collections.abc import Iterable
from typing import TypeVar

from strawberry.dataloader import DataLoader, LoaderTask, get_current_batch

K = TypeVar("K")
T = TypeVar("T")


class BatchLoader(DataLoader[K, T]):
    def _future(self, key: K) -> Future[T]:
        cached = self.cache_map.get(key)
        if cached is not None and not cached.cancelled():
            return cached
        future: Future[T] = self.loop.create_future()
        self.cache_map.set(key, future)
        # What strawberry's `load` does, without its callback that cancels a batch whose
        # every caller went away (a level's callers never do).
        get_current_batch(self).tasks.append(LoaderTask(key, future))
        return future

    async def load_many(self, keys: Iterable[K]) -> list[T]:  # type: ignore[override]
        futures = [self._future(key) for key in keys]
        for future in futures:
            if not future.done():
                await asyncio.wait((future,))
        # Reading each exception marks it seen: a failed batch is logged once, by its caller.
        failure = next((e for e in [f.exception() for f in futures] if e is not None), None)
        if failure is not None:
            raise failure
        return [future.result() for future in futures]
