"""References between domain modules' types: fields that answer the object a foreign key
points at, loaded through the request's DataLoaders.

The types live in modules that import each other only lazily; these declarations are the
one place that turns a foreign key into the other module's type. Each is a batch field
(api/batch_fields.py): `@user_ref(lambda self: self.responsible_id)` on an
`async def responsible(self, info: Info) -> UserRef | None: ...` answers the user, or null
when the key is.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.batch_fields import F, batched

if TYPE_CHECKING:
    from api.schema.accounts import UserNode
    from api.schema.addresses import AddressNode, ContactPersonNode

UserRef = Annotated["UserNode", strawberry.lazy("api.schema.accounts")]
AddressRef = Annotated["AddressNode", strawberry.lazy("api.schema.addresses")]
ContactRef = Annotated["ContactPersonNode", strawberry.lazy("api.schema.addresses")]
Key = Callable[[Any], int | None]


def optional_id(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


def _node_of(module: str, name: str) -> Callable[[Any], Any]:
    """A row's node of the type `name`, None for no row. The type's module imports this
    one, so it is looked up on the first row, not imported again for every row."""
    of: Callable[[Any], Any] | None = None

    def convert(row: Any) -> Any:
        nonlocal of
        if of is None:
            of = getattr(import_module(module), name).of
        return of(row) if row else None

    return convert


_user = _node_of("api.schema.accounts", "UserNode")
_address = _node_of("api.schema.addresses", "AddressNode")
_contact = _node_of("api.schema.addresses", "ContactPersonNode")


def user_ref(key: Key) -> Callable[[F], F]:
    return batched(lambda loaders: loaders.user, key, _user)


def address_ref(key: Key) -> Callable[[F], F]:
    """An address reached through the object the viewer already sees (a store of a
    location, a project's customer): no further scoping."""
    return batched(lambda loaders: loaders.address, key, _address)


def visible_address_ref(key: Key) -> Callable[[F], F]:
    """An address another user referred to (a task's, an activity's), or null if the
    viewer does not see it."""
    return batched(lambda loaders: loaders.visible_address, key, _address)


def contact_ref(key: Key) -> Callable[[F], F]:
    return batched(lambda loaders: loaders.contact_person, key, _contact)
