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


def _user(row: Any) -> UserRef | None:
    from api.schema.accounts import UserNode

    return UserNode.of(row) if row else None


def _address(row: Any) -> AddressRef | None:
    from api.schema.addresses import AddressNode

    return AddressNode.of(row) if row else None


def _contact(row: Any) -> ContactRef | None:
    from api.schema.addresses import ContactPersonNode

    return ContactPersonNode.of(row) if row else None


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
