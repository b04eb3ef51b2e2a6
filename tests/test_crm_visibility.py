"""Who sees which addresses: account groups, substitutes, roles and token scopes; and the
groups, teams and territories the agency organises itself with."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from strawberry.relay import from_base64, to_base64

from api.clock import agency_today
from db.models.accounts import ApiToken, Role
from db.models.crm import (
    AccountGroup,
    AccountGroupMember,
    Address,
    ContactPerson,
    Team,
    Territory,
)
from tests.factories import Login
from tests.graphql_client import error_codes

ADD_MEMBER = """
mutation($groupId: ID!, $userId: ID!, $validUntil: Date) {
  addAccountGroupMember(groupId: $groupId, userId: $userId, validUntil: $validUntil) {
    accountGroup { id members { name } }
    errors { field code message }
  }
}"""
WITHOUT_GROUP = (
    "{ addresses(withoutAccountGroup: true, first: 100) { totalCount edges { node { name } } } }"
)
CONTACT = "query($id: ID!) { node(id: $id) { ... on ContactPerson { lastName address { name } } } }"
ACCOUNT_GROUPS = "{ accountGroups { name members { name } } }"
TERRITORIES = "{ territories { name parent { name } } }"
UPDATE_TERRITORY = """
mutation($input: UpdateTerritoryInput!) {
  updateTerritory(input: $input) {
    territory { name parent { name } }
    errors { field code message }
  }
}"""


@dataclass
class Crm:
    """Anna and Ben share the region "Nord"; Cora has only her personal group."""

    admin: Login
    anna: Login
    ben: Login
    cora: Login
    groups: dict[str, str]  # group name -> global ID
    addresses: dict[str, str]  # address name -> global ID


def _pk(global_id: str) -> int:
    return int(from_base64(global_id)[1])


def _errors(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def _personal_group(login: Login) -> str:
    return to_base64("AccountGroup", (await AccountGroup.get(personal_for_id=login.user.id)).id)


async def _create_address(api, login: Login, name: str, **fields) -> str:
    result = await api.op(
        "CreateAddress", {"input": {"kind": "COMPANY", "name": name, **fields}}, login.token
    )
    payload = result["data"]["createAddress"]
    assert payload["errors"] == []
    return payload["address"]["id"]


async def _listed(api, login: Login, search: str | None = None) -> tuple[set[str], int]:
    """The names on the viewer's address list (optionally searched), and its totalCount."""
    result = await api.op("SearchAddresses", {"search": search, "first": 100}, login.token)
    connection = result["data"]["addresses"]
    return {e["node"]["name"] for e in connection["edges"]}, connection["totalCount"]


async def _detail(api, login: Login, address_id: str) -> dict | None:
    result = await api.op("AddressDetail", {"id": address_id}, login.token)
    assert "errors" not in result, result
    return result["data"]["node"]


async def _sees(api, login: Login, name: str, address_id: str) -> bool:
    """Whether the address is on the viewer's list, found by search, and answered by node."""
    listed, searched = (await _listed(api, login))[0], (await _listed(api, login, "Kunde"))[0]
    detail = await _detail(api, login, address_id)
    seen = {name in listed, name in searched, detail is not None}
    assert len(seen) == 1, f"{login.user.name} sees {name} on some paths only"
    return seen.pop()


@pytest.fixture
async def crm(api, make) -> Crm:
    admin = await make.login(Role.ADMIN, name="Ada Admin")
    anna, ben, cora = [await make.login(Role.STAFF, name=n) for n in ("Anna", "Ben", "Cora")]
    members = [to_base64("User", login.user.id) for login in (anna, ben)]
    created = await api.op(
        "CreateAccountGroup", {"input": {"name": "Nord", "memberIds": members}}, admin.token
    )
    assert created["data"]["createAccountGroup"]["errors"] == []
    groups = {"Nord": created["data"]["createAccountGroup"]["accountGroup"]["id"]}
    for login in (anna, ben, cora):
        groups[login.user.name] = await _personal_group(login)
    addresses = {
        "Anna Kunde GmbH": await _create_address(api, anna, "Anna Kunde GmbH"),
        "Ben Kunde AG": await _create_address(api, ben, "Ben Kunde AG"),
        "Cora Kunde KG": await _create_address(api, cora, "Cora Kunde KG"),
        "Nordmarkt Kunde": await _create_address(
            api, anna, "Nordmarkt Kunde", accountGroupId=groups["Nord"]
        ),
    }
    return Crm(admin, anna, ben, cora, groups, addresses)


