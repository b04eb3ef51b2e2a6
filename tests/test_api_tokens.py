"""Scoped API tokens: shown once, never stronger than their owner, revocable."""

from datetime import timedelta

from api.clock import now
from db.models.accounts import ApiToken, Role
from tests.graphql_client import error_codes

USERS = "{ users(first: 10) { totalCount } }"


async def _create(api, token, scopes, name="integration", **extra):
    result = await api.op(
        "CreateApiToken", {"input": {"name": name, "scopes": scopes, **extra}}, token=token
    )
    return result["data"]["createApiToken"]


async def test_staff_creates_a_token_that_acts_for_them(api, make):
    login = await make.login(Role.STAFF)
    created = await _create(api, login.token, ["CRM_READ"])
    assert created["errors"] == []
    assert created["secret"].startswith("ppt_")
    assert created["apiToken"]["scopes"] == ["CRM_READ"]
    viewer = (await api.op("Viewer", token=created["secret"]))["data"]["viewer"]
    assert viewer["email"] == login.user.email
    stored = await ApiToken.get(user_id=login.user.id)
    assert created["secret"] not in (stored.secret_hash, stored.public_id)


async def test_customer_creates_a_portal_token(api, make):
    login = await make.login(Role.CUSTOMER)
    result = await api.op(
        "CreateCustomerToken",
        {"name": "ERP", "scopes": ["PROJECTS_READ", "REPORTS_READ"], "projectIds": None},
        token=login.token,
    )
    created = result["data"]["createApiToken"]
    assert created["errors"] == []
    assert sorted(created["apiToken"]["scopes"]) == ["PROJECTS_READ", "REPORTS_READ"]


async def test_a_token_cannot_ask_for_more_than_its_owner_has(api, make):
    customer = await make.login(Role.CUSTOMER)
    staff = await make.login(Role.STAFF)
    for login, scopes in ((customer, ["PROJECTS_READ", "CRM_READ"]), (staff, ["PROJECTS_READ"])):
        created = await _create(api, login.token, scopes)
        assert created["secret"] is None
        assert [(e["field"], e["code"]) for e in created["errors"]] == [("scopes", "FORBIDDEN")]
    assert await ApiToken.all().count() == 0


async def test_bad_token_input_names_each_field_and_creates_nothing(api, make):
    login = await make.login()
    created = await _create(
        api, login.token, [], name="  ", expiresAt=(now() - timedelta(days=1)).isoformat()
    )
    assert {(e["field"], e["code"]) for e in created["errors"]} == {
        ("name", "REQUIRED"),
        ("scopes", "REQUIRED"),
        ("expiresAt", "INVALID"),
    }
    unknown_project = await _create(api, login.token, ["CRM_READ"], projectIds=["UHJvamVjdDox"])
    assert [(e["field"], e["code"]) for e in unknown_project["errors"]] == [
        ("projectIds", "NOT_FOUND")
    ]
    assert await ApiToken.all().count() == 0


async def test_a_scope_that_does_not_allow_a_root_field_is_forbidden(api, make):
    login = await make.login(Role.STAFF)
    narrow = (await _create(api, login.token, ["PROMOTIONS_WRITE"]))["secret"]
    wide = (await _create(api, login.token, ["CRM_READ"]))["secret"]
    assert error_codes(await api.post(USERS, token=narrow)) == ["FORBIDDEN"]
    assert (await api.post(USERS, token=wide))["data"]["users"]["totalCount"] == 1


async def test_tokens_cannot_manage_tokens_or_log_out(api, make):
    login = await make.login()
    secret = (await _create(api, login.token, ["CRM_READ", "CRM_WRITE"]))["secret"]
    result = await api.op(
        "CreateApiToken", {"input": {"name": "x", "scopes": ["CRM_READ"]}}, token=secret
    )
    assert error_codes(result) == ["FORBIDDEN"]
    assert error_codes(await api.op("Logout", token=secret)) == ["FORBIDDEN"]
    assert error_codes(await api.op("MyApiTokens", token=secret)) == ["FORBIDDEN"]


async def test_list_shows_tokens_without_secrets_and_records_use(api, make):
    login = await make.login()
    created = await _create(api, login.token, ["CRM_READ"], name="Nightly sync")
    before = (await api.op("MyApiTokens", token=login.token))["data"]["viewer"]["apiTokens"]
    assert [(t["name"], t["lastUsedAt"]) for t in before] == [("Nightly sync", None)]
    await api.post(USERS, token=created["secret"])
    after = (await api.op("MyApiTokens", token=login.token))["data"]["viewer"]["apiTokens"]
    assert after[0]["lastUsedAt"] is not None
    assert created["secret"] not in str(after)


async def test_revoked_and_expired_tokens_are_unauthenticated(api, make):
    login = await make.login()
    revoked = await _create(api, login.token, ["CRM_READ"])
    expiring = await _create(
        api, login.token, ["CRM_READ"], expiresAt=(now() + timedelta(hours=1)).isoformat()
    )
    result = await api.op("RevokeApiToken", {"id": revoked["apiToken"]["id"]}, token=login.token)
    assert result["data"]["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    assert error_codes(await api.post(USERS, token=revoked["secret"])) == ["UNAUTHENTICATED"]

    assert "errors" not in await api.post(USERS, token=expiring["secret"])
    await ApiToken.filter(name="integration", revoked_at__isnull=True).update(
        expires_at=now() - timedelta(seconds=1)
    )
    assert error_codes(await api.post(USERS, token=expiring["secret"])) == ["UNAUTHENTICATED"]


async def test_revoking_twice_keeps_the_first_time(api, make):
    login = await make.login()
    token_id = (await _create(api, login.token, ["CRM_READ"]))["apiToken"]["id"]
    first = await api.op("RevokeApiToken", {"id": token_id}, token=login.token)
    second = await api.op("RevokeApiToken", {"id": token_id}, token=login.token)
    assert (
        first["data"]["revokeApiToken"]["apiToken"]["revokedAt"]
        == second["data"]["revokeApiToken"]["apiToken"]["revokedAt"]
    )


async def test_someone_elses_token_is_not_found(api, make):
    owner = await make.login()
    other = await make.login(Role.ADMIN)
    created = await _create(api, owner.token, ["CRM_READ"])
    token_id = created["apiToken"]["id"]
    result = await api.op("RevokeApiToken", {"id": token_id}, token=other.token)
    assert [(e["field"], e["code"]) for e in result["data"]["revokeApiToken"]["errors"]] == [
        ("id", "NOT_FOUND")
    ]
    node = await api.post("query($id: ID!) { node(id: $id) { id } }", {"id": token_id}, other.token)
    assert node["data"]["node"] is None
    assert "errors" not in await api.post(USERS, token=created["secret"])


async def test_a_token_loses_scopes_its_owner_loses(api, make):
    login = await make.login(Role.STAFF)
    secret = (await _create(api, login.token, ["CRM_READ"]))["secret"]
    login.user.role = Role.CUSTOMER
    await login.user.save()
    assert error_codes(await api.post(USERS, token=secret)) == ["FORBIDDEN"]
