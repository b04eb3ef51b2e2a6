"""The API's session-token lookup in one statement: public id → session, user, and for a
customer their contact person and territory paths; SHA-256 of the secret compared in
constant time; revoked, expired and disabled logins refused."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.reference.db import Database

SESSION_KIND = "pps"


class Unauthenticated(Exception):
    """The request's token is missing or not valid."""


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    role: str
    contact_person_id: int | None = None
    # A customer limited to territories: their tree paths; None: not limited.
    territory_paths: tuple[str, ...] | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"

    @property
    def is_agency(self) -> bool:
        return self.role in {"ADMIN", "STAFF"}

    @property
    def is_customer(self) -> bool:
        return self.role == "CUSTOMER"


def _session_sql(db: Database) -> str:
    paths = db.text_aggregate("t.path")
    return (
        "SELECT s.secret_hash, s.expires_at, s.revoked_at, u.id, u.role, u.is_active, c.id, "
        f"(SELECT {paths} FROM contact_territories ct "
        "JOIN territories t ON t.id = ct.territory_id WHERE ct.contact_person_id = c.id) "
        "FROM sessions s JOIN users u ON u.id = s.user_id "
        "LEFT JOIN contact_persons c ON c.user_id = u.id "
        "WHERE s.public_id = ?"
    )


def _presented(header: str | None) -> tuple[str, str]:
    """(public id, whole secret) of a `Bearer pps_<public id>_<random>` header."""
    scheme, _, secret = (header or "").partition(" ")
    secret = secret.strip()
    kind, _, rest = secret.partition("_")
    public_id, _, random_part = rest.partition("_")
    if scheme.lower() != "bearer" or kind != SESSION_KIND:
        raise Unauthenticated("The reference accepts session tokens only.")
    if len(public_id) != 12 or not random_part:
        raise Unauthenticated("The Authorization header must be `Bearer <token>`.")
    return public_id, secret


async def authenticate(db: Database, header: str | None) -> Viewer:
    public_id, secret = _presented(header)
    rows = await db.fetch(_session_sql(db), (public_id,))
    if not rows:
        raise Unauthenticated("The token is not valid.")
    secret_hash, expires_at, revoked_at, user_id, role, active, contact_id, paths = rows[0]
    if not hmac.compare_digest(hashlib.sha256(secret.encode()).hexdigest(), secret_hash):
        raise Unauthenticated("The token is not valid.")
    if revoked_at is not None:
        raise Unauthenticated("The token has been revoked.")
    if expires_at is not None and db.datetime_of(expires_at) <= datetime.now(UTC):
        raise Unauthenticated("The token has expired.")
    if not active:
        raise Unauthenticated("This login is disabled.")
    if role != "CUSTOMER":
        return Viewer(user_id=user_id, role=role)
    territory_paths = tuple(sorted(paths.split("\n"))) if paths else None
    return Viewer(user_id, role, contact_id, territory_paths)
