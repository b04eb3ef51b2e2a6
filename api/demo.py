"""A small demo data set for `make run`, created through the same resolvers as the API."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.relay import GlobalID
from tortoise.transactions import in_transaction

from api.authentication import session_viewer
from api.resolvers import addresses, contacts, groups, territories
from api.resolvers.users import NewUser, create_user
from api.settings import Settings
from db.models.accounts import Role, User
from db.models.crm import AccountGroup, AddressKind


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    password: str
    role: Role


ADMIN = DemoLogin("admin@demo.example.com", "demo-admin-password", Role.ADMIN)
ANNA = DemoLogin("anna.berger@demo.example.com", "demo-staff-password", Role.STAFF)
BEN = DemoLogin("ben.schulz@demo.example.com", "demo-staff-password", Role.STAFF)
CUSTOMER = DemoLogin("maria.huber@demo.example.com", "demo-customer-password", Role.CUSTOMER)
DEMO_LOGINS = [ADMIN, ANNA, BEN, CUSTOMER]


def _gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


async def seed_demo(settings: Settings) -> bool:
    """Create the demo data unless the database already has users; True when created."""
    if await User.exists():
        return False
    async with in_transaction():
        await _seed(settings)
    return True


async def _seed(settings: Settings) -> None:
    admin_user = await create_user(NewUser(ADMIN.email, "Demo Admin", Role.ADMIN, ADMIN.password))
    anna = await create_user(NewUser(ANNA.email, "Anna Berger", Role.STAFF, ANNA.password))
    ben = await create_user(NewUser(BEN.email, "Ben Schulz", Role.STAFF, BEN.password))
    admin = await session_viewer(admin_user, session_id=0)
    region = await groups.create_account_group(
        "Region Süd", [_gid("User", anna.id), _gid("User", ben.id)]
    )
    await groups.create_team("Innendienst", [_gid("User", anna.id), _gid("User", ben.id)])
    germany = await territories.create_territory(admin, "Deutschland", None)
    bavaria = await territories.create_territory(admin, "Bayern", _gid("Territory", germany.id))
    munich = await territories.create_territory(admin, "München", _gid("Territory", bavaria.id))
    nrw = await territories.create_territory(
        admin, "Nordrhein-Westfalen", _gid("Territory", germany.id)
    )
    anna_group = await AccountGroup.get(personal_for_id=anna.id)

    async def address(kind: AddressKind, name: str, city: str, group: int, **extra: object) -> int:
        changes = addresses.AddressChanges(
            kind=kind, name=name, city=city, account_group_id=_gid("AccountGroup", group),
            **extra,
        )  # fmt: skip
        return (await addresses.create_address(admin, changes)).id

    feinkost = await address(
        AddressKind.COMPANY, "Müller Feinkost GmbH", "München", anna_group.id,
        street="Leopoldstraße 12", postal_code="80802", customer_number="K-10001",
        phone="089 1234567", email="info@mueller-feinkost.example.com",
    )  # fmt: skip
    await address(AddressKind.COMPANY, "Getränke Schulz KG", "Augsburg", region.id)
    await address(
        AddressKind.STORE, "Frischmarkt Schwabing", "München", region.id,
        territory_id=_gid("Territory", munich.id),
    )  # fmt: skip
    await address(
        AddressKind.STORE, "Frischmarkt Ehrenfeld", "Köln", region.id,
        territory_id=_gid("Territory", nrw.id),
    )  # fmt: skip
    maria = await contacts.create_contact_person(
        admin,
        contacts.NewContact(
            address_id=_gid("Address", feinkost),
            first_name="Maria",
            last_name="Huber",
            position="Einkauf",
            email=CUSTOMER.email,
        ),
    )
    await contacts.enable_portal_access(
        admin, settings, _gid("ContactPerson", maria.id), CUSTOMER.password
    )
