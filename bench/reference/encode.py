"""The API's encodings: Relay global IDs, DateTime text and keyset cursors."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def gid(type_name: str, pk: int) -> str:
    """A Relay global ID, as strawberry writes it: base64 of "Type:pk"."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def parse_gid(value: object, type_name: str) -> int | None:
    """The primary key of a global ID of `type_name`, or None."""
    if not isinstance(value, str):
        return None
    try:
        kind, _, pk = base64.b64decode(value.encode()).decode().partition(":")
        return int(pk) if kind == type_name else None
    except (ValueError, binascii.Error, UnicodeError):
        return None


def cursor(values: list[Any]) -> str:
    """A keyset cursor: base64url of the JSON list of sort keys, as the API writes it."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def uncursor(value: str, length: int) -> list[Any]:
    decoded = json.loads(base64.urlsafe_b64decode(value.encode()))
    if not isinstance(decoded, list) or len(decoded) != length:
        raise ValueError(value)
    return decoded
