"""Fields that are one DataLoader key per object, declared as such.

`@batched(loader, key, convert)` writes the resolver (`convert(await loader.load(key))`)
and records the three parts on it, so the level executor (api/level_fields.py) can load a
whole level's keys with one `load_many` instead of running a coroutine per object. A key
of None (an optional reference not set) is never loaded: `convert(None)` answers it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.types import Info

from api.batch_loader import BatchLoader

if TYPE_CHECKING:
    from api.loaders import Loaders

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Batch:
    loader: Callable[[Loaders], BatchLoader[Any, Any]]
    key: Callable[[Any], Any]
    convert: Callable[[Any], Any]


def batched(
    loader: Callable[[Loaders], BatchLoader[Any, Any]],
    key: Callable[[Any], Any],
    convert: Callable[[Any], Any],
) -> Callable[[F], F]:
    """Make the decorated `async def field(self, info) -> T: ...` load `key(self)` with
    `loader` and answer `convert(row)` (`convert(None)` for a key of None); the declaration
    gives only the name and types."""
    batch = Batch(loader, key, convert)

    def declare(declared: F) -> F:
        async def resolve(self: Any, info: Info) -> Any:
            value = key(self)
            if value is None:
                return convert(None)
            return convert(await loader(info.context.loaders).load(value))

        functools.update_wrapper(resolve, declared)
        resolve.batch = batch  # type: ignore[attr-defined]
        return resolve  # type: ignore[return-value]

    return declare


def batch_of(function: object) -> Batch | None:
    batch = getattr(function, "batch", None)
    return batch if isinstance(batch, Batch) else None