# ---------------------------------------------------------------- seeing addresses


async def test_each_staff_user_lists_exactly_the_addresses_of_their_groups(api, crm):
    expected = [
        (crm.anna, {"Anna Kunde GmbH", "Nordmarkt Kunde"}),
        (crm.ben, {"Ben Kunde AG", "Nordmarkt Kunde"}),
        (crm.cora, {"Cora Kunde KG"}),
        (crm.admin, set(crm.addresses)),
    ]
    for login, names in expected:
        assert await _listed(api, login) == (names, len(names)), login.user.name
        assert await _listed(api, login, "kunde") == (names, len(names)), login.user.name


async def test_node_answers_an_address_only_to_members_of_its_groups(api, crm):
    nord = await _detail(api, crm.ben, crm.addresses["Nordmarkt Kunde"])
    assert nord["name"] == "Nordmarkt Kunde"
    assert nord["accountGroup"] == {"id": crm.groups["Nord"], "name": "Nord"}
    for login, hidden in (
        (crm.anna, "Ben Kunde AG"),
        (crm.ben, "Cora Kunde KG"),
        (crm.cora, "Anna Kunde GmbH"),
        (crm.cora, "Nordmarkt Kunde"),
    ):
        assert await _detail(api, login, crm.addresses[hidden]) is None, (login.user.name, hidden)
        assert (await _detail(api, crm.admin, crm.addresses[hidden]))["name"] == hidden


async def test_a_contact_person_and_its_address_are_seen_only_with_the_address(api, crm):
    created = await api.op(
        "CreateContactPerson",
        {"input": {"addressId": crm.addresses["Nordmarkt Kunde"], "lastName": "Krüger"}},
        crm.ben.token,
    )
    contact_id = created["data"]["createContactPerson"]["contactPerson"]["id"]
    for login in (crm.anna, crm.ben):
        node = (await api.post(CONTACT, {"id": contact_id}, login.token))["data"]["node"]
        assert node == {"lastName": "Krüger", "address": {"name": "Nordmarkt Kunde"}}
    hidden = await api.post(CONTACT, {"id": contact_id}, crm.cora.token)
    assert hidden == {"data": {"node": None}}


async def test_an_invisible_address_as_a_mutation_argument_is_not_found_and_unchanged(api, crm):
    hidden = crm.addresses["Ben Kunde AG"]
    missing = to_base64("Address", 999_999)
    for address_id in (hidden, missing):
        update = await api.op(
            "UpdateAddress", {"input": {"id": address_id, "name": "Gekapert"}}, crm.cora.token
        )
        assert update["data"]["updateAddress"]["address"] is None
        assert _errors(update["data"]["updateAddress"]) == [("id", "NOT_FOUND")]
        contact = await api.op(
            "CreateContactPerson",
            {"input": {"addressId": address_id, "lastName": "Spion"}},
            crm.cora.token,
        )
        assert contact["data"]["createContactPerson"]["contactPerson"] is None
        assert _errors(contact["data"]["createContactPerson"]) == [("addressId", "NOT_FOUND")]
    assert (await Address.get(id=_pk(hidden))).name == "Ben Kunde AG"
    assert await ContactPerson.all().count() == 0
    assert await _listed(api, crm.ben, "Gekapert") == (set(), 0)


