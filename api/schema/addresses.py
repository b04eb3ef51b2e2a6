"""Addresses (companies, persons, stores), their contact persons and portal access."""

from __future__ import annotations

from datetime import date
from typing import Self

import strawberry
from strawberry import UNSET, relay
from strawberry.types import Info

from api.permissions.fields import agency_only, current_viewer
from api.resolvers import addresses, contacts
from api.resolvers.pagination import page_of_list
from api.schema.activities import ActivityNode, CampaignMembership
from api.schema.crm import CRM_READ, CRM_WRITE, AccountGroupNode, TerritoryNode, territory_ref
from api.schema.errors import Payload, mutate
from api.schema.nodes import Connection, VisibleNode, page_request
from api.schema.row_views import row_view
from db.models import crm as models
from db.models.accounts import TokenScope

AddressKind = strawberry.enum(models.AddressKind, name="AddressKind")


@strawberry.type(description="Days on which the customer must not be contacted (inclusive).")
class InactivePeriod:
    from_: date = strawberry.field(name="from")
    until: date
    reason: str


@row_view()
@strawberry.type(name="ContactPerson", description="A person to talk to at an address.")
class ContactPersonNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    first_name: str
    last_name: str
    position: str
    phone: str | None
    email: str | None
    address_id: strawberry.Private[int]
    user_id: strawberry.Private[int | None]

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        contact = await contacts.visible_contact(current_viewer(info), pk)
        return cls.of(contact) if contact else None

    @strawberry.field(description="Whether the contact has an active customer-portal login.")
    async def portal_access(self, info: Info) -> bool:
        login = await info.context.loaders.user.load(self.user_id) if self.user_id else None
        return login is not None and login.is_active

    @strawberry.field(
        extensions=agency_only(),
        description="The territories the contact's portal view is limited to (agency only).",
    )
    async def territories(self, info: Info) -> list[TerritoryNode]:
        rows = await info.context.loaders.territories_of_contact.load(self.id)
        return [TerritoryNode.of(row) for row in rows]

    @strawberry.field
    async def address(self, info: Info) -> AddressNode:
        address = await info.context.loaders.address.load(self.address_id)
        return AddressNode.of(address)


@row_view(number="customer_number")
@strawberry.type(name="Address", description="A company, a person or a store.")
class AddressNode(VisibleNode):
    read_scopes = frozenset({TokenScope.CRM_READ})
    id: relay.NodeID[int]
    kind: AddressKind
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    phone: str | None
    email: str | None
    number: strawberry.Private[str | None]
    account_group_id: strawberry.Private[int | None]
    secondary_account_group_id: strawberry.Private[int | None]
    territory_id: strawberry.Private[int | None]

    @classmethod
    async def load_visible(cls, info: Info, pk: int) -> Self | None:
        address = await addresses.visible_address(current_viewer(info), pk)
        return cls.of(address) if address else None

    async def _group(self, info: Info, pk: int | None) -> AccountGroupNode | None:
        group = await info.context.loaders.account_group.load(pk) if pk else None
        return AccountGroupNode.of(group) if group else None

    @strawberry.field(extensions=agency_only())
    def customer_number(self) -> str | None:
        return self.number

    @strawberry.field(
        extensions=agency_only(),
        description="The primary account group: its members see this address.",
    )
    async def account_group(self, info: Info) -> AccountGroupNode | None:
        return await self._group(info, self.account_group_id)

    @strawberry.field(
        extensions=agency_only(), description="A second group whose members see this address too."
    )
    async def secondary_account_group(self, info: Info) -> AccountGroupNode | None:
        return await self._group(info, self.secondary_account_group_id)

    @strawberry.field(extensions=agency_only(), description="The store's territory (agency only).")
    @territory_ref(lambda self: self.territory_id)
    async def territory(self, info: Info) -> TerritoryNode | None: ...

    @strawberry.field(extensions=agency_only())
    async def contact_persons(self, info: Info) -> list[ContactPersonNode]:
        rows = await info.context.loaders.contacts_of_address.load(self.id)
        return [ContactPersonNode.of(row) for row in rows]

    @strawberry.field(extensions=agency_only())
    async def inactive_periods(self, info: Info) -> list[InactivePeriod]:
        rows = await info.context.loaders.inactive_periods_of_address.load(self.id)
        return [InactivePeriod(from_=r.starts_on, until=r.ends_on, reason=r.reason) for r in rows]

    @strawberry.field(extensions=agency_only())
    async def campaign_memberships(self, info: Info) -> list[CampaignMembership]:
        rows = await info.context.loaders.campaign_memberships_of_address.load(self.id)
        return [CampaignMembership.of(row) for row in rows]

    @strawberry.field(
        extensions=agency_only(),
        description="The contact history, newest first, including activities this address "
        "took part in (agency only).",
    )
    async def activities(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ActivityNode] | None:
        rows = await info.context.loaders.activities_of_address.load(self.id)
        page = page_of_list(rows, page_request(first, after, None, None), default_size=20)
        return Connection.of(page, ActivityNode.of)


@strawberry.input
class CreateAddressInput:
    kind: AddressKind
    name: str
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    phone: str | None = None
    email: str | None = None
    customer_number: str | None = None
    account_group_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff who give none get their personal group."
    )
    secondary_account_group_id: strawberry.ID | None = None
    territory_id: strawberry.ID | None = None


