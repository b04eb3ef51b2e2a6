"""Customer portal access: enabling it with a password or by invitation mail, accepting
the one-time invitation link, who may grant it, and withdrawing it again."""

import asyncio
import re
from datetime import timedelta

import pytest

from api import clock
from api.notifications.worker import OutboxWorker
from api.resolvers import contacts
from db.models.accounts import ApiToken, PortalInvitation, Role, Session, User
from db.models.notifications import OutboxMail
from tests.factories import Login
from tests.graphql_client import error_codes

PORTAL_PASSWORD = "Kundenportal-2026!"
OTHER_PASSWORD = "ein ganz anderes Passwort"
DISABLE = """
mutation($id: ID!) {
  disablePortalAccess(contactPersonId: $id) {
    contactPerson { id portalAccess }
    errors { field code message }
  }
}"""
CONTACT = "query($id: ID!) { node(id: $id) { ... on ContactPerson { id email portalAccess } } }"
WHO_AM_I = "{ viewer { id name email role } }"


# ---------------------------------------------------------------- helpers


def _errors(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def _address(api, login: Login, name: str = "Müller GmbH") -> str:
    result = await api.op(
        "CreateAddress", {"input": {"kind": "COMPANY", "name": name}}, login.token
    )
    payload = result["data"]["createAddress"]
    assert payload["errors"] == [], payload
    return payload["address"]["id"]


async def _contact(
    api,
    login: Login,
    address_id: str,
    email: str | None = "frieda.schneider@mueller.example.com",
    last_name: str = "Schneider",
) -> str:
    fields = {"addressId": address_id, "firstName": "Frieda", "lastName": last_name}
    if email is not None:
        fields["email"] = email
    result = await api.op("CreateContactPerson", {"input": fields}, login.token)
    payload = result["data"]["createContactPerson"]
    assert payload["errors"] == [], payload
    return payload["contactPerson"]["id"]


async def _enable(api, login: Login, contact_id: str, password: str | None = None) -> dict:
    variables = {"input": {"contactPersonId": contact_id, "password": password}}
    result = await api.op("EnablePortalAccess", variables, login.token)
    assert "errors" not in result, result
    return result["data"]["enablePortalAccess"]


async def _disable(api, login: Login, contact_id: str) -> dict:
    result = await api.post(DISABLE, {"id": contact_id}, login.token)
    assert "errors" not in result, result
    return result["data"]["disablePortalAccess"]


async def _login(api, email: str, password: str) -> dict:
    result = await api.op("CustomerLogin", {"email": email, "password": password})
    return result["data"]["login"]


async def _accept(api, token: str, password: str) -> dict:
    result = await api.op("AcceptInvitation", {"token": token, "password": password})
    assert "errors" not in result, result
    return result["data"]["acceptInvitation"]


async def _portal_access(api, login: Login, contact_id: str) -> bool:
    result = await api.post(CONTACT, {"id": contact_id}, login.token)
    return result["data"]["node"]["portalAccess"]


async def _who(api, token: str) -> dict:
    return await api.post(WHO_AM_I, token=token)


def _refused_invitation(payload: dict) -> None:
    assert payload["token"] is None
    assert payload["viewer"] is None
    assert _errors(payload) == [("token", "INVALID_CREDENTIALS")]
    assert "invitation" in payload["errors"][0]["message"].lower()


async def _delivered_mails(mail_settings, smtp, count: int) -> list:
    worker = OutboxWorker(mail_settings)
    for _ in range(3):
        await worker.run_once()
    await smtp.mailbox.wait_for(count)
    assert len(smtp.mailbox.messages) == count
    return smtp.mailbox.messages


def _invitation_token(mail_settings, message) -> str:
    """The secret from the link in the mail's text part, checked against the HTML part."""
    base = mail_settings.public_base_url
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    links = re.findall(r"https?://\S+", text)
    assert len(links) == 1, text
    [link] = links
    assert link.startswith(f"{base}/invitation/"), link
    assert f'href="{link}"' in html
    return link.removeprefix(f"{base}/invitation/")


async def _invited(api, admin: Login, mail_settings, smtp, email: str) -> tuple[str, str]:
    """A contact invited to the portal: its ID and the secret from its invitation mail."""
    contact_id = await _contact(api, admin, await _address(api, admin), email=email)
    payload = await _enable(api, admin, contact_id)
    assert payload["errors"] == [], payload
    [message] = await _delivered_mails(mail_settings, smtp, 1)
    return contact_id, _invitation_token(mail_settings, message)


@pytest.fixture
async def admin(make) -> Login:
    return await make.login(Role.ADMIN)


# ---------------------------------------------------------------- enabling with a password


async def test_with_a_password_the_contact_logs_in_at_once_as_customer(
    api, admin, smtp, mail_settings
):
    contact_id = await _contact(api, admin, await _address(api, admin))
    assert await _portal_access(api, admin, contact_id) is False

    payload = await _enable(api, admin, contact_id, PORTAL_PASSWORD)
    assert payload == {"contactPerson": {"id": contact_id, "portalAccess": True}, "errors": []}
    assert await _portal_access(api, admin, contact_id) is True

    login = await _login(api, "Frieda.Schneider@mueller.example.com", PORTAL_PASSWORD)
    assert login["errors"] == []
    assert login["viewer"]["role"] == "CUSTOMER"
    assert login["viewer"]["name"] == "Frieda Schneider"
    viewer = (await api.op("Viewer", token=login["token"]))["data"]["viewer"]
    assert viewer["id"] == login["viewer"]["id"]
    assert viewer["role"] == "CUSTOMER"
    assert viewer["email"] == "frieda.schneider@mueller.example.com"
    # A login with a password needs no invitation.
    await _delivered_mails(mail_settings, smtp, 0)
    assert await PortalInvitation.all().count() == 0


async def test_a_too_short_password_is_refused_and_grants_nothing(api, admin):
    contact_id = await _contact(api, admin, await _address(api, admin))
    payload = await _enable(api, admin, contact_id, "kurz")
    assert payload["contactPerson"] is None
    assert _errors(payload) == [("password", "INVALID")]
    assert await _portal_access(api, admin, contact_id) is False
    assert await User.filter(role=Role.CUSTOMER).count() == 0


async def test_enabling_twice_is_refused(api, admin):
    contact_id = await _contact(api, admin, await _address(api, admin))
    assert (await _enable(api, admin, contact_id, PORTAL_PASSWORD))["errors"] == []
    again = await _enable(api, admin, contact_id, OTHER_PASSWORD)
    assert _errors(again) == [("contactPersonId", "INVALID_STATE")]
    # The first password still holds; the second was not set.
    assert (await _login(api, "frieda.schneider@mueller.example.com", PORTAL_PASSWORD))["token"]
    assert (await _login(api, "frieda.schneider@mueller.example.com", OTHER_PASSWORD))[
        "token"
    ] is None


async def test_a_second_login_with_the_same_email_is_a_duplicate(api, admin):
    email = "einkauf@mueller.example.com"
    first = await _contact(api, admin, await _address(api, admin, "Müller GmbH"), email=email)
    second = await _contact(api, admin, await _address(api, admin, "Müller Filiale"), email=email)
    assert (await _enable(api, admin, first, PORTAL_PASSWORD))["errors"] == []
    payload = await _enable(api, admin, second, OTHER_PASSWORD)
    assert _errors(payload) == [("contactPersonId", "DUPLICATE")]
    assert await _portal_access(api, admin, second) is False
    assert await User.filter(role=Role.CUSTOMER).count() == 1


# ---------------------------------------------------------------- invitation


async def test_without_a_password_an_invitation_sets_the_password_once(
    api, admin, mail_settings, smtp
):
    email = "frieda.schneider@mueller.example.com"
    contact_id = await _contact(api, admin, await _address(api, admin))
    payload = await _enable(api, admin, contact_id)
    assert payload == {"contactPerson": {"id": contact_id, "portalAccess": True}, "errors": []}
    # No password yet: nothing logs in until the invitation is accepted.
    assert (await _login(api, email, PORTAL_PASSWORD))["token"] is None

    [message] = await _delivered_mails(mail_settings, smtp, 1)
    assert message["To"] == email
    assert message["From"] == "planung@agentur.example.com"
    assert "Kundenportal" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "Müller GmbH" in text
    # The mail names the link's expiry, seven days ahead, in the agency's time zone.
    invitation = await PortalInvitation.get()
    validity = invitation.expires_at - invitation.created_at
    assert abs(validity - timedelta(days=7)) < timedelta(seconds=5)
    local = invitation.expires_at.astimezone(clock.AGENCY_TIMEZONE)
    assert f"gültig bis {local:%d.%m.%Y, %H:%M} Uhr" in " ".join(text.split())
    token = _invitation_token(mail_settings, message)

    accepted = await _accept(api, token, PORTAL_PASSWORD)
    assert accepted["errors"] == []
    assert accepted["viewer"]["role"] == "CUSTOMER"
    assert accepted["viewer"]["name"] == "Frieda Schneider"
    viewer = (await _who(api, accepted["token"]))["data"]["viewer"]
    assert viewer == {**accepted["viewer"], "email": email}

    sessions = await Session.all().count()
    again = await _accept(api, token, OTHER_PASSWORD)
    _refused_invitation(again)
    assert await Session.all().count() == sessions
    # The second use changed nothing: the first password holds, the second does not.
    assert (await _login(api, email, OTHER_PASSWORD))["token"] is None
    login = await _login(api, email, PORTAL_PASSWORD)
    assert login["errors"] == []
    assert login["viewer"]["id"] == accepted["viewer"]["id"]
    # The first session still works.
    assert "errors" not in await _who(api, accepted["token"])


async def test_a_bad_password_leaves_the_invitation_usable(api, admin, mail_settings, smtp):
    _, token = await _invited(api, admin, mail_settings, smtp, "anna@kunde.example.com")
    payload = await _accept(api, token, "kurz")
    assert payload["token"] is None
    assert _errors(payload) == [("password", "INVALID")]
    assert await Session.all().count() == 1  # only the admin's
    assert (await _accept(api, token, PORTAL_PASSWORD))["errors"] == []


async def test_an_expired_invitation_is_refused(api, admin, mail_settings, smtp, monkeypatch):
    email = "anna@kunde.example.com"
    _, token = await _invited(api, admin, mail_settings, smtp, email)
    real_now = clock.now

    monkeypatch.setattr(contacts, "now", lambda: real_now() + timedelta(days=7, minutes=1))
    _refused_invitation(await _accept(api, token, PORTAL_PASSWORD))
    assert (await _login(api, email, PORTAL_PASSWORD))["token"] is None

    # Just under seven days the same link still works: the refusal above consumed nothing.
    monkeypatch.setattr(contacts, "now", lambda: real_now() + timedelta(days=6, hours=23))
    accepted = await _accept(api, token, PORTAL_PASSWORD)
    assert accepted["errors"] == []
    assert "errors" not in await _who(api, accepted["token"])


async def test_an_invitation_whose_stored_expiry_passed_is_refused(api, admin, mail_settings, smtp):
    email = "anna@kunde.example.com"
    _, token = await _invited(api, admin, mail_settings, smtp, email)
    await PortalInvitation.all().update(
        created_at=clock.now() - timedelta(days=8), expires_at=clock.now() - timedelta(days=1)
    )
    _refused_invitation(await _accept(api, token, PORTAL_PASSWORD))
    assert (await _login(api, email, PORTAL_PASSWORD))["token"] is None
    assert await PortalInvitation.filter(used_at__isnull=False).count() == 0


async def test_garbage_tokens_are_refused(api, admin, mail_settings, smtp):
    _, token = await _invited(api, admin, mail_settings, smtp, "anna@kunde.example.com")
    kind, public_id, random_part = token.split("_", 2)
    forgeries = [
        "garbage",
        "",
        "ppi_000000000000_forged",
        f"{kind}_{public_id}_{'x' * len(random_part)}",  # the real ID, a wrong secret
        f"pps_{public_id}_{random_part}",  # the real secret as another kind
        admin.token,  # a session token is no invitation
        f"{mail_settings.public_base_url}/invitation/{token}x",
    ]
    for forged in forgeries:
        _refused_invitation(await _accept(api, forged, PORTAL_PASSWORD))
    assert await Session.all().count() == 1  # only the admin's
    # None of that used the real invitation up.
    assert (await _accept(api, token, PORTAL_PASSWORD))["errors"] == []


async def test_accepting_works_even_with_a_stale_authorization(api, admin, mail_settings, smtp):
    """The portal may still hold a dead token when the invited contact opens the link."""
    _, token = await _invited(api, admin, mail_settings, smtp, "anna@kunde.example.com")
    stale = await api.op(
        "AcceptInvitation",
        {"token": token, "password": PORTAL_PASSWORD},
        "pps_000000000000_forged",
    )
    assert "errors" not in stale, stale
    accepted = stale["data"]["acceptInvitation"]
    assert accepted["errors"] == []
    assert (await _who(api, accepted["token"]))["data"]["viewer"]["role"] == "CUSTOMER"


# ---------------------------------------------------------------- who may grant it


async def test_a_contact_without_email_cannot_get_portal_access(api, admin, mail_settings, smtp):
    contact_id = await _contact(api, admin, await _address(api, admin), email=None)
    for password in (PORTAL_PASSWORD, None):
        payload = await _enable(api, admin, contact_id, password)
        assert payload["contactPerson"] is None
        assert _errors(payload) == [("contactPersonId", "INVALID")]
        assert "e-mail" in payload["errors"][0]["message"]
    assert await _portal_access(api, admin, contact_id) is False
    assert await User.filter(role=Role.CUSTOMER).count() == 0
    assert await OutboxMail.all().count() == 0


async def test_staff_grant_access_only_to_contacts_they_see(api, make, mail_settings, smtp):
    owner = await make.login(Role.STAFF)
    stranger = await make.login(Role.STAFF)
    contact_id = await _contact(api, owner, await _address(api, owner))

    payload = await _enable(api, stranger, contact_id, PORTAL_PASSWORD)
    assert payload["contactPerson"] is None
    assert _errors(payload) == [("contactPersonId", "NOT_FOUND")]
    payload = await _enable(api, stranger, contact_id)
    assert _errors(payload) == [("contactPersonId", "NOT_FOUND")]
    assert await User.filter(role=Role.CUSTOMER).count() == 0
    assert await OutboxMail.all().count() == 0

    payload = await _enable(api, owner, contact_id, PORTAL_PASSWORD)
    assert payload["errors"] == []
    assert payload["contactPerson"]["portalAccess"] is True
    # Nor may the stranger withdraw it.
    assert _errors(await _disable(api, stranger, contact_id)) == [("contactPersonId", "NOT_FOUND")]
    assert await _portal_access(api, owner, contact_id) is True


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.PROMOTER])
async def test_only_agency_users_may_grant_or_withdraw_portal_access(api, admin, make, role):
    contact_id = await _contact(api, admin, await _address(api, admin))
    outsider = await make.login(role)
    result = await api.op(
        "EnablePortalAccess",
        {"input": {"contactPersonId": contact_id, "password": PORTAL_PASSWORD}},
        outsider.token,
    )
    assert error_codes(result) == ["FORBIDDEN"]
    assert not result.get("data")
    assert await User.filter(role=Role.CUSTOMER).count() == (1 if role is Role.CUSTOMER else 0)
    assert await _portal_access(api, admin, contact_id) is False

    assert (await _enable(api, admin, contact_id, PORTAL_PASSWORD))["errors"] == []
    result = await api.post(DISABLE, {"id": contact_id}, outsider.token)
    assert error_codes(result) == ["FORBIDDEN"]
    assert await _portal_access(api, admin, contact_id) is True


