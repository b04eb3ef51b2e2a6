"""Expected failures of a mutation, reported to the client as `UserError`s."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class ErrorCode(StrEnum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_STATE = "INVALID_STATE"
    PROMOTER_UNAVAILABLE = "PROMOTER_UNAVAILABLE"
    FULLY_STAFFED = "FULLY_STAFFED"
    CAMPAIGN_REQUIRED = "CAMPAIGN_REQUIRED"
    CAMPAIGN_ARCHIVED = "CAMPAIGN_ARCHIVED"
    DUPLICATE = "DUPLICATE"


@dataclass(frozen=True, slots=True)
class Failure:
    field: str | None
    code: ErrorCode
    message: str


class UserFailure(Exception):
    """Raised by a resolver to abort a mutation; its transaction rolls back."""

    def __init__(self, *failures: Failure) -> None:
        super().__init__("; ".join(f.message for f in failures))
        self.failures = list(failures)

    @classmethod
    def of(cls, field: str | None, code: ErrorCode, message: str) -> UserFailure:
        return cls(Failure(field, code, message))


class FailureCollector:
    """Gathers every input problem so the client sees them all at once."""

    def __init__(self) -> None:
        self.failures: list[Failure] = []

    def add(self, field: str | None, code: ErrorCode, message: str) -> None:
        self.failures.append(Failure(field, code, message))

    def check(self, validate: Callable[[T, str], R], value: T, field: str) -> R:
        """Run one input check, keeping its failure for later instead of raising it."""
        try:
            return validate(value, field)
        except UserFailure as failure:
            self.failures.extend(failure.failures)
            return value  # type: ignore[return-value]  # never used: raise_if_any follows

    async def check_async(
        self, validate: Callable[[T, str], Awaitable[R]], value: T, field: str
    ) -> R:
        """`check` for checks that query the database."""
        try:
            return await validate(value, field)
        except UserFailure as failure:
            self.failures.extend(failure.failures)
            return value  # type: ignore[return-value]  # never used: raise_if_any follows

    def raise_if_any(self) -> None:
        if self.failures:
            raise UserFailure(*self.failures)
