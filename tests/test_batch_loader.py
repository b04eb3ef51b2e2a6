"""The DataLoader behind every relation (api/batch_loader.py) answers `load_many` like
strawberry's: in order, one batch for everything asked in the same turn of the loop, a
cached key never fetched again, and a failed batch fails its callers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from api.batch_loader import BatchLoader


class Squares:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def __call__(self, keys: Sequence[int]) -> list[int]:
        self.batches.append(list(keys))
        return [key * key for key in keys]


async def test_many_keys_of_one_level_load_in_one_batch_in_order():
    fetch = Squares()
    loader = BatchLoader(load_fn=fetch)
    first, second, single = await asyncio.gather(
        loader.load_many([3, 1, 2]), loader.load_many([2, 4]), loader.load(5)
    )
    assert (first, second, single) == ([9, 1, 4], [4, 16], 25)
    assert [sorted(batch) for batch in fetch.batches] == [[1, 2, 3, 4, 5]]


async def test_a_loaded_key_is_not_fetched_again():
    fetch = Squares()
    loader = BatchLoader(load_fn=fetch)
    assert await loader.load_many([1, 2]) == [1, 4]
    assert await loader.load_many([2, 1, 3]) == [4, 1, 9]
    assert fetch.batches == [[1, 2], [3]]


async def test_a_failed_batch_fails_every_caller():
    async def broken(keys: Sequence[int]) -> list[int]:
        raise RuntimeError("database gone")

    loader = BatchLoader(load_fn=broken)
    results = await asyncio.gather(loader.load_many([1, 2]), loader.load(3), return_exceptions=True)
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]
    with pytest.raises(RuntimeError):
        await loader.load_many([1])