async def test_a_secondary_account_group_grants_visibility_too(api, crm):
    address = crm.addresses["Ben Kunde AG"]
    assert not await _sees(api, crm.cora, "Ben Kunde AG", address)
    update = await api.op(
        "UpdateAddress",
        {"input": {"id": address, "secondaryAccountGroupId": crm.groups["Cora"]}},
        crm.admin.token,
    )
    assert update["data"]["updateAddress"]["errors"] == []
    assert await _sees(api, crm.cora, "Ben Kunde AG", address)
    detail = await _detail(api, crm.cora, address)
    assert detail["accountGroup"]["name"] == "Ben"
    assert detail["secondaryAccountGroup"]["name"] == "Cora"
    assert await _sees(api, crm.ben, "Ben Kunde AG", address)
    assert not await _sees(api, crm.anna, "Ben Kunde AG", address)


# ---------------------------------------------------------------- substitutes


async def test_a_substitute_sees_a_colleagues_addresses_until_the_membership_lapses(api, crm):
    address, group = crm.addresses["Anna Kunde GmbH"], crm.groups["Anna"]
    until = (agency_today() + timedelta(days=14)).isoformat()
    added = await api.post(
        ADD_MEMBER,
        {"groupId": group, "userId": to_base64("User", crm.cora.user.id), "validUntil": until},
        crm.anna.token,
    )
    payload = added["data"]["addAccountGroupMember"]
    assert payload["errors"] == []
    assert {m["name"] for m in payload["accountGroup"]["members"]} == {"Anna", "Cora"}
    assert await _sees(api, crm.cora, "Anna Kunde GmbH", address)

    membership = AccountGroupMember.filter(group_id=_pk(group), user_id=crm.cora.user.id)
    await membership.update(valid_until=agency_today())  # the last day still counts
    assert await _sees(api, crm.cora, "Anna Kunde GmbH", address)

    await membership.update(valid_until=agency_today() - timedelta(days=1))
    assert not await _sees(api, crm.cora, "Anna Kunde GmbH", address)
    update = await api.op(
        "UpdateAddress", {"input": {"id": address, "name": "Vertretung"}}, crm.cora.token
    )
    assert _errors(update["data"]["updateAddress"]) == [("id", "NOT_FOUND")]
    viewer = (await api.op("Viewer", token=crm.cora.token))["data"]["viewer"]
    assert [g["name"] for g in viewer["accountGroups"]] == ["Cora"]
    groups = (await api.post(ACCOUNT_GROUPS, token=crm.anna.token))["data"]["accountGroups"]
    assert {g["name"]: [m["name"] for m in g["members"]] for g in groups}["Anna"] == ["Anna"]
    assert await _sees(api, crm.anna, "Anna Kunde GmbH", address)
    assert await membership.exists()  # nothing cleaned up: the date alone decides


async def test_a_substitute_membership_cannot_start_lapsed(api, crm):
    yesterday = (agency_today() - timedelta(days=1)).isoformat()
    result = await api.post(
        ADD_MEMBER,
        {
            "groupId": crm.groups["Anna"],
            "userId": to_base64("User", crm.cora.user.id),
            "validUntil": yesterday,
        },
        crm.anna.token,
    )
    payload = result["data"]["addAccountGroupMember"]
    assert payload["accountGroup"] is None
    assert _errors(payload) == [("validUntil", "INVALID")]
    assert not await AccountGroupMember.exists(user_id=crm.cora.user.id, group__name="Anna")
    assert not await _sees(api, crm.cora, "Anna Kunde GmbH", crm.addresses["Anna Kunde GmbH"])


async def test_a_permanent_member_added_by_the_contract_operation_sees_the_groups_addresses(
    api, crm
):
    address = crm.addresses["Nordmarkt Kunde"]
    cora = to_base64("User", crm.cora.user.id)
    outsider = await api.op(
        "AddAccountGroupMember", {"groupId": crm.groups["Nord"], "userId": cora}, crm.cora.token
    )
    assert _errors(outsider["data"]["addAccountGroupMember"]) == [("groupId", "NOT_FOUND")]
    assert not await _sees(api, crm.cora, "Nordmarkt Kunde", address)
    added = await api.op(
        "AddAccountGroupMember", {"groupId": crm.groups["Nord"], "userId": cora}, crm.ben.token
    )
    assert added["data"]["addAccountGroupMember"]["errors"] == []
    assert await _sees(api, crm.cora, "Nordmarkt Kunde", address)


