"""Territories: a tree of sales regions of any depth."""

from __future__ import annotations

from api.permissions.scoping import visible_territories
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from db.models.crm import Territory


async def visible_territory(viewer: Viewer, pk: int) -> Territory | None:
    return await Territory.filter(visible_territories(viewer), pk=pk).first()


async def _parent(viewer: Viewer, global_id: str | None) -> Territory | None:
    if not global_id:
        return None
    parent = await visible_territory(viewer, inputs.node_pk(global_id, "Territory", "parentId"))
    if parent is None:
        raise UserFailure.of("parentId", ErrorCode.NOT_FOUND, "No Territory with this ID.")
    return parent


async def create_territory(viewer: Viewer, name: str, parent_id: str | None) -> Territory:
    problems = FailureCollector()
    name = problems.check(inputs.required_text, name, "name")
    parent = await problems.check_async(lambda v, _: _parent(viewer, v), parent_id, "parentId")
    problems.raise_if_any()
    territory = await Territory.create(name=name, parent=parent)
    territory.path = f"{parent.path if parent else '/'}{territory.id}/"
    await territory.save(update_fields=["path"])
    return territory


async def update_territory(
    viewer: Viewer, global_id: str, name: str | None, parent_id: str | None
) -> Territory:
    """Rename and/or move a territory with its subtree; a move under itself is refused."""
    territory = await visible_territory(viewer, inputs.node_pk(global_id, "Territory", "id"))
    if territory is None:
        raise UserFailure.of("id", ErrorCode.NOT_FOUND, "No Territory with this ID.")
    if name is not None:
        territory.name = inputs.required_text(name, "name")
        await territory.save(update_fields=["name"])
    if parent_id is None:
        return territory
    parent = await _parent(viewer, parent_id or None)
    if parent is not None and parent.path.startswith(territory.path):
        raise UserFailure.of(
            "parentId", ErrorCode.INVALID, "A territory cannot lie inside its own subtree."
        )
    old_path = territory.path
    new_path = f"{parent.path if parent else '/'}{territory.id}/"
    territory.parent = parent
    await territory.save(update_fields=["parent_id"])
    # Territory trees are small: re-root the subtree's paths row by row, under row locks.
    subtree = await Territory.filter(path__startswith=old_path).select_for_update()
    for node in subtree:
        node.path = new_path + node.path[len(old_path) :]
        await node.save(update_fields=["path"])
    territory.path = new_path
    return territory


async def list_territories() -> list[Territory]:
    return await Territory.all().order_by("path")