@strawberry.input(description="Only the fields given change; null clears an optional field.")
class UpdateAddressInput:
    id: strawberry.ID
    kind: AddressKind | None = UNSET
    name: str | None = UNSET
    street: str | None = UNSET
    postal_code: str | None = UNSET
    city: str | None = UNSET
    country: str | None = UNSET
    phone: str | None = UNSET
    email: str | None = UNSET
    customer_number: str | None = UNSET
    account_group_id: strawberry.ID | None = UNSET
    secondary_account_group_id: strawberry.ID | None = UNSET
    territory_id: strawberry.ID | None = UNSET


_CHANGE_FIELDS = (
    "kind", "name", "street", "postal_code", "city", "country", "phone", "email",
    "customer_number", "account_group_id", "secondary_account_group_id", "territory_id",
)  # fmt: skip


def _changes(input: CreateAddressInput | UpdateAddressInput) -> addresses.AddressChanges:
    values = {name: getattr(input, name) for name in _CHANGE_FIELDS}
    for name in ("account_group_id", "secondary_account_group_id", "territory_id"):
        if values[name] not in (None, UNSET):
            values[name] = str(values[name])
    if values["kind"] not in (None, UNSET):
        values["kind"] = models.AddressKind(values["kind"])
    return addresses.AddressChanges(**values)


@strawberry.type
class AddressPayload(Payload):
    address: AddressNode | None = None


@strawberry.input
class CreateContactPersonInput:
    address_id: strawberry.ID
    last_name: str
    first_name: str | None = None
    position: str | None = None
    phone: str | None = None
    email: str | None = None


@strawberry.input
class EnablePortalAccessInput:
    contact_person_id: strawberry.ID
    password: str | None = strawberry.field(
        default=None, description="Without one, the contact is invited by e-mail."
    )


@strawberry.type
class ContactPersonPayload(Payload):
    contact_person: ContactPersonNode | None = None


@strawberry.type
class AddressesQuery:
    @strawberry.field(
        extensions=CRM_READ,
        description="Addresses the viewer sees. `search` takes up to two words, each matching "
        "the start of a word of the name, city, customer number or a contact's name; best "
        "matches first, ten by default.",
    )
    async def addresses(
        self,
        info: Info,
        search: str | None = None,
        kind: AddressKind | None = None,
        without_account_group: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AddressNode]:
        query = addresses.AddressQuery(
            search=search,
            kind=models.AddressKind(kind) if kind else None,
            without_account_group=without_account_group,
        )
        page = await addresses.find_addresses(
            current_viewer(info), query, page_request(first, after, None, None)
        )
        return Connection.of(page, AddressNode.of)


@strawberry.type
class AddressesMutation:
    @strawberry.mutation(extensions=CRM_WRITE)
    async def create_address(self, info: Info, input: CreateAddressInput) -> AddressPayload:
        viewer = current_viewer(info)

        async def work() -> AddressPayload:
            address = await addresses.create_address(viewer, _changes(input))
            return AddressPayload(address=AddressNode.of(address))

        return await mutate(AddressPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def update_address(self, info: Info, input: UpdateAddressInput) -> AddressPayload:
        viewer = current_viewer(info)

        async def work() -> AddressPayload:
            address = await addresses.update_address(viewer, str(input.id), _changes(input))
            return AddressPayload(address=AddressNode.of(address))

        return await mutate(AddressPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def create_contact_person(
        self, info: Info, input: CreateContactPersonInput
    ) -> ContactPersonPayload:
        viewer = current_viewer(info)
        new = contacts.NewContact(
            address_id=str(input.address_id),
            first_name=input.first_name,
            last_name=input.last_name,
            position=input.position,
            phone=input.phone,
            email=input.email,
        )

        async def work() -> ContactPersonPayload:
            contact = await contacts.create_contact_person(viewer, new)
            return ContactPersonPayload(contact_person=ContactPersonNode.of(contact))

        return await mutate(ContactPersonPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def enable_portal_access(
        self, info: Info, input: EnablePortalAccessInput
    ) -> ContactPersonPayload:
        viewer = current_viewer(info)
        settings = info.context.settings

        async def work() -> ContactPersonPayload:
            contact = await contacts.enable_portal_access(
                viewer, settings, str(input.contact_person_id), input.password
            )
            return ContactPersonPayload(contact_person=ContactPersonNode.of(contact))

        return await mutate(ContactPersonPayload, work)

    @strawberry.mutation(
        extensions=CRM_WRITE, description="End the login and every session and token of it."
    )
    async def disable_portal_access(
        self, info: Info, contact_person_id: strawberry.ID
    ) -> ContactPersonPayload:
        viewer = current_viewer(info)

        async def work() -> ContactPersonPayload:
            contact = await contacts.disable_portal_access(viewer, str(contact_person_id))
            return ContactPersonPayload(contact_person=ContactPersonNode.of(contact))

        return await mutate(ContactPersonPayload, work)

    @strawberry.mutation(extensions=CRM_WRITE)
    async def assign_contact_territories(
        self, info: Info, contact_person_id: strawberry.ID, territory_ids: list[strawberry.ID]
    ) -> ContactPersonPayload:
        viewer = current_viewer(info)

        async def work() -> ContactPersonPayload:
            contact = await contacts.assign_contact_territories(
                viewer, str(contact_person_id), [str(t) for t in territory_ids]
            )
            return ContactPersonPayload(contact_person=ContactPersonNode.of(contact))

        return await mutate(ContactPersonPayload, work)
