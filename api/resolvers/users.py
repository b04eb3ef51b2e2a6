"""Agency logins: creating users (staff get their personal account group) and finding them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.credentials import hash_password
from api.permissions.scoping import visible_users
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from api.resolvers.pagination import Page, PageRequest, paginate
from db.models.accounts import Language, Role, User
from db.models.crm import AccountGroup, AccountGroupMember

AGENCY_ROLES_CREATED_HERE = (Role.ADMIN, Role.STAFF)


@dataclass(frozen=True, slots=True)
class NewUser:
    email: str
    name: str
    role: Role
    password: str
    language: Language = Language.DE


async def create_user(new: NewUser) -> User:
    problems = FailureCollector()
    email = problems.check(inputs.email_address, new.email, "email")
    name = problems.check(inputs.required_text, new.name, "name")
    password = problems.check(inputs.new_password, new.password, "password")
    if new.role not in AGENCY_ROLES_CREATED_HERE:
        problems.add(
            "role",
            ErrorCode.INVALID,
            "createUser makes ADMIN or STAFF logins; promoters and customers get theirs "
            "through createPromoter and enablePortalAccess.",
        )
    problems.raise_if_any()
    if await User.exists(email=email):
        raise _duplicate_email()
    password_hash = await asyncio.to_thread(hash_password, password)
    try:
        async with in_transaction():
            user = await User.create(
                email=email,
                name=name,
                role=new.role,
                password_hash=password_hash,
                language=new.language,
            )
            if new.role is Role.STAFF:
                group = await AccountGroup.create(name=name, personal_for=user)
                await AccountGroupMember.create(group=group, user=user)
    except IntegrityError:
        # Two requests raced past the exists() check; the unique index decided.
        raise _duplicate_email() from None
    return user


def _duplicate_email() -> UserFailure:
    return UserFailure.of("email", ErrorCode.DUPLICATE, "A login with this e-mail exists.")


async def find_users(viewer: Viewer, role: Role | None, page: PageRequest) -> Page[User]:
    queryset = User.filter(visible_users(viewer))
    if role is not None:
        queryset = queryset.filter(role=role)
    return await paginate(queryset, ("name", "id"), page)


async def visible_user(viewer: Viewer, pk: int) -> User | None:
    return await User.filter(visible_users(viewer), pk=pk).first()
