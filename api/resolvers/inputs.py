"""Validation of mutation inputs; each check names the input field at fault."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from strawberry.relay import GlobalID, GlobalIDValueError

from api.resolvers.failures import ErrorCode, UserFailure

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256


def required_text(value: str, field: str, max_length: int = 200) -> str:
    text = value.strip()
    if not text:
        raise UserFailure.of(field, ErrorCode.REQUIRED, f"{field} must not be blank.")
    if len(text) > max_length:
        raise UserFailure.of(
            field, ErrorCode.INVALID, f"{field} must be at most {max_length} characters."
        )
    return text


def email_address(value: str, field: str = "email") -> str:
    text = required_text(value, field, max_length=254)
    try:
        normalized = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise UserFailure.of(field, ErrorCode.INVALID, f"{field} is not valid: {exc}") from None
    return normalized.lower()


def new_password(value: str, field: str = "password") -> str:
    if not value:
        raise UserFailure.of(field, ErrorCode.REQUIRED, f"{field} must not be blank.")
    if not PASSWORD_MIN_LENGTH <= len(value) <= PASSWORD_MAX_LENGTH:
        raise UserFailure.of(
            field,
            ErrorCode.INVALID,
            f"{field} must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long.",
        )
    return value


def node_pk(global_id: str, type_name: str, field: str) -> int:
    """The primary key in a global ID of `type_name`; anything else is NOT_FOUND."""
    try:
        decoded = GlobalID.from_id(global_id)
        if decoded.type_name != type_name:
            raise ValueError(decoded.type_name)
        pk = int(decoded.node_id)
    except (GlobalIDValueError, ValueError, TypeError):
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, f"No {type_name} with this ID.") from None
    if pk <= 0 or pk >= 2**31:
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, f"No {type_name} with this ID.")
    return pk


def optional_text(value: str | None, field: str, max_length: int = 200) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise UserFailure.of(
            field, ErrorCode.INVALID, f"{field} must be at most {max_length} characters."
        )
    return text


def optional_email(value: str | None, field: str = "email") -> str | None:
    return email_address(value, field) if value and value.strip() else None


def phone_number(value: str | None, field: str, region: str = "DE") -> str | None:
    """A phone number in E.164 (+4930123456); national numbers are read for `region`."""
    if not value or not value.strip():
        return None
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise UserFailure.of(field, ErrorCode.INVALID, f"{field} is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def country_code(value: str | None, field: str = "country") -> str:
    code = (value or "DE").strip().upper()
    if len(code) != 2 or not code.isalpha() or phonenumbers.country_code_for_region(code) == 0:
        raise UserFailure.of(
            field, ErrorCode.INVALID, f"{field} must be an ISO country code such as DE or AT."
        )
    return code


def node_pks(global_ids: list[str], type_name: str, field: str) -> list[int]:
    """Primary keys of a list of global IDs, without repeats, in the given order."""
    return list(dict.fromkeys(node_pk(g, type_name, field) for g in global_ids))
