"""Turning an `Authorization: Bearer …` header into a viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api.clock import now
from api.credentials import API_TOKEN_KIND, SESSION_KIND, parse_secret
from api.permissions.scopes import ROLE_SCOPES
from api.permissions.viewer import Viewer
from db.models.accounts import ApiToken, Role, Session, TokenScope, User
from db.models.crm import ContactPerson
from db.models.promotions import ApiTokenProject, Promoter

# lastUsedAt is precise to this much, so a busy integration does not write on every call.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Authentication:
    viewer: Viewer | None = None
    failure: str | None = None


ANONYMOUS = Authentication()


def _refused(reason: str) -> Authentication:
    return Authentication(failure=reason)


def bearer_secret(header: str) -> str | None:
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


async def _viewer_for(user: User, scopes: frozenset[TokenScope], **details: Any) -> Viewer:
    """The principal, with what its role's row scoping needs to know."""
    role = Role(user.role)
    if role is Role.CUSTOMER:
        # The login's contact person (one at most) with its territories, in one statement:
        # a row per territory, or one row with no path.
        rows = await ContactPerson.filter(user_id=user.id).values_list(
            "id", "territory_links__territory__path"
        )
        details["contact_person_id"] = rows[0][0] if rows else None
        details["territory_paths"] = tuple(sorted(p for _, p in rows if p is not None)) or None
    elif role is Role.PROMOTER:
        promoter = await Promoter.filter(user_id=user.id).first()
        details["promoter_id"] = promoter.id if promoter else None
    return Viewer(user_id=user.id, role=role, language=user.language, scopes=scopes, **details)


async def session_viewer(user: User, session_id: int) -> Viewer:
    return await _viewer_for(user, ROLE_SCOPES[Role(user.role)], session_id=session_id)


async def authenticate(header: str | None) -> Authentication:
    if not header:
        return ANONYMOUS
    secret = bearer_secret(header)
    presented = parse_secret(secret) if secret else None
    if presented is None or presented.kind not in {SESSION_KIND, API_TOKEN_KIND}:
        return _refused("The Authorization header must be `Bearer <token>`.")
    model = Session if presented.kind == SESSION_KIND else ApiToken
    row = await model.get_or_none(public_id=presented.public_id).select_related("user")
    if row is None or not presented.matches(row.secret_hash):
        return _refused("The token is not valid.")
    moment = now()
    if row.revoked_at is not None:
        return _refused("The token has been revoked.")
    if row.expires_at is not None and row.expires_at <= moment:
        return _refused("The token has expired.")
    user: User = row.user
    if not user.is_active:
        return _refused("This login is disabled.")
    role_scopes = ROLE_SCOPES[Role(user.role)]
    if presented.kind == API_TOKEN_KIND:
        await _touch(row, moment)
        # A token never exceeds its owner, even if the owner's role changed since.
        scopes = frozenset(TokenScope(s) for s in row.scopes) & role_scopes
        projects = await ApiTokenProject.filter(api_token_id=row.id).values_list(
            "project_id", flat=True
        )
        return Authentication(
            await _viewer_for(
                user, scopes, api_token_id=row.id, project_ids=frozenset(projects) or None
            )
        )
    return Authentication(await session_viewer(user, row.id))


async def _touch(token: ApiToken, moment: datetime) -> None:
    last = token.last_used_at
    if last is None or moment - last >= LAST_USED_PRECISION:
        await ApiToken.filter(id=token.id).update(last_used_at=moment)