# ---------------------------------------------------------------- moving and ungrouped addresses


async def test_a_moved_address_leaves_the_old_groups_members_and_reaches_the_new_ones(api, crm):
    nord = crm.addresses["Nordmarkt Kunde"]
    moved = await api.op(
        "UpdateAddress",
        {"input": {"id": nord, "accountGroupId": crm.groups["Anna"]}},
        crm.anna.token,
    )
    assert moved["data"]["updateAddress"]["address"]["accountGroup"]["id"] == crm.groups["Anna"]
    assert await _sees(api, crm.anna, "Nordmarkt Kunde", nord)
    assert not await _sees(api, crm.ben, "Nordmarkt Kunde", nord)

    ben_address = crm.addresses["Ben Kunde AG"]
    await api.op(
        "UpdateAddress",
        {"input": {"id": ben_address, "accountGroupId": crm.groups["Cora"]}},
        crm.admin.token,
    )
    assert not await _sees(api, crm.ben, "Ben Kunde AG", ben_address)
    assert await _sees(api, crm.cora, "Ben Kunde AG", ben_address)
    assert not await _sees(api, crm.anna, "Ben Kunde AG", ben_address)


async def test_an_address_without_a_group_is_seen_by_admins_only(api, crm):
    orphan = await _create_address(api, crm.admin, "Waise Kunde OHG")
    assert (await _detail(api, crm.admin, orphan))["accountGroup"] is None
    for login in (crm.anna, crm.ben, crm.cora):
        assert not await _sees(api, login, "Waise Kunde OHG", orphan), login.user.name
        staff_view = (await api.post(WITHOUT_GROUP, token=login.token))["data"]["addresses"]
        assert staff_view == {"totalCount": 0, "edges": []}
    admin_view = (await api.post(WITHOUT_GROUP, token=crm.admin.token))["data"]["addresses"]
    assert admin_view == {"totalCount": 1, "edges": [{"node": {"name": "Waise Kunde OHG"}}]}


async def test_staff_addresses_created_without_a_group_join_their_personal_group(api, crm):
    created = await api.op(
        "CreateAddress", {"input": {"kind": "PERSON", "name": "Privat Kunde"}}, crm.ben.token
    )
    address = created["data"]["createAddress"]["address"]
    assert address["accountGroup"]["id"] == crm.groups["Ben"]
    assert await _sees(api, crm.ben, "Privat Kunde", address["id"])
    admin_view = (await api.post(WITHOUT_GROUP, token=crm.admin.token))["data"]["addresses"]
    assert admin_view["totalCount"] == 0


async def test_staff_cannot_file_an_address_under_a_group_they_are_not_in(api, crm):
    before = await Address.all().count()
    for group in (crm.groups["Ben"], to_base64("AccountGroup", 999_999)):
        created = await api.op(
            "CreateAddress",
            {"input": {"kind": "COMPANY", "name": "Fremd Kunde", "accountGroupId": group}},
            crm.cora.token,
        )
        payload = created["data"]["createAddress"]
        assert payload["address"] is None
        assert _errors(payload) == [("accountGroupId", "NOT_FOUND")]
    assert await Address.all().count() == before
    assert await _listed(api, crm.ben, "Fremd") == (set(), 0)


