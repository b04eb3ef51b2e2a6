"""Logging in and out, with failed attempts per e-mail slowed to a stop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F

from api.authentication import session_viewer
from api.clock import now
from api.credentials import SESSION_KIND, mint_secret, verify_password
from api.permissions.viewer import Viewer
from api.resolvers.failures import ErrorCode, UserFailure
from api.settings import Settings
from db.models.accounts import LoginThrottle, Session, User

WRONG_CREDENTIALS = "E-mail or password is wrong, or this login is disabled."


@dataclass(frozen=True, slots=True)
class LoggedIn:
    token: str
    user: User
    viewer: Viewer


# As stored for users (RFC 5321 limits a path to 254 characters).
MAX_EMAIL_LENGTH = 254


async def login(settings: Settings, email: str, password: str, client: str | None) -> LoggedIn:
    """Check the password; failures are throttled per e-mail address and per client address."""
    key = email.strip().lower()
    if not key:
        raise UserFailure.of("email", ErrorCode.REQUIRED, "email must not be blank.")
    if not password:
        raise UserFailure.of("password", ErrorCode.REQUIRED, "password must not be blank.")
    if len(key) > MAX_EMAIL_LENGTH or "@" not in key:
        # No login has such an address (nor could a throttle row hold it).
        raise UserFailure.of(None, ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS)
    moment = now()
    # Throttle rows are keyed by e-mail, or by "client:<address>": no e-mail lacks an "@".
    limits = {key: settings.login_max_failures}
    if client:
        limits[f"client:{client}"] = settings.login_max_failures_per_client
    if await LoginThrottle.exists(email__in=list(limits), locked_until__gt=moment):
        raise UserFailure.of(
            None, ErrorCode.TOO_MANY_ATTEMPTS, "Too many failed logins; try again later."
        )
    user = await User.get_or_none(email=key)
    password_hash = user.password_hash if user else None
    # argon2 takes ~150 ms of CPU: keep it off the event loop.
    if not await asyncio.to_thread(verify_password, password, password_hash) or not (
        user and user.is_active
    ):
        for throttled, most in limits.items():
            await _record_failure(settings, throttled, most, moment)
        raise UserFailure.of(None, ErrorCode.INVALID_CREDENTIALS, WRONG_CREDENTIALS)
    await LoginThrottle.filter(email=key).delete()
    return await open_session(settings, user)


async def open_session(settings: Settings, user: User) -> LoggedIn:
    minted = mint_secret(SESSION_KIND)
    session = await Session.create(
        user=user,
        public_id=minted.public_id,
        secret_hash=minted.secret_hash,
        expires_at=now() + timedelta(hours=settings.session_ttl_hours),
    )
    return LoggedIn(minted.secret, user, await session_viewer(user, session.id))


async def _record_failure(settings: Settings, key: str, most: int, moment: datetime) -> None:
    """Count a failure in single statements, so concurrent guesses all count."""
    window = timedelta(minutes=settings.login_lockout_minutes)
    await LoginThrottle.get_or_create(email=key, defaults={"window_started_at": moment})
    await LoginThrottle.filter(email=key, window_started_at__lt=moment - window).update(
        failures=0, window_started_at=moment, locked_until=None
    )
    await LoginThrottle.filter(email=key).update(failures=F("failures") + 1)
    await LoginThrottle.filter(email=key, failures__gte=most).update(locked_until=moment + window)


async def logout(viewer: Viewer) -> bool:
    if viewer.session_id is None:
        return False
    revoked = await Session.filter(id=viewer.session_id, revoked_at__isnull=True).update(
        revoked_at=now()
    )
    return revoked > 0
