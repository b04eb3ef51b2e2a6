"""The SQL statements a request sends must not grow with the page it answers (no N+1)."""

from __future__ import annotations

from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from db.models.accounts import Role, User
from db.models.crm import AccountGroup, Team
from tests.sql_counter import count_queries

USERS_WITH_GROUPS = """
query Users($first: Int!) {
  users(first: $first) {
    totalCount
    edges { node { id name accountGroups { id name members { id name } } } }
  }
}
"""

USERS_PAGE = """
query Users($first: Int!, $after: String) {
  users(first: $first, after: $after) { totalCount pageInfo { endCursor } edges { node { id } } }
}
"""

# The bearer token's session with its user (1), the page of users (1), totalCount (1, not
# needed when the page is the whole list), the users' account groups (1 batch), the groups'
# members (1 batch).
USERS_WITH_GROUPS_STATEMENTS = 5


async def _users_with_groups(api, token: str, first: int) -> tuple[dict[str, Any], Any]:
    with count_queries() as queries:
        result = await api.post(USERS_WITH_GROUPS, {"first": first}, token=token)
    assert "errors" not in result, result
    return result["data"]["users"], queries


def _check_groups(users: dict[str, Any], admin: User, staff: list[User]) -> None:
    """Each staff user is in their personal group, and its only member; the admin in none."""
    nodes = [edge["node"] for edge in users["edges"]]
    names = {user.name for user in staff}
    checked = 0
    for node in nodes:
        if node["name"] == admin.name:
            assert node["accountGroups"] == [], node
            continue
        groups = {group["name"]: group for group in node["accountGroups"]}
        assert node["name"] in names, node
        assert node["name"] in groups, node
        members = groups[node["name"]]["members"]
        assert [member["id"] for member in members] == [node["id"]], node
        checked += 1
    assert checked == len(staff)


async def test_users_with_groups_and_members_take_a_fixed_number_of_statements(api, make):
    admin = await make.login(Role.ADMIN)
    staff = [await make.user(Role.STAFF) for _ in range(5)]

    small, few = await _users_with_groups(api, admin.token, first=len(staff) + 1)
    assert small["totalCount"] == len(small["edges"]) == len(staff) + 1
    _check_groups(small, admin.user, staff)

    staff += [await make.user(Role.STAFF) for _ in range(35)]
    large, many = await _users_with_groups(api, admin.token, first=len(staff) + 1)
    assert large["totalCount"] == len(large["edges"]) == len(staff) + 1
    _check_groups(large, admin.user, staff)

    assert few.count <= USERS_WITH_GROUPS_STATEMENTS, few.report()
    assert many.count == few.count, f"5 staff: {few.report()}\n40 staff: {many.report()}"


async def test_a_partial_page_takes_one_statement_more_than_the_whole_list(api, make):
    """Only a page with more beyond it counts the list; the whole list is its own count."""
    admin = await make.login(Role.ADMIN)
    for _ in range(12):
        await make.user(Role.STAFF)

    everyone, whole = await _users_with_groups(api, admin.token, first=13)
    page, partial = await _users_with_groups(api, admin.token, first=3)
    assert everyone["totalCount"] == len(everyone["edges"]) == 13
    assert len(page["edges"]) == 3
    assert page["totalCount"] == 13
    assert partial.count == whole.count + 1 <= USERS_WITH_GROUPS_STATEMENTS, partial.report()
    assert not any("COUNT(" in sql.upper() for sql in whole.sql), whole.report()

    # The last page has nothing beyond it but rows before it: it counts the list.
    first = await api.post(USERS_PAGE, {"first": 10}, token=admin.token)
    after = first["data"]["users"]["pageInfo"]["endCursor"]
    last = await api.post(USERS_PAGE, {"first": 10, "after": after}, token=admin.token)
    assert len(last["data"]["users"]["edges"]) == 3
    assert last["data"]["users"]["totalCount"] == 13


async def test_count_queries_counts_each_statement_once(db, make):
    """Known ORM calls, so the counter is trusted on every backend."""
    await make.user(Role.STAFF)  # opens the connection (pool) before counting

    with count_queries() as queries:
        await User.all().count()
        await AccountGroup.filter(name__startswith="Staff").first()
        await Team.create(name="Nachtschicht")
        await Team.filter(name="Nachtschicht").update(name="Frühschicht")
    assert queries.count == 4, queries.report()
    assert queries.sql[0].upper().startswith("SELECT COUNT(")
    assert queries.sql[2].upper().startswith("INSERT")
    assert queries.sql[3].upper().startswith("UPDATE")

    # BEGIN/COMMIT are not logged by Tortoise; bulk_create is one logged statement.
    async with count_queries() as queries:
        async with in_transaction():
            await Team.create(name="Spätschicht")
            await Team.bulk_create([Team(name="Bereitschaft"), Team(name="Wochenende")])
        await connections.get("default").execute_script("SELECT 1")
    assert queries.count == 3, queries.report()
    assert queries.sql[2] == "SELECT 1"

    with count_queries() as queries:
        pass
    assert queries.count == 0
    assert await Team.all().count() == 4
