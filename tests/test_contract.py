"""Every operation the three clients send must validate against the schema.

Operations whose domain is not built yet are listed in NOT_YET_SERVED; the list may only
shrink: an operation there that starts to validate fails the test until it is removed.
"""

from pathlib import Path

import pytest
from graphql import parse, specified_rules, validate

from api.graphql import schema
from api.limits import LIMIT_RULES, MAX_TOKENS
from tests.graphql_client import CLIENT_DOCUMENTS, operations

NOT_YET_SERVED = frozenset(
    {
        # Contact planning (issue 7)
        "CreateContactPlan", "AddContactPlanMember", "AddContactPlanException",
        "AddInactivePeriod", "GenerateScheduledContacts", "ScheduledContacts",
        "RecordContactOutcome",
    }
)  # fmt: skip

RULES = [*specified_rules, *LIMIT_RULES]


def _errors(operation: str) -> list[str]:
    return [e.message for e in validate(schema._schema, parse(operation), RULES)]


def test_every_client_document_was_found():
    assert {p.name for p in CLIENT_DOCUMENTS} == {
        "agency-web.graphql",
        "customer-portal.graphql",
        "promoter-app.graphql",
    }
    assert operations().keys() >= NOT_YET_SERVED


@pytest.mark.parametrize("name", sorted(operations()))
def test_client_operation_validates(name: str):
    errors = _errors(operations()[name])
    if name in NOT_YET_SERVED:
        assert errors, f"{name} validates now: remove it from NOT_YET_SERVED"
    else:
        assert errors == []


@pytest.mark.parametrize("path", CLIENT_DOCUMENTS, ids=lambda p: Path(p).name)
def test_a_whole_client_document_fits_the_size_limits(path: Path):
    """Clients may send their whole document with an operationName."""
    parse(path.read_text(), max_tokens=MAX_TOKENS)
