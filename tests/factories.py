"""Test data made directly in the database, hashing the one test password only once."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

from api.credentials import hash_password
from api.resolvers.sessions import open_session
from api.settings import Settings
from db.models.accounts import Role, User
from db.models.crm import AccountGroup, AccountGroupMember

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class Login:
    user: User
    token: str


class Factory:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def user(self, role: Role = Role.STAFF, name: str | None = None) -> User:
        number = next(_numbers)
        name = name or f"{role.title()} {number}"
        user = await User.create(
            email=f"user{number}@example.com",
            name=name,
            role=role,
            password_hash=_password_hash(),
        )
        if role is Role.STAFF:
            group = await AccountGroup.create(name=name, personal_for=user)
            await AccountGroupMember.create(group=group, user=user)
        return user

    async def login(self, role: Role = Role.STAFF, name: str | None = None) -> Login:
        """A user with an open session, without paying for a password check."""
        user = await self.user(role, name)
        return Login(user, (await open_session(self.settings, user)).token)
