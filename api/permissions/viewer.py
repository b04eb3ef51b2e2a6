"""The authenticated principal of a request."""

from __future__ import annotations

from dataclasses import dataclass

from api.permissions.scopes import AGENCY_ROLES
from db.models.accounts import Language, Role, TokenScope


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    role: Role
    language: Language
    # A session carries its role's scopes; an API token only those it was given.
    scopes: frozenset[TokenScope]
    session_id: int | None = None
    api_token_id: int | None = None
    # An API token limited to projects sees only these; None: no limit.
    project_ids: frozenset[int] | None = None
    # A CUSTOMER login's contact person, and the territories (as tree paths) it is limited
    # to; None: not limited.
    contact_person_id: int | None = None
    territory_paths: tuple[str, ...] | None = None
    # A PROMOTER login's profile.
    promoter_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_agency(self) -> bool:
        return self.role in AGENCY_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role is Role.CUSTOMER

    @property
    def is_promoter(self) -> bool:
        return self.role is Role.PROMOTER

    @property
    def via_api_token(self) -> bool:
        return self.api_token_id is not None
