"""`UserError`, the error codes, and running a mutation so that failure changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from tortoise.transactions import in_transaction

from api.resolvers import failures
from api.resolvers.failures import UserFailure

ErrorCode = strawberry.enum(failures.ErrorCode, name="ErrorCode")


@strawberry.type
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault, in camelCase; null when none is."
    )
    code: ErrorCode
    message: str


@strawberry.type(description="Every mutation payload: `errors` is empty on success.")
class Payload:
    errors: list[UserError] = strawberry.field(default_factory=list)


P = TypeVar("P", bound=Payload)


def user_errors(failure: UserFailure) -> list[UserError]:
    return [UserError(field=f.field, code=f.code, message=f.message) for f in failure.failures]


async def mutate(payload: type[P], work: Callable[[], Awaitable[P]]) -> P:
    """Run a mutation's work in one transaction; a UserFailure rolls all of it back."""
    try:
        async with in_transaction():
            return await work()
    except UserFailure as failure:
        return payload(errors=user_errors(failure))