# ---------------------------------------------------------------- roles and token scopes


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.PROMOTER])
async def test_customers_and_promoters_may_not_use_the_crm(api, make, crm, role):
    login = await make.login(role)
    address, own_id = crm.addresses["Anna Kunde GmbH"], to_base64("User", login.user.id)
    forbidden = [
        ("SearchAddresses", {}),
        ("CreateAddress", {"input": {"kind": "COMPANY", "name": "Eigene Firma"}}),
        ("UpdateAddress", {"input": {"id": address, "name": "Gekapert"}}),
        ("CreateContactPerson", {"input": {"addressId": address, "lastName": "Ich"}}),
        ("AddAccountGroupMember", {"groupId": crm.groups["Anna"], "userId": own_id}),
        ("CreateAccountGroup", {"input": {"name": "Meine"}}),
        ("CreateTeam", {"input": {"name": "Meins"}}),
        ("CreateTerritory", {"input": {"name": "Mein Gebiet"}}),
    ]
    for name, variables in forbidden:
        result = await api.op(name, variables, login.token)
        assert error_codes(result) == ["FORBIDDEN"], name
    assert await _detail(api, login, address) is None
    assert await Address.all().count() == len(crm.addresses)
    assert (await Address.get(id=_pk(address))).name == "Anna Kunde GmbH"
    assert await ContactPerson.all().count() == 0
    assert await AccountGroup.all().count() == 4
    assert await Team.all().count() == await Territory.all().count() == 0


async def _token(api, login: Login, scopes: list[str]) -> str:
    result = await api.op(
        "CreateApiToken", {"input": {"name": "+".join(scopes), "scopes": scopes}}, login.token
    )
    assert result["data"]["createApiToken"]["errors"] == []
    return result["data"]["createApiToken"]["secret"]


async def test_an_api_token_needs_crm_scopes_to_read_and_write_addresses(api, crm):
    no_crm = await _token(api, crm.anna, ["PROMOTIONS_READ", "PROMOTIONS_WRITE"])
    read = await _token(api, crm.anna, ["CRM_READ"])
    assert await ApiToken.all().count() == 2
    assert error_codes(await api.op("SearchAddresses", {}, no_crm)) == ["FORBIDDEN"]
    names, total = await _listed(api, Login(crm.anna.user, read))
    assert (names, total) == ({"Anna Kunde GmbH", "Nordmarkt Kunde"}, 2)

    create = {"input": {"kind": "COMPANY", "name": "Per Token GmbH"}}
    assert error_codes(await api.op("CreateAddress", create, read)) == ["FORBIDDEN"]
    assert error_codes(await api.op("CreateAddress", create, no_crm)) == ["FORBIDDEN"]
    assert not await Address.exists(name="Per Token GmbH")

    write = await _token(api, crm.anna, ["CRM_READ", "CRM_WRITE"])
    created = await api.op("CreateAddress", create, write)
    assert created["data"]["createAddress"]["address"]["accountGroup"]["id"] == crm.groups["Anna"]


# ---------------------------------------------------------------- groups, teams, territories


async def test_only_admins_create_account_groups_and_only_of_agency_users(api, make, crm):
    customer = await make.user(Role.CUSTOMER)
    promoter = await make.user(Role.PROMOTER)
    before = await AccountGroup.all().count()
    staff_attempt = await api.op("CreateAccountGroup", {"input": {"name": "Süd"}}, crm.anna.token)
    assert error_codes(staff_attempt) == ["FORBIDDEN"]
    for outsider in (customer, promoter):
        ids = [to_base64("User", crm.cora.user.id), to_base64("User", outsider.id)]
        result = await api.op(
            "CreateAccountGroup", {"input": {"name": "Süd", "memberIds": ids}}, crm.admin.token
        )
        payload = result["data"]["createAccountGroup"]
        assert payload["accountGroup"] is None
        assert _errors(payload) == [("memberIds", "NOT_FOUND")]
    assert await AccountGroup.all().count() == before
    assert not await AccountGroup.exists(name="Süd")

    ids = [to_base64("User", crm.cora.user.id), to_base64("User", crm.admin.user.id)]
    result = await api.op(
        "CreateAccountGroup", {"input": {"name": "Süd", "memberIds": ids}}, crm.admin.token
    )
    members = result["data"]["createAccountGroup"]["accountGroup"]["members"]
    assert {m["name"] for m in members} == {"Cora", "Ada Admin"}


