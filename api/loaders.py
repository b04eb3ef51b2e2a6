"""Per-request DataLoaders: every relation is fetched in one query per list, not per row.

Loaders fetch by key without scoping: they serve nested fields of objects the viewer
already reached through a scoped entry point (root list, node, mutation argument).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.expressions import Q
from tortoise.models import Model

from api.clock import agency_today
from db.models.accounts import User
from db.models.crm import AccountGroup, AccountGroupMember, Team, TeamMember

M = TypeVar("M", bound=Model)
LoadFn = Callable[[Sequence[int]], Awaitable[list[Any]]]


def active_memberships() -> Q:
    """Memberships in force today: a substitute's lapses after its `valid_until`."""
    return Q(valid_until__isnull=True) | Q(valid_until__gte=agency_today())


def by_id(model: type[M]) -> DataLoader[int, M | None]:
    async def load(keys: Sequence[int]) -> list[M | None]:
        rows = {row.pk: row for row in await model.filter(pk__in=keys)}
        return [rows.get(key) for key in keys]

    return DataLoader(load_fn=load)


def through(
    link: type[Model], key: str, target: str, *, where: Callable[[], Q] = Q
) -> DataLoader[int, list[Any]]:
    """Objects reached through a link table, e.g. a user's groups via memberships.

    `key` and `target` name the link's foreign keys; results come ordered by name.
    """

    async def load(keys: Sequence[int]) -> list[list[Any]]:
        links = (
            await link.filter(where(), **{f"{key}_id__in": keys})
            .select_related(target)
            .order_by(f"{target}__name", f"{target}_id")
        )
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in links:
            grouped[getattr(row, f"{key}_id")].append(getattr(row, target))
        return [grouped[k] for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    @cached_property
    def user(self) -> DataLoader[int, User | None]:
        return by_id(User)

    @cached_property
    def account_group(self) -> DataLoader[int, AccountGroup | None]:
        return by_id(AccountGroup)

    @cached_property
    def account_groups_of_user(self) -> DataLoader[int, list[AccountGroup]]:
        return through(AccountGroupMember, "user", "group", where=active_memberships)

    @cached_property
    def members_of_group(self) -> DataLoader[int, list[User]]:
        return through(AccountGroupMember, "group", "user", where=active_memberships)

    @cached_property
    def teams_of_user(self) -> DataLoader[int, list[Team]]:
        return through(TeamMember, "user", "team")

    @cached_property
    def members_of_team(self) -> DataLoader[int, list[User]]:
        return through(TeamMember, "team", "user")
