"""Users and their credentials: password logins, sessions, API tokens, login throttling."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    ADMIN = "ADMIN"
    STAFF = "STAFF"
    PROMOTER = "PROMOTER"
    CUSTOMER = "CUSTOMER"


class TokenScope(StrEnum):
    PROJECTS_READ = "PROJECTS_READ"
    APPOINTMENTS_REQUEST = "APPOINTMENTS_REQUEST"
    REPORTS_READ = "REPORTS_READ"
    CRM_READ = "CRM_READ"
    CRM_WRITE = "CRM_WRITE"
    PROMOTIONS_READ = "PROMOTIONS_READ"
    PROMOTIONS_WRITE = "PROMOTIONS_WRITE"


class Language(StrEnum):
    DE = "de"
    EN = "en"


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=16)
    # Null until an invited customer sets a password.
    password_hash = fields.CharField(max_length=200, null=True)
    is_active = fields.BooleanField(default=True)
    language = fields.CharEnumField(Language, max_length=2, default=Language.DE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"


class Credential(Model):
    """A bearer secret: only its SHA-256 is stored, found by its public id."""

    id = fields.IntField(primary_key=True)
    public_id = fields.CharField(max_length=16, unique=True)
    secret_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        abstract = True


class Session(Credential):
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int

    class Meta:
        table = "sessions"


class ApiToken(Credential):
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    name = fields.CharField(max_length=100)
    scopes: list[str] = fields.JSONField(default=list)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"


class PortalInvitation(Credential):
    """A one-time link that lets an invited customer set a password."""

    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="invitations", on_delete=fields.CASCADE
    )
    user_id: int
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "portal_invitations"


class LoginThrottle(Model):
    """Failed logins per e-mail, so guessing passwords gets refused for a while."""

    email = fields.CharField(max_length=254, primary_key=True)
    failures = fields.IntField(default=0)
    window_started_at = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "login_throttle"
