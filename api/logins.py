"""A credential with its login and what the login's viewer needs, in one statement.

Every authenticated request starts here, so the lookup is SQL text written once per
credential table and dialect: the credential, its user, and for a customer the contact
person with its territories (a row each) or for a promoter the profile.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from api.permissions.viewer import Viewer
from db.models.accounts import ApiToken, Credential, Language, Role, TokenScope


@dataclass(frozen=True, slots=True)
class Login:
    """A session or API token, its user, and the row scoping the user's role needs."""

    id: int
    secret_hash: str
    revoked_at: datetime | None
    expires_at: datetime | None
    user_id: int
    role: Role
    language: Language
    is_active: bool
    contact_person_id: int | None
    # The contact person's territories as tree paths, sorted; None: not limited.
    territory_paths: tuple[str, ...] | None
    promoter_id: int | None
    # API tokens only.
    token_scopes: tuple[str, ...] = ()
    last_used_at: datetime | None = None

    def viewer(self, scopes: frozenset[TokenScope], **details: Any) -> Viewer:
        return role_viewer(
            self.user_id,
            self.role,
            self.language,
            scopes,
            contact_person_id=self.contact_person_id,
            territory_paths=self.territory_paths,
            promoter_id=self.promoter_id,
            **details,
        )


def role_viewer(
    user_id: int,
    role: Role,
    language: Language,
    scopes: frozenset[TokenScope],
    *,
    contact_person_id: int | None,
    territory_paths: tuple[str, ...] | None,
    promoter_id: int | None,
    **details: Any,
) -> Viewer:
    """The viewer, with what its role's row scoping looks at and nothing else."""
    if role is Role.CUSTOMER:
        details.update(contact_person_id=contact_person_id, territory_paths=territory_paths)
    elif role is Role.PROMOTER:
        details["promoter_id"] = promoter_id
    return Viewer(user_id=user_id, role=role, language=language, scopes=scopes, **details)


def sorted_paths(found: Iterable[str | None]) -> tuple[str, ...] | None:
    """A contact person's territory paths from a row each (None where it has none), sorted;
    None when there are none: not limited."""
    return tuple(sorted(path for path in found if path is not None)) or None


@cache
def _lookup_sql(model: type[Credential], dialect: str) -> str:
    token_columns = "c.scopes, c.last_used_at, " if model is ApiToken else ""
    placeholder = "$1" if dialect == "postgres" else "?"
    return (
        "SELECT c.id, c.secret_hash, c.revoked_at, c.expires_at, "
        f"{token_columns}u.id, u.role, u.language, u.is_active, cp.id, t.path, p.id "
        f"FROM {model._meta.db_table} c JOIN users u ON u.id = c.user_id "
        "LEFT JOIN contact_persons cp ON cp.user_id = u.id "
        "LEFT JOIN contact_territories ct ON ct.contact_person_id = cp.id "
        "LEFT JOIN territories t ON t.id = ct.territory_id "
        "LEFT JOIN promoters p ON p.user_id = u.id "
        f"WHERE c.public_id = {placeholder}"
    )


async def login_of(model: type[Credential], public_id: str) -> Login | None:
    """The session or API token (`model`) with this public id, or None."""
    db = model._meta.db
    _, rows = await db.execute_query(_lookup_sql(model, str(db.capabilities.dialect)), [public_id])
    return _login(model, rows) if rows else None


def _login(model: type[Credential], rows: Sequence[Sequence[Any]]) -> Login:
    fields = model._meta.fields_map
    first = list(rows[0])
    credential_id, secret_hash, revoked_at, expires_at = first[:4]
    token: dict[str, Any] = {}
    if model is ApiToken:
        scopes, last_used_at = first[4:6]
        token = {
            "token_scopes": tuple(fields["scopes"].to_python_value(scopes)),
            "last_used_at": fields["last_used_at"].to_python_value(last_used_at),
        }
        del first[4:6]
    user_id, role, language, is_active, contact_person_id, _, promoter_id = first[4:]
    return Login(
        id=credential_id,
        secret_hash=secret_hash,
        revoked_at=fields["revoked_at"].to_python_value(revoked_at),
        expires_at=fields["expires_at"].to_python_value(expires_at),
        user_id=user_id,
        role=Role(role),
        language=Language(language),
        is_active=bool(is_active),
        contact_person_id=contact_person_id,
        territory_paths=sorted_paths(row[-2] for row in rows),
        promoter_id=promoter_id,
        **token,
    )
