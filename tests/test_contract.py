"""Every operation the three clients send validates against the schema, within the limits."""

from pathlib import Path

import pytest
from graphql import parse, specified_rules, validate

from api.graphql import schema
from api.limits import LIMIT_RULES, MAX_TOKENS
from api.query_cost import MAX_COST, query_cost
from db.models.accounts import Role
from tests.graphql_client import CLIENT_DOCUMENTS, operations

RULES = [*specified_rules, *LIMIT_RULES]


def _errors(document: str) -> list[str]:
    return [e.message for e in validate(schema._schema, parse(document), RULES)]


def test_every_client_document_was_found():
    assert {p.name for p in CLIENT_DOCUMENTS} == {
        "agency-web.graphql",
        "customer-portal.graphql",
        "promoter-app.graphql",
    }
    assert len(operations()) > 60


@pytest.mark.parametrize("name", sorted(operations()))
def test_client_operation_validates(name: str):
    assert _errors(operations()[name]) == []


def test_every_client_operation_costs_less_than_the_limit_even_with_full_pages():
    costs = {name: query_cost(parse(text), name, {}) for name, text in operations().items()}
    assert max(costs.values()) * 2 < MAX_COST, costs


@pytest.mark.parametrize("path", CLIENT_DOCUMENTS, ids=lambda p: Path(p).name)
def test_a_whole_client_document_validates_within_the_limits(path: Path):
    """Clients may send their whole document with an operationName."""
    text = path.read_text()
    parse(text, max_tokens=MAX_TOKENS)
    assert _errors(text) == []


async def test_a_client_may_send_its_whole_document_over_http(api, make):
    login = await make.login(Role.STAFF)
    document = next(p for p in CLIENT_DOCUMENTS if p.name == "agency-web.graphql").read_text()
    response = await api.http.post(
        "/graphql",
        json={"query": document, "operationName": "Viewer"},
        headers={"Authorization": f"Bearer {login.token}"},
    )
    assert response.json()["data"]["viewer"]["name"] == login.user.name
