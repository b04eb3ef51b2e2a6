"""Resolving references between domain modules' types, through the request's loaders.

The types live in modules that import each other only lazily; these helpers are the one
place that turns a foreign key into the other module's type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

if TYPE_CHECKING:
    from api.schema.accounts import UserNode
    from api.schema.addresses import AddressNode, ContactPersonNode

UserRef = Annotated["UserNode", strawberry.lazy("api.schema.accounts")]
AddressRef = Annotated["AddressNode", strawberry.lazy("api.schema.addresses")]
ContactRef = Annotated["ContactPersonNode", strawberry.lazy("api.schema.addresses")]


def optional_id(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


async def user_of(info: Info, pk: int | None) -> UserRef | None:
    from api.schema.accounts import UserNode

    user = await info.context.loaders.user.load(pk) if pk else None
    return UserNode.of(user) if user else None


async def address_of(info: Info, pk: int) -> AddressRef:
    from api.schema.addresses import AddressNode

    return AddressNode.of(await info.context.loaders.address.load(pk))


async def contact_of(info: Info, pk: int | None) -> ContactRef | None:
    from api.schema.addresses import ContactPersonNode

    contact = await info.context.loaders.contact_person.load(pk) if pk else None
    return ContactPersonNode.of(contact) if contact else None


async def visible_address_of(info: Info, pk: int | None) -> AddressRef | None:
    """An address another user referred to, or null if the viewer does not see it."""
    from api.schema.addresses import AddressNode

    address = await info.context.loaders.visible_address.load(pk) if pk else None
    return AddressNode.of(address) if address else None
