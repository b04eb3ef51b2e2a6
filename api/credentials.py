"""Password hashing and bearer secrets.

Passwords are argon2-hashed (slow on purpose). Bearer secrets are 256 random bits, so a
SHA-256 of them is enough and keeps every authenticated request cheap. A secret reads
`<kind>_<public id>_<random part>`: the public id finds the row and is safe to display.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

SESSION_KIND = "pps"
API_TOKEN_KIND = "ppt"
INVITATION_KIND = "ppi"

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths take as long.
_DUMMY_HASH = _hasher.hash("promoplan-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class MintedSecret:
    kind: str
    public_id: str
    secret: str
    secret_hash: str


@dataclass(frozen=True, slots=True)
class PresentedSecret:
    kind: str
    public_id: str
    secret: str

    def matches(self, secret_hash: str) -> bool:
        return hmac.compare_digest(_digest(self.secret), secret_hash)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def mint_secret(kind: str) -> MintedSecret:
    public_id = secrets.token_hex(6)
    secret = f"{kind}_{public_id}_{secrets.token_urlsafe(32)}"
    return MintedSecret(kind, public_id, secret, _digest(secret))


def parse_secret(secret: str) -> PresentedSecret | None:
    kind, _, rest = secret.partition("_")
    public_id, _, random_part = rest.partition("_")
    if kind not in {SESSION_KIND, API_TOKEN_KIND, INVITATION_KIND}:
        return None
    if len(public_id) != 12 or not random_part:
        return None
    return PresentedSecret(kind, public_id, secret)


def display_prefix(kind: str, public_id: str) -> str:
    return f"{kind}_{public_id}"