async def test_staff_list_only_their_own_account_groups_and_admins_all(api, crm):
    async def names(login: Login) -> list[str]:
        result = await api.post(ACCOUNT_GROUPS, token=login.token)
        return [g["name"] for g in result["data"]["accountGroups"]]

    assert await names(crm.anna) == ["Anna", "Nord"]
    assert await names(crm.ben) == ["Ben", "Nord"]
    assert await names(crm.cora) == ["Cora"]
    assert await names(crm.admin) == ["Anna", "Ben", "Cora", "Nord"]


async def test_team_members_find_their_team_on_the_viewer_and_names_are_unique(api, crm):
    ids = [to_base64("User", login.user.id) for login in (crm.anna, crm.cora)]
    created = await api.op(
        "CreateTeam", {"input": {"name": "Innendienst", "memberIds": ids}}, crm.ben.token
    )
    team = created["data"]["createTeam"]["team"]
    assert {m["name"] for m in team["members"]} == {"Anna", "Cora"}
    for login, teams in ((crm.anna, ["Innendienst"]), (crm.cora, ["Innendienst"]), (crm.ben, [])):
        viewer = (await api.op("Viewer", token=login.token))["data"]["viewer"]
        assert [t["name"] for t in viewer["teams"]] == teams, login.user.name

    duplicate = await api.op("CreateTeam", {"input": {"name": "Innendienst"}}, crm.admin.token)
    assert duplicate["data"]["createTeam"]["team"] is None
    assert _errors(duplicate["data"]["createTeam"]) == [("name", "DUPLICATE")]
    assert await Team.all().count() == 1
    # A team is a work pool: Anna and Cora share one but still not each other's addresses.
    assert not await _sees(api, crm.cora, "Anna Kunde GmbH", crm.addresses["Anna Kunde GmbH"])


async def _territory(api, login: Login, name: str, parent: str | None = None) -> str:
    result = await api.op(
        "CreateTerritory", {"input": {"name": name, "parentId": parent}}, login.token
    )
    payload = result["data"]["createTerritory"]
    assert payload["errors"] == []
    return payload["territory"]["id"]


async def _move(api, login: Login, territory: str, parent: str) -> dict:
    result = await api.post(
        UPDATE_TERRITORY, {"input": {"id": territory, "parentId": parent}}, login.token
    )
    return result["data"]["updateTerritory"]


async def _tree(api, login: Login) -> dict[str, str | None]:
    result = await api.post(TERRITORIES, token=login.token)
    return {t["name"]: (t["parent"] or {}).get("name") for t in result["data"]["territories"]}


async def test_territories_form_a_tree_that_moves_with_its_subtree(api, crm):
    germany = await _territory(api, crm.anna, "Deutschland")
    north = await _territory(api, crm.anna, "Nord", germany)
    hamburg = await _territory(api, crm.anna, "Hamburg", north)
    south = await _territory(api, crm.anna, "Süd", germany)
    tree = {"Deutschland": None, "Nord": "Deutschland", "Hamburg": "Nord", "Süd": "Deutschland"}
    assert await _tree(api, crm.anna) == tree

    for parent in (hamburg, north):
        refused = await _move(api, crm.anna, north, parent)
        assert refused["territory"] is None
        assert _errors(refused) == [("parentId", "INVALID")]
    assert await _tree(api, crm.anna) == tree

    moved = await _move(api, crm.anna, north, south)
    assert moved["errors"] == []
    assert moved["territory"] == {"name": "Nord", "parent": {"name": "Süd"}}
    assert await _tree(api, crm.anna) == {**tree, "Nord": "Süd"}
    # Hamburg moved along: it now lies inside Süd, so Süd cannot go under it.
    assert _errors(await _move(api, crm.anna, south, hamburg)) == [("parentId", "INVALID")]
    assert _errors(await _move(api, crm.anna, hamburg, germany)) == []
    assert await _tree(api, crm.anna) == {**tree, "Nord": "Süd", "Hamburg": "Deutschland"}
