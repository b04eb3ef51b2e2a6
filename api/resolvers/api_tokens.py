"""Scoped API tokens: created by a logged-in user, never stronger than their owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.clock import now
from api.credentials import API_TOKEN_KIND, mint_secret
from api.permissions.scopes import ROLE_SCOPES
from api.permissions.scoping import own_api_tokens, visible_projects
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from db.models.accounts import ApiToken, TokenScope
from db.models.promotions import ApiTokenProject, Project


@dataclass(frozen=True, slots=True)
class TokenRequest:
    name: str
    scopes: list[TokenScope]
    project_ids: list[str] | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    secret: str
    token: ApiToken


async def create_api_token(viewer: Viewer, request: TokenRequest) -> IssuedToken:
    problems = FailureCollector()
    name = problems.check(inputs.required_text, request.name, "name")
    if not request.scopes:
        problems.add("scopes", ErrorCode.REQUIRED, "Give the token at least one scope.")
    beyond_owner = sorted(set(request.scopes) - ROLE_SCOPES[viewer.role])
    if beyond_owner:
        problems.add(
            "scopes",
            ErrorCode.FORBIDDEN,
            f"Your login does not have {', '.join(beyond_owner)}; a token cannot exceed it.",
        )
    if request.expires_at is not None and request.expires_at <= now():
        problems.add("expiresAt", ErrorCode.INVALID, "expiresAt must lie in the future.")
    project_ids = await problems.check_async(
        lambda v, f: _visible_projects(viewer, v, f), request.project_ids or [], "projectIds"
    )
    problems.raise_if_any()
    minted = mint_secret(API_TOKEN_KIND)
    token = await ApiToken.create(
        user_id=viewer.user_id,
        name=name,
        scopes=sorted(set(request.scopes)),
        public_id=minted.public_id,
        secret_hash=minted.secret_hash,
        expires_at=request.expires_at,
    )
    await ApiTokenProject.bulk_create(
        [ApiTokenProject(api_token_id=token.id, project_id=pk) for pk in project_ids]
    )
    return IssuedToken(minted.secret, token)


async def _visible_projects(viewer: Viewer, global_ids: list[str], field: str) -> list[int]:
    """A token may be limited only to projects its owner sees."""
    pks = inputs.node_pks(global_ids, "Project", field)
    if await Project.filter(visible_projects(viewer), id__in=pks).count() != len(pks):
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, "No Project with this ID.")
    return pks


async def revoke_api_token(viewer: Viewer, global_id: str) -> ApiToken:
    """Revoke one of the viewer's tokens; revoking twice keeps the first time."""
    pk = inputs.node_pk(global_id, "ApiToken", "id")
    await ApiToken.filter(own_api_tokens(viewer), pk=pk, revoked_at__isnull=True).update(
        revoked_at=now()
    )
    token = await visible_api_token(viewer, pk)
    if token is None:
        raise UserFailure.of("id", ErrorCode.NOT_FOUND, "No ApiToken with this ID.")
    return token


async def visible_api_token(viewer: Viewer, pk: int) -> ApiToken | None:
    return await ApiToken.filter(own_api_tokens(viewer), pk=pk).first()


async def list_api_tokens(viewer: Viewer) -> list[ApiToken]:
    return await ApiToken.filter(own_api_tokens(viewer)).order_by("-created_at", "-id")
