"""node(id:) answers every type that implements Node, under the same scoping as its other
paths."""

from graphql import GraphQLObjectType

from api.graphql import schema
from api.schema import NODES
from db.models.accounts import Role

NODE = "query($id: ID!) { node(id: $id) { id __typename } }"


def test_every_node_type_can_be_loaded_by_node():
    implementing = {
        name
        for name, type_ in schema._schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and any(i.name == "Node" for i in type_.interfaces)
    }
    assert implementing == set(NODES)


async def _node(api, token: str, global_id: str) -> dict | None:
    return (await api.post(NODE, {"id": global_id}, token))["data"]["node"]


async def test_a_tag_is_the_agencys_and_no_one_elses(api, make):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)
    promoter = await make.login(Role.PROMOTER)
    group = await api.op("CreateTagGroup", {"name": "Branche"}, admin.token)
    group_id = group["data"]["createTagGroup"]["tagGroup"]["id"]
    tag = await api.op("CreateTag", {"groupId": group_id, "name": "Lebensmittel"}, admin.token)
    tag_id = tag["data"]["createTag"]["tag"]["id"]
    for global_id, type_name in ((group_id, "TagGroup"), (tag_id, "Tag")):
        assert (await _node(api, anna.token, global_id))["__typename"] == type_name
        assert await _node(api, promoter.token, global_id) is None


async def test_a_report_field_is_seen_with_its_project(api, make):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    customer = await api.op(
        "CreateAddress", {"input": {"kind": "COMPANY", "name": "Kunde"}}, anna.token
    )
    project = await api.op(
        "CreateProject",
        {
            "input": {
                "customerId": customer["data"]["createAddress"]["address"]["id"],
                "name": "Sommer",
                "startsOn": "2036-06-01",
                "endsOn": "2036-08-31",
            }
        },
        anna.token,
    )
    project_id = project["data"]["createProject"]["project"]["id"]
    added = await api.op(
        "AddReportField",
        {
            "input": {
                "projectId": project_id,
                "label": "Verkauft",
                "type": "NUMBER",
                "required": True,
            }
        },
        anna.token,
    )
    [field] = added["data"]["addReportField"]["project"]["reportFields"]
    assert (await _node(api, anna.token, field["id"]))["__typename"] == "ReportField"
    assert (await _node(api, admin.token, field["id"]))["__typename"] == "ReportField"
    assert await _node(api, ben.token, field["id"]) is None