# ---------------------------------------------------------------- withdrawing it


async def test_disabling_revokes_every_session_and_token_and_blocks_login(api, admin):
    email = "frieda.schneider@mueller.example.com"
    contact_id = await _contact(api, admin, await _address(api, admin))
    assert (await _enable(api, admin, contact_id, PORTAL_PASSWORD))["errors"] == []
    first = await _login(api, email, PORTAL_PASSWORD)
    second = await _login(api, email, PORTAL_PASSWORD)
    created = (
        await api.op(
            "CreateCustomerToken",
            {"name": "ERP", "scopes": ["PROJECTS_READ"], "projectIds": None},
            first["token"],
        )
    )["data"]["createApiToken"]
    assert created["errors"] == []
    bearers = [first["token"], second["token"], created["secret"]]
    for bearer in bearers:
        assert (await _who(api, bearer))["data"]["viewer"]["role"] == "CUSTOMER"

    payload = await _disable(api, admin, contact_id)
    assert payload == {"contactPerson": {"id": contact_id, "portalAccess": False}, "errors": []}
    assert await _portal_access(api, admin, contact_id) is False
    for bearer in bearers:
        refused = await _who(api, bearer)
        assert refused["data"] is None
        assert error_codes(refused) == ["UNAUTHENTICATED"]
    assert (await _login(api, email, PORTAL_PASSWORD))["errors"][0]["code"] == "INVALID_CREDENTIALS"
    customer = await User.get(email=email)
    assert await Session.filter(user_id=customer.id, revoked_at__isnull=True).count() == 0
    assert await ApiToken.filter(user_id=customer.id, revoked_at__isnull=True).count() == 0
    # The admin's own session is untouched.
    assert "errors" not in await _who(api, admin.token)

    # Access granted afresh: the old credentials stay dead, only the new password works.
    assert (await _enable(api, admin, contact_id, OTHER_PASSWORD))["errors"] == []
    for bearer in bearers:
        assert error_codes(await _who(api, bearer)) == ["UNAUTHENTICATED"]
    assert (await _login(api, email, PORTAL_PASSWORD))["token"] is None
    assert (await _login(api, email, OTHER_PASSWORD))["errors"] == []


