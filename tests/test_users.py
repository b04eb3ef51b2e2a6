"""Creating agency logins, finding users, and node(id:) visibility."""

import asyncio

import pytest

from db.models.accounts import Role, User
from db.models.crm import AccountGroup
from tests.graphql_client import error_codes

NODE = "query($id: ID!) { node(id: $id) { id ... on User { name } ... on AccountGroup { name } } }"


def _input(**overrides):
    return {
        "email": "carla.new@example.com",
        "name": "Carla Neu",
        "role": "STAFF",
        "password": "a long enough password",
        **overrides,
    }


async def test_admin_creates_staff_with_a_personal_group_who_can_log_in(api, make):
    admin = await make.login(Role.ADMIN)
    result = await api.op("CreateUser", {"input": _input()}, token=admin.token)
    payload = result["data"]["createUser"]
    assert payload["errors"] == []
    assert payload["user"]["role"] == "STAFF"
    assert [g["name"] for g in payload["user"]["accountGroups"]] == ["Carla Neu"]
    login = await api.op(
        "Login", {"email": "carla.new@example.com", "password": "a long enough password"}
    )
    assert login["data"]["login"]["viewer"]["name"] == "Carla Neu"


async def test_admins_get_no_personal_group(api, make):
    admin = await make.login(Role.ADMIN)
    result = await api.op("CreateUser", {"input": _input(role="ADMIN")}, token=admin.token)
    assert result["data"]["createUser"]["user"]["accountGroups"] == []
    assert await AccountGroup.all().count() == 0


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"email": "not-an-address"}, {("email", "INVALID")}),
        ({"email": "  "}, {("email", "REQUIRED")}),
        ({"name": ""}, {("name", "REQUIRED")}),
        ({"password": "short"}, {("password", "INVALID")}),
        ({"role": "CUSTOMER"}, {("role", "INVALID")}),
        ({"name": " ", "password": ""}, {("name", "REQUIRED"), ("password", "REQUIRED")}),
    ],
)
async def test_bad_user_input_names_the_field_and_creates_nothing(api, make, overrides, expected):
    admin = await make.login(Role.ADMIN)
    result = await api.op("CreateUser", {"input": _input(**overrides)}, token=admin.token)
    payload = result["data"]["createUser"]
    assert payload["user"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == expected
    assert await User.all().count() == 1
    assert await AccountGroup.all().count() == 0


async def test_an_existing_email_is_a_duplicate(api, make):
    admin = await make.login(Role.ADMIN)
    result = await api.op(
        "CreateUser", {"input": _input(email=admin.user.email.upper())}, token=admin.token
    )
    assert [(e["field"], e["code"]) for e in result["data"]["createUser"]["errors"]] == [
        ("email", "DUPLICATE")
    ]


async def test_only_admins_create_users(api, make):
    staff = await make.login(Role.STAFF)
    result = await api.op("CreateUser", {"input": _input()}, token=staff.token)
    assert error_codes(result) == ["FORBIDDEN"]
    assert not await User.exists(email="carla.new@example.com")


async def test_users_are_paged_by_name_with_a_total(api, make):
    admin = await make.login(Role.ADMIN, name="Aaron Admin")
    for name in ("Bea", "Cem", "Dora", "Emil"):
        await make.user(Role.STAFF, name=name)
    query = (
        "query($after: String) { users(first: 2, after: $after) {"
        " totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }"
    )
    names, after = [], None
    while True:
        page = (await api.post(query, {"after": after}, admin.token))["data"]["users"]
        assert page["totalCount"] == 5
        names += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert names == ["Aaron Admin", "Bea", "Cem", "Dora", "Emil"]


async def test_users_page_backwards(api, make):
    admin = await make.login(Role.ADMIN, name="Aaron Admin")
    for name in ("Bea", "Cem"):
        await make.user(Role.STAFF, name=name)
    query = "{ users(last: 2) { pageInfo { hasPreviousPage } edges { node { name } } } }"
    page = (await api.post(query, token=admin.token))["data"]["users"]
    assert [e["node"]["name"] for e in page["edges"]] == ["Bea", "Cem"]
    assert page["pageInfo"]["hasPreviousPage"] is True


async def test_customers_and_promoters_see_only_themselves(api, make):
    staff = await make.user(Role.STAFF)
    for role in (Role.CUSTOMER, Role.PROMOTER):
        login = await make.login(role)
        result = await api.post(NODE, {"id": _global_id("User", staff.id)}, login.token)
        assert result["data"]["node"] is None
        own = await api.post(NODE, {"id": _global_id("User", login.user.id)}, login.token)
        assert own["data"]["node"]["name"] == login.user.name
        assert error_codes(await api.post("{ users { totalCount } }", token=login.token)) == [
            "FORBIDDEN"
        ]


async def test_staff_see_only_their_own_account_groups_by_id(api, make):
    staff = await make.login(Role.STAFF)
    colleague = await make.user(Role.STAFF)
    admin = await make.login(Role.ADMIN)
    theirs = await AccountGroup.get(personal_for_id=colleague.id)
    mine = await AccountGroup.get(personal_for_id=staff.user.id)
    gid = _global_id("AccountGroup", theirs.id)
    assert (await api.post(NODE, {"id": gid}, staff.token))["data"]["node"] is None
    assert (await api.post(NODE, {"id": gid}, admin.token))["data"]["node"]["name"] == theirs.name
    own = await api.post(NODE, {"id": _global_id("AccountGroup", mine.id)}, staff.token)
    assert own["data"]["node"]["name"] == mine.name


@pytest.mark.parametrize("bad_id", ["", "garbage", "VXNlcjo=", "Tm9wZTox", "VXNlcjotMQ=="])
async def test_malformed_ids_are_simply_not_found(api, make, bad_id):
    admin = await make.login(Role.ADMIN)
    result = await api.post(NODE, {"id": bad_id}, admin.token)
    assert result == {"data": {"node": None}}


def _global_id(type_name, pk):
    import base64

    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


async def test_concurrent_creations_of_one_email_make_exactly_one_login(api, make):
    admin = await make.login(Role.ADMIN)
    results = await asyncio.gather(
        *(
            api.op("CreateUser", {"input": _input(name=f"Racer {i}")}, token=admin.token)
            for i in range(8)
        )
    )
    payloads = [r["data"]["createUser"] for r in results]
    assert sum(p["user"] is not None for p in payloads) == 1
    assert sorted(e["code"] for p in payloads for e in p["errors"]) == ["DUPLICATE"] * 7
    assert await User.filter(email="carla.new@example.com").count() == 1
    assert await AccountGroup.all().count() == 1
