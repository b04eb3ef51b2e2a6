"""References one user makes to what another may not see stay hidden on every path."""

import base64
from datetime import UTC, datetime, timedelta

from db.models.accounts import Role

NODE_ADDRESS = "query($id: ID!) { node(id: $id) { ... on Address { name } } }"


def _gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _soon(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


async def _address(api, login, name: str) -> str:
    result = await api.op(
        "CreateAddress", {"input": {"kind": "COMPANY", "name": name}}, login.token
    )
    return result["data"]["createAddress"]["address"]["id"]


async def test_a_responsible_user_outside_the_groups_sees_the_activity_not_the_address(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Geheim GmbH")
    logged = await api.op(
        "LogActivity",
        {
            "input": {
                "addressId": shop, "kind": "CALL", "direction": "OUTBOUND",
                "status": "PLANNED", "startsAt": _soon(48), "subject": "Rückruf",
                "reminder": True, "responsibleId": _gid("User", ben.user.id),
            }
        },
        anna.token,
    )  # fmt: skip
    assert logged["data"]["logActivity"]["errors"] == []

    reminders = (await api.op("MyReminders", token=ben.token))["data"]["viewer"]["reminders"]
    assert [r["activity"]["subject"] for r in reminders] == ["Rückruf"]
    assert reminders[0]["activity"]["address"] is None
    assert (await api.post(NODE_ADDRESS, {"id": shop}, ben.token))["data"]["node"] is None
    assert "Geheim" not in str(reminders)

    own = (await api.op("MyReminders", token=anna.token))["data"]["viewer"]["reminders"]
    assert own == []
    detail = await api.op("AddressDetail", {"id": shop}, anna.token)
    [activity] = detail["data"]["node"]["activities"]["edges"]
    assert activity["node"]["responsible"]["id"] == _gid("User", ben.user.id)


async def test_a_task_shows_its_address_only_to_those_who_see_it(api, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    shop = await _address(api, anna, "Geheim GmbH")
    created = await api.op(
        "CreateTask",
        {
            "input": {
                "title": "Angebot nachfassen", "assigneeId": _gid("User", ben.user.id),
                "dueBy": _soon(24), "addressId": shop,
            }
        },
        anna.token,
    )  # fmt: skip
    assert created["data"]["createTask"]["errors"] == []
    tasks = (await api.op("MyTasks", token=ben.token))["data"]["viewer"]["tasks"]["edges"]
    assert [(t["node"]["title"], t["node"]["address"]) for t in tasks] == [
        ("Angebot nachfassen", None)
    ]
