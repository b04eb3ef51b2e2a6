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


async def test_a_key_asked_twice_or_while_loading_is_fetched_once():
    fetch, release = Squares(), asyncio.Event()

    async def slow(keys: Sequence[int]) -> list[int]:
        await release.wait()
        return await fetch(keys)

    loader = BatchLoader(load_fn=slow)
    first = asyncio.ensure_future(loader.load_many([2, 2, 3]))
    await asyncio.sleep(0.01)  # its batch [2, 3] is loading, waiting for the release
    second = asyncio.ensure_future(loader.load_many([3, 2, 2]))
    await asyncio.sleep(0.01)
    release.set()
    assert await asyncio.gather(first, second) == [[4, 4, 9], [9, 4, 4]]
    assert fetch.batches == [[2, 3]]


async def test_a_load_fn_answering_too_few_values_fails_its_callers():
    async def short(keys: Sequence[int]) -> list[int]:
        return [1]

    loader = BatchLoader(load_fn=short)
    with pytest.raises(ValueError, match="1 values for 2 keys"):
        await loader.load_many([1, 2])
