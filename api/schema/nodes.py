"""Relay plumbing: connections with totalCount, and `node(id:)` with visibility."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, Generic, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info, get_object_definition
from tortoise.expressions import Q
from tortoise.models import Model

from api.errors import Forbidden
from api.permissions.fields import current_viewer
from api.permissions.viewer import Viewer
from api.resolvers.pagination import Page, PageRequest
from db.models.accounts import TokenScope

NodeT = TypeVar("NodeT")
M = TypeVar("M", bound=Model)


@strawberry.type
class Edge(Generic[NodeT]):
    @strawberry.field
    def cursor(self) -> str:
        return self.cursors[self.index]

    node: NodeT
    # The page's cursors, encoded when read (api/resolvers/pagination.py), and this edge's.
    cursors: strawberry.Private[Sequence[str]]
    index: strawberry.Private[int]


@strawberry.type(description="A page of a list that grows, with the size of the whole list.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: relay.PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds, across all pages.")
    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def of(cls, page: Page[M], convert: Callable[[M], NodeT]) -> Connection[NodeT]:
        cursors = page.cursors
        return cls(
            edges=[
                Edge(node=convert(row), cursors=cursors, index=index)
                for index, row in enumerate(page.rows)
            ],
            page_info=relay.PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            count=page.count,
        )


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    return PageRequest(first=first, after=after, last=last, before=before)


class VisibleNode(relay.Node):
    """A Relay node that `node(id:)` loads through the viewer's scoping."""

    # An API token needs one of these to read the node; empty: any token may.
    read_scopes: ClassVar[frozenset[TokenScope]] = frozenset()

    @classmethod
    def of(cls, row: Any) -> Self:
        """The node of a model row (an instance or a record): each type's own, or the one
        `@row_view` (api/schema/row_views.py) gives it."""
        raise NotImplementedError

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        raise NotImplementedError


class ScopedNode(VisibleNode):
    """A node loaded as its model's row under a scoping filter (api/permissions/scoping.py);
    subclasses set `model = …` and `scope = staticmethod(visible_…)`."""

    model: ClassVar[type[Model]]
    scope: ClassVar[Callable[[Viewer], Q]]

    @classmethod
    def of(cls, row: Any) -> Self:
        raise NotImplementedError

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        row = await cls.model.filter(cls.scope(current_viewer(info)), pk=pk).first()
        return cls.of(row) if row is not None else None


NodeRegistry = dict[str, type[VisibleNode]]


def node_registry(*types: type[VisibleNode]) -> NodeRegistry:
    return {get_object_definition(t, strict=True).name: t for t in types}


async def resolve_node(info: Info, registry: NodeRegistry, global_id: str) -> relay.Node | None:
    """The node behind `global_id`, or null when it does not exist or is not visible."""
    viewer = current_viewer(info)
    try:
        decoded = relay.GlobalID.from_id(global_id)
        pk = int(decoded.node_id)
    except (relay.GlobalIDValueError, ValueError):
        return None
    node_type = registry.get(decoded.type_name)
    if node_type is None or not 0 < pk < 2**31:
        return None
    node = await node_type.load_visible(info, pk)
    readable = not viewer.via_api_token or not node_type.read_scopes
    if node is not None and not readable and not node_type.read_scopes & viewer.scopes:
        raise Forbidden(f"This token may not read {decoded.type_name} objects.")
    return node
