"""The token scopes each role may hold; a session holds all of its role's scopes."""

from __future__ import annotations

from db.models.accounts import Role, TokenScope

AGENCY_SCOPES = frozenset(
    {
        TokenScope.CRM_READ,
        TokenScope.CRM_WRITE,
        TokenScope.PROMOTIONS_READ,
        TokenScope.PROMOTIONS_WRITE,
    }
)
CUSTOMER_SCOPES = frozenset(
    {TokenScope.PROJECTS_READ, TokenScope.APPOINTMENTS_REQUEST, TokenScope.REPORTS_READ}
)

ROLE_SCOPES: dict[Role, frozenset[TokenScope]] = {
    Role.ADMIN: AGENCY_SCOPES,
    Role.STAFF: AGENCY_SCOPES,
    Role.CUSTOMER: CUSTOMER_SCOPES,
    Role.PROMOTER: frozenset(),
}

AGENCY_ROLES = frozenset({Role.ADMIN, Role.STAFF})
