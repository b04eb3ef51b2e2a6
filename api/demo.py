"""A small demo data set for `make run`, created through the same resolvers as the API."""

from __future__ import annotations

from dataclasses import dataclass

from api.resolvers.users import NewUser, create_user
from db.models.accounts import Role, User


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    password: str
    role: Role


DEMO_LOGINS = [
    DemoLogin("admin@demo.example.com", "demo-admin-password", Role.ADMIN),
    DemoLogin("anna.berger@demo.example.com", "demo-staff-password", Role.STAFF),
]
_NAMES = {Role.ADMIN: "Demo Admin", Role.STAFF: "Anna Berger"}


async def seed_demo() -> bool:
    """Create the demo data unless the database already has users; True when created."""
    if await User.exists():
        return False
    for login in DEMO_LOGINS:
        await create_user(NewUser(login.email, _NAMES[login.role], login.role, login.password))
    return True