async def test_disabling_withdraws_a_pending_invitation(api, admin, mail_settings, smtp):
    contact_id, token = await _invited(api, admin, mail_settings, smtp, "anna@kunde.example.com")
    assert (await _disable(api, admin, contact_id))["errors"] == []
    _refused_invitation(await _accept(api, token, PORTAL_PASSWORD))

    # A new invitation replaces it; the old link stays dead.
    assert (await _enable(api, admin, contact_id))["errors"] == []
    messages = await _delivered_mails(mail_settings, smtp, 2)
    fresh = _invitation_token(mail_settings, messages[-1])
    assert fresh != token
    _refused_invitation(await _accept(api, token, PORTAL_PASSWORD))
    assert (await _accept(api, fresh, PORTAL_PASSWORD))["errors"] == []


async def test_disabling_a_contact_without_access_is_refused(api, admin):
    contact_id = await _contact(api, admin, await _address(api, admin))
    payload = await _disable(api, admin, contact_id)
    assert payload["contactPerson"] is None
    assert _errors(payload) == [("contactPersonId", "INVALID_STATE")]


# ---------------------------------------------------------------- concurrency


async def test_of_concurrent_uses_of_one_invitation_exactly_one_wins(
    api, admin, db, mail_settings, smtp
):
    if db.name != "postgres":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL.")
    email = "anna@kunde.example.com"
    _, token = await _invited(api, admin, mail_settings, smtp, email)
    passwords = [f"{PORTAL_PASSWORD} #{i}" for i in range(10)]

    answers = await asyncio.gather(*(_accept(api, token, p) for p in passwords))

    winners = [p for p, answer in zip(passwords, answers, strict=True) if answer["token"]]
    assert len(winners) == 1, answers
    for answer in answers:
        if not answer["token"]:
            _refused_invitation(answer)
    customer = await User.get(email=email)
    assert await Session.filter(user_id=customer.id).count() == 1
    assert (await _login(api, email, winners[0]))["errors"] == []
    loser = next(p for p in passwords if p != winners[0])
    assert (await _login(api, email, loser))["token"] is None


async def test_an_unaccepted_invitation_can_be_sent_again(api, admin, mail_settings, smtp):
    email = "spaet@kunde.example.com"
    contact_id, first = await _invited(api, admin, mail_settings, smtp, email)
    assert (await _enable(api, admin, contact_id))["errors"] == []
    [_, again] = await _delivered_mails(mail_settings, smtp, 2)
    second = _invitation_token(mail_settings, again)
    assert second != first
    _refused_invitation(await _accept(api, first, PORTAL_PASSWORD))
    assert (await _accept(api, second, PORTAL_PASSWORD))["token"]
    # Once the password is set, access is there: enabling again is refused.
    refused = await _enable(api, admin, contact_id)
    assert _errors(refused) == [("contactPersonId", "INVALID_STATE")]


async def test_the_agency_may_set_the_password_of_an_invited_login(api, admin, mail_settings, smtp):
    email = "direkt@kunde.example.com"
    contact_id, invitation = await _invited(api, admin, mail_settings, smtp, email)
    assert (await _enable(api, admin, contact_id, PORTAL_PASSWORD))["errors"] == []
    assert (await _login(api, email, PORTAL_PASSWORD))["token"]
    _refused_invitation(await _accept(api, invitation, OTHER_PASSWORD))
