"""Turning an `Authorization: Bearer …` header into a viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api.clock import now
from api.credentials import API_TOKEN_KIND, SESSION_KIND, parse_secret
from api.logins import Login, login_of, role_viewer, sorted_paths
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
    # The login's contact person (one at most) with its territories, in one statement:
    # a row per territory, or one row with no path.
    rows = (
        await ContactPerson.filter(user_id=user.id).values_list(
            "id", "territory_links__territory__path"
        )
        if role is Role.CUSTOMER
        else []
    )
    promoter = await Promoter.filter(user_id=user.id).first() if role is Role.PROMOTER else None
    return role_viewer(
        user.id,
        role,
        user.language,
        scopes,
        contact_person_id=rows[0][0] if rows else None,
        territory_paths=sorted_paths(path for _, path in rows),
        promoter_id=promoter.id if promoter else None,
        **details,
    )


async def session_viewer(user: User, session_id: int) -> Viewer:
    return await _viewer_for(user, ROLE_SCOPES[Role(user.role)], session_id=session_id)


async def authenticate(header: str | None) -> Authentication:
    if not header:
        return ANONYMOUS
    secret = bearer_secret(header)
    presented = parse_secret(secret) if secret else None
    if presented is None or presented.kind not in {SESSION_KIND, API_TOKEN_KIND}:
        return _refused("The Authorization header must be `Bearer <token>`.")
    via_token = presented.kind == API_TOKEN_KIND
    login = await login_of(ApiToken if via_token else Session, presented.public_id)
    if login is None or not presented.matches(login.secret_hash):
        return _refused("The token is not valid.")
    moment = now()
    if login.revoked_at is not None:
        return _refused("The token has been revoked.")
    if login.expires_at is not None and login.expires_at <= moment:
        return _refused("The token has expired.")
    if not login.is_active:
        return _refused("This login is disabled.")
    if not via_token:
        return Authentication(login.viewer(ROLE_SCOPES[login.role], session_id=login.id))
    await _touch(login, moment)
    # A token never exceeds its owner, even if the owner's role changed since.
    scopes = frozenset(TokenScope(s) for s in login.token_scopes) & ROLE_SCOPES[login.role]
    projects = await ApiTokenProject.filter(api_token_id=login.id).values_list(
        "project_id", flat=True
    )
    viewer = login.viewer(scopes, api_token_id=login.id, project_ids=frozenset(projects) or None)
    return Authentication(viewer)


async def _touch(login: Login, moment: datetime) -> None:
    last = login.last_used_at
    if last is None or moment - last >= LAST_USED_PRECISION:
        await ApiToken.filter(id=login.id).update(last_used_at=moment)
