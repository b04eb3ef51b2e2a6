"""A DataLoader whose bookkeeping is per batch, not per key.

strawberry's DataLoader gives every key a future and a task record, and its `load_many`
gathers those futures with two loop callbacks each: for a level of hundreds of objects
that is hundreds of futures and loop callbacks. Here a key is an entry in a dict: the
values loaded so far, or the batch still loading it. A batch has one future, set when
its rows are in; `load_many` waits for each batch its keys are in, once.

As with strawberry's: keys asked for in the same turn of the loop load in one batch,
dispatched on the next turn from the context of the first caller; a loaded key is never
fetched again; a failed batch fails every caller of its keys, now and later. Unlike
strawberry's, a load function fails by raising, not by answering an exception for a key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
T = TypeVar("T")


class _Batch(Generic[K]):
    __slots__ = ("future", "keys", "task")

    def __init__(self, future: asyncio.Future[None]) -> None:
        self.keys: list[K] = []
        self.future = future
        # The loop keeps only a weak reference to a task.
        self.task: asyncio.Task[None] | None = None


class BatchLoader(Generic[K, T]):
    def __init__(self, load_fn: Callable[[Sequence[K]], Awaitable[Sequence[T]]]) -> None:
        self.load_fn = load_fn
        self._values: dict[K, T] = {}
        # Keys asked for and not loaded yet, with the batch loading them; a failed batch
        # stays here so later callers fail the same way.
        self._loading: dict[K, _Batch[K]] = {}
        self._collecting: _Batch[K] | None = None

    def narrowed(self, attributes: frozenset[str]) -> BatchLoader[K, T]:
        """A loader of the same values whose rows need hold only `attributes`; this one,
        which holds them all (api/loaders.py's RowLoader loads narrower rows)."""
        return self

    async def load(self, key: K) -> T:
        return (await self.load_many((key,)))[0]

    async def load_many(self, keys: Iterable[K]) -> list[T]:
        keys = list(keys)
        values, loading = self._values, self._loading
        batches: dict[_Batch[K], None] = {}
        for key in keys:
            if key in values:
                continue
            batch = loading.get(key)
            if batch is None:
                batch = loading[key] = self._batch()
                batch.keys.append(key)
            batches[batch] = None
        for batch in batches:
            if not batch.future.done():
                await asyncio.wait((batch.future,))
            batch.future.result()  # raises the batch's failure
        return list(map(values.__getitem__, keys))

    def _batch(self) -> _Batch[K]:
        """The batch collecting keys in this turn of the loop."""
        if self._collecting is None:
            loop = asyncio.get_running_loop()
            self._collecting = _Batch(loop.create_future())
            loop.call_soon(self._dispatch, self._collecting)
        return self._collecting

    def _dispatch(self, batch: _Batch[K]) -> None:
        self._collecting = None
        batch.task = asyncio.ensure_future(self._run(batch))

    async def _run(self, batch: _Batch[K]) -> None:
        try:
            found = list(await self.load_fn(batch.keys))
            if len(found) != len(batch.keys):
                raise ValueError(f"load_fn answered {len(found)} values for {len(batch.keys)} keys")
        except Exception as failure:  # the callers raise it
            batch.future.set_exception(failure)
            return
        values, loading = self._values, self._loading
        for key, value in zip(batch.keys, found, strict=True):
            values[key] = value
            del loading[key]
        batch.future.set_result(None)
