"""Logging in and out, expiry, revocation and throttling, over HTTP."""

import asyncio
from datetime import timedelta

import pytest

from api.clock import now
from db.models.accounts import LoginThrottle, Role, Session
from tests.factories import PASSWORD
from tests.graphql_client import error_codes


async def _login(api, operation, email, password=PASSWORD):
    result = await api.op(operation, {"email": email, "password": password})
    return result["data"]["login"]


@pytest.mark.parametrize(
    ("operation", "role"),
    [("Login", Role.STAFF), ("CustomerLogin", Role.CUSTOMER), ("PromoterLogin", Role.PROMOTER)],
)
async def test_each_client_logs_in_and_the_token_works(api, make, operation, role):
    user = await make.user(role)
    login = await _login(api, operation, user.email)
    assert login["errors"] == []
    assert login["viewer"]["role"] == role.value
    assert login["viewer"]["name"] == user.name
    viewer = (await api.op("Viewer", token=login["token"]))["data"]["viewer"]
    assert viewer["id"] == login["viewer"]["id"]


async def test_login_ignores_case_and_spaces_in_the_email(api, make):
    user = await make.user()
    login = await _login(api, "Login", f"  {user.email.upper()} ")
    assert login["errors"] == []


async def test_login_answers_the_viewer_with_its_groups(api, make):
    user = await make.user(Role.STAFF, name="Berta Sommer")
    result = await api.post(
        "mutation($email: String!, $password: String!) { login(email: $email, password: $password)"
        " { viewer { name accountGroups { name } apiTokens { id } } errors { code } } }",
        {"email": user.email, "password": PASSWORD},
    )
    assert "errors" not in result
    viewer = result["data"]["login"]["viewer"]
    assert viewer["accountGroups"] == [{"name": "Berta Sommer"}]
    assert viewer["apiTokens"] == []


async def test_wrong_password_and_unknown_user_look_the_same(api, make):
    user = await make.user()
    wrong = await _login(api, "Login", user.email, "not the password")
    unknown = await _login(api, "Login", "nobody@example.com")
    for answer in (wrong, unknown):
        assert answer["token"] is None
        assert answer["viewer"] is None
        assert [(e["field"], e["code"]) for e in answer["errors"]] == [
            (None, "INVALID_CREDENTIALS")
        ]
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert await Session.all().count() == 0


async def test_blank_login_fields_are_required(api):
    answer = await _login(api, "Login", " ", "")
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [("email", "REQUIRED")]


async def test_disabled_login_cannot_log_in(api, make):
    user = await make.user()
    user.is_active = False
    await user.save()
    answer = await _login(api, "Login", user.email)
    assert answer["token"] is None
    assert answer["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_logout_revokes_the_session(api, make):
    login = await make.login()
    assert (await api.op("Logout", token=login.token))["data"]["logout"]["ok"] is True
    again = await api.op("Viewer", token=login.token)
    assert again["data"] is None
    assert error_codes(again) == ["UNAUTHENTICATED"]


async def test_an_expired_session_is_unauthenticated(api, make):
    login = await make.login()
    await Session.filter(user_id=login.user.id).update(expires_at=now() - timedelta(seconds=1))
    assert error_codes(await api.op("Viewer", token=login.token)) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    "header",
    ["Bearer pps_000000000000_forged", "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer "],
)
async def test_a_bad_token_is_unauthenticated_but_login_still_works(api, make, header):
    user = await make.user()
    response = await api.http.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers={"Authorization": header}
    )
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    response = await api.http.post(
        "/graphql",
        json={
            "query": "mutation($e: String!, $p: String!) {"
            " login(email: $e, password: $p) { token } }",
            "variables": {"e": user.email, "p": PASSWORD},
        },
        headers={"Authorization": header},
    )
    assert response.json()["data"]["login"]["token"]


async def test_a_tampered_secret_with_a_real_id_is_refused(api, make):
    login = await make.login()
    tampered = login.token[:-4] + ("aaaa" if not login.token.endswith("aaaa") else "bbbb")
    assert error_codes(await api.op("Viewer", token=tampered)) == ["UNAUTHENTICATED"]


async def test_repeated_failures_lock_the_email_for_a_while(api, make, db):
    user = await make.user()
    for _ in range(db.settings.login_max_failures):
        answer = await _login(api, "Login", user.email, "guess")
        assert answer["errors"][0]["code"] == "INVALID_CREDENTIALS"
    locked = await _login(api, "Login", user.email)
    assert locked["token"] is None
    assert locked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    other = await make.user()
    assert (await _login(api, "Login", other.email))["token"], "other logins are unaffected"


async def test_a_success_before_the_limit_resets_the_count(api, make, db):
    user = await make.user()
    for _ in range(db.settings.login_max_failures - 1):
        await _login(api, "Login", user.email, "guess")
    assert (await _login(api, "Login", user.email))["token"]
    for _ in range(db.settings.login_max_failures - 1):
        await _login(api, "Login", user.email, "guess")
    assert (await _login(api, "Login", user.email))["token"]


async def test_concurrent_failures_are_all_counted(api, make):
    user = await make.user()
    await asyncio.gather(*(_login(api, "Login", user.email, f"guess {i}") for i in range(4)))
    assert (await LoginThrottle.get(email=user.email)).failures == 4
