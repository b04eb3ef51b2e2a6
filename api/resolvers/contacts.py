"""Contact persons, their territories, and their portal access (CUSTOMER logins)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.clock import now
from api.credentials import INVITATION_KIND, hash_password, mint_secret, parse_secret
from api.notifications.events import Event
from api.notifications.outbox import Notification, enqueue
from api.permissions.scoping import visible_contact_persons, visible_territories
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.address_search import reindex
from api.resolvers.addresses import address_argument
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from api.resolvers.sessions import LoggedIn, open_session
from api.settings import Settings
from db.models.accounts import (
    ApiToken,
    Language,
    PortalInvitation,
    Role,
    Session,
    User,
)
from db.models.crm import ContactPerson, ContactTerritory, Territory

INVITATION_VALIDITY = timedelta(days=7)
BAD_INVITATION = "This invitation link is unknown, used or expired."


@dataclass(frozen=True, slots=True)
class NewContact:
    address_id: str
    first_name: str | None
    last_name: str
    position: str | None = None
    phone: str | None = None
    email: str | None = None


async def visible_contact(viewer: Viewer, pk: int) -> ContactPerson | None:
    return await ContactPerson.filter(visible_contact_persons(viewer), pk=pk).first()


async def contact_argument(viewer: Viewer, global_id: str, field_name: str) -> ContactPerson:
    contact = await visible_contact(viewer, inputs.node_pk(global_id, "ContactPerson", field_name))
    if contact is None:
        raise UserFailure.of(field_name, ErrorCode.NOT_FOUND, "No ContactPerson with this ID.")
    return contact


async def create_contact_person(viewer: Viewer, new: NewContact) -> ContactPerson:
    problems = FailureCollector()
    try:
        address = await address_argument(viewer, new.address_id, "addressId")
    except UserFailure as failure:
        problems.failures.extend(failure.failures)
        address = None
    contact = ContactPerson(
        first_name=problems.check(inputs.optional_text, new.first_name, "firstName"),
        last_name=problems.check(inputs.required_text, new.last_name, "lastName"),
        position=problems.check(inputs.optional_text, new.position, "position"),
        phone=problems.check(
            lambda v, f: inputs.phone_number(v, f, address.country if address else "DE"),
            new.phone,
            "phone",
        ),
        email=problems.check(inputs.optional_email, new.email, "email"),
    )
    problems.raise_if_any()
    assert address is not None
    contact.address_id = address.id
    await contact.save()
    await reindex(address)
    return contact


def _full_name(contact: ContactPerson) -> str:
    return f"{contact.first_name} {contact.last_name}".strip()


async def enable_portal_access(
    viewer: Viewer, settings: Settings, global_id: str, password: str | None
) -> ContactPerson:
    """Give the contact a CUSTOMER login: at once with a password, else by invitation mail.

    A login whose invitation was never accepted may be enabled again: the agency sends a
    fresh link (the old ones stop working) or sets the password itself.
    """
    contact = await contact_argument(viewer, global_id, "contactPersonId")
    if not contact.email:
        raise UserFailure.of(
            "contactPersonId", ErrorCode.INVALID, "The contact person has no e-mail address."
        )
    if password is not None:
        password = inputs.new_password(password)
    user = await User.get_or_none(id=contact.user_id) if contact.user_id else None
    if user is not None and user.is_active and user.password_hash is not None:
        raise UserFailure.of(
            "contactPersonId", ErrorCode.INVALID_STATE, "This contact already has portal access."
        )
    password_hash = await asyncio.to_thread(hash_password, password) if password else None
    try:
        async with in_transaction():
            if user is None:
                user = await User.create(
                    email=contact.email,
                    name=_full_name(contact),
                    role=Role.CUSTOMER,
                    password_hash=password_hash,
                )
                contact.user_id = user.id
                await contact.save(update_fields=["user_id"])
            else:
                # Re-enabled access starts afresh: an old password does not come back to life.
                user.is_active = True
                user.password_hash = password_hash
                await user.save(update_fields=["is_active", "password_hash"])
                await PortalInvitation.filter(
                    user_id=user.id, used_at__isnull=True, revoked_at__isnull=True
                ).update(revoked_at=now())
    except IntegrityError:
        raise UserFailure.of(
            "contactPersonId", ErrorCode.DUPLICATE, "Another login uses this e-mail address."
        ) from None
    if password_hash is None:
        await _invite(settings, contact, user)
    return contact


async def _invite(settings: Settings, contact: ContactPerson, user: User) -> None:
    minted = mint_secret(INVITATION_KIND)
    expires_at = now() + INVITATION_VALIDITY
    invitation = await PortalInvitation.create(
        user=user,
        public_id=minted.public_id,
        secret_hash=minted.secret_hash,
        expires_at=expires_at,
    )
    address = await contact.address
    await enqueue(
        Notification(
            event=Event.PORTAL_INVITATION,
            recipient=user.email,
            language=Language(user.language),
            variables={
                "recipient_name": _full_name(contact),
                "customer": address.name,
                "link": f"{settings.public_base_url}/invitation/{minted.secret}",
                "expires_at": expires_at,
            },
            key=f"portal-invitation.{invitation.id}",
        )
    )


async def disable_portal_access(viewer: Viewer, global_id: str) -> ContactPerson:
    """Withdraw the login: it cannot log in, and every session and token ends now."""
    contact = await contact_argument(viewer, global_id, "contactPersonId")
    user = await User.get_or_none(id=contact.user_id, is_active=True) if contact.user_id else None
    if user is None:
        raise UserFailure.of(
            "contactPersonId", ErrorCode.INVALID_STATE, "This contact has no portal access."
        )
    moment = now()
    await User.filter(id=user.id).update(is_active=False)
    for credential in (Session, ApiToken, PortalInvitation):
        await credential.filter(user_id=user.id, revoked_at__isnull=True).update(revoked_at=moment)
    return contact


async def accept_invitation(settings: Settings, secret: str, password: str) -> LoggedIn:
    """Set the password of an invited login and open its first session; the link works once."""
    presented = parse_secret(secret.strip())
    invitation = (
        await PortalInvitation.get_or_none(public_id=presented.public_id).select_related("user")
        if presented is not None and presented.kind == INVITATION_KIND
        else None
    )
    if invitation is None or not presented.matches(invitation.secret_hash):  # type: ignore[union-attr]
        raise UserFailure.of("token", ErrorCode.INVALID_CREDENTIALS, BAD_INVITATION)
    password = inputs.new_password(password)
    password_hash = await asyncio.to_thread(hash_password, password)
    moment = now()
    # One conditional statement decides: of two uses of one link, exactly one succeeds.
    claimed = await PortalInvitation.filter(
        id=invitation.id, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=moment
    ).update(used_at=moment)
    user: User = invitation.user
    if not claimed or not user.is_active:
        raise UserFailure.of("token", ErrorCode.INVALID_CREDENTIALS, BAD_INVITATION)
    user.password_hash = password_hash
    await user.save(update_fields=["password_hash"])
    return await open_session(settings, user)


async def assign_contact_territories(
    viewer: Viewer, global_id: str, territory_ids: list[str]
) -> ContactPerson:
    """Replace the contact's territories; an empty list lifts the limit."""
    contact = await contact_argument(viewer, global_id, "contactPersonId")
    pks = inputs.node_pks(territory_ids, "Territory", "territoryIds")
    found = await Territory.filter(visible_territories(viewer), id__in=pks).count()
    if found != len(pks):
        raise UserFailure.of("territoryIds", ErrorCode.NOT_FOUND, "No Territory with this ID.")
    await ContactTerritory.filter(contact_person_id=contact.id).delete()
    await ContactTerritory.bulk_create(
        [ContactTerritory(contact_person_id=contact.id, territory_id=pk) for pk in pks]
    )
    return contact
