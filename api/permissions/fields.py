"""Strawberry permission classes for root and nested fields.

`allow(...)` is the one way a field states who may call it: the roles, the token scope
needed, and whether an API token may call it at all. A missing, bad, expired or revoked
token fails as UNAUTHENTICATED; a viewer outside the rule fails as FORBIDDEN.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from api.errors import Unauthenticated
from api.permissions.viewer import Viewer
from db.models.accounts import Role, TokenScope


def current_viewer(info: Info) -> Viewer:
    context = info.context
    if context.auth_failure is not None:
        raise Unauthenticated(context.auth_failure)
    if context.viewer is None:
        raise Unauthenticated("Log in first: send `Authorization: Bearer <token>`.")
    return context.viewer


class Allow(BasePermission):
    message = "This login or token may not use this field."
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012
    # Decided by the viewer alone, never the object: the level executor asks once per
    # selection (api/level_fields.py).
    viewer_only = True

    def __init__(
        self,
        roles: frozenset[Role] | None = None,
        scopes: frozenset[TokenScope] = frozenset(),
        api_tokens: bool = True,
    ) -> None:
        self.roles = roles
        self.scopes = scopes
        self.api_tokens = api_tokens

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = current_viewer(info)
        if self.roles is not None and viewer.role not in self.roles:
            return False
        if not viewer.via_api_token:
            return True
        return self.api_tokens and (not self.scopes or bool(self.scopes & viewer.scopes))


def allow(
    *roles: Role,
    scopes: tuple[TokenScope, ...] = (),
    api_tokens: bool = True,
    silently: bool = False,
) -> list[PermissionExtension]:
    """Field extensions admitting `roles` (all when none given).

    A session has every right of its role. An API token also needs one of `scopes`
    (none listed: any token), and `api_tokens=False` keeps tokens out entirely.
    `silently` answers null (or an empty list) instead of an error, for nested fields.
    """
    rule = Allow(frozenset(roles) if roles else None, frozenset(scopes), api_tokens)
    return [PermissionExtension(permissions=[rule], fail_silently=silently, use_directives=False)]


# Field rules that answer null or [] call `allow(silently=True)` anew for every field:
# the extension remembers its field's type to know which of the two to answer.


def promoter_contact() -> list[PermissionExtension]:
    """A promoter's contact details: the agency and the promoter themself see them; a
    customer never does (null on every path that reaches a promoter)."""
    return allow(Role.ADMIN, Role.STAFF, Role.PROMOTER, silently=True)


def agency_only() -> list[PermissionExtension]:
    """CRM data on an object a customer or promoter may reach (a store, an appointment):
    agency only, null or empty for everyone else."""
    return allow(Role.ADMIN, Role.STAFF, silently=True)
