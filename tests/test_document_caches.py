"""Two levers the benchmark measures on and off (bench/RESULTS.md, Levers): the parse and
validation caches (`PROMOPLAN_DOCUMENT_CACHES`) and orjson responses
(`PROMOPLAN_ORJSON_RESPONSES`). On, a document sent again is neither parsed nor validated
again; off, each request's is. Either way the API answers the same, under the same limits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
import strawberry.schema.schema as strawberry_schema

from api.document_caches import DocumentParseCache, DocumentValidationCache
from db.models.accounts import Role
from tests.conftest import Backend
from tests.factories import Factory
from tests.graphql_client import GraphQLClient, error_codes, serving
from tests.test_request_errors import REFUSED_DOCUMENTS
from tests.test_statement_counts import QUERY_OPERATIONS, answers_of_both


@pytest.fixture
async def levers_off(db: Backend) -> AsyncIterator[GraphQLClient]:
    """The API with neither document caches nor orjson."""
    async with serving(db.settings, document_caches=False, orjson_responses=False) as client:
        yield client


def _counted(monkeypatch: pytest.MonkeyPatch, name: str) -> list[None]:
    """Calls of strawberry's own parse or validation, which runs when no cache answered."""
    calls: list[None] = []
    original: Callable[..., Any] = getattr(strawberry_schema, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(None)
        return original(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, name, counting)
    return calls


def _cache_misses() -> tuple[int, int]:
    """Documents parsed and validated through the caches so far. The first call makes the
    validation cache, which wraps strawberry's validation as it is then: before counting."""
    parse = DocumentParseCache().cached_parse_document.cache_info()  # type: ignore[attr-defined]
    validate = DocumentValidationCache().cached_validate_document.cache_info()  # type: ignore[attr-defined]
    return parse.misses, validate.misses


def _new_document() -> str:
    return f"{{ viewer {{ seen_{uuid.uuid4().hex}: id name }} }}"


async def test_a_document_sent_again_is_neither_parsed_nor_validated_again(
    api: GraphQLClient, make: Factory, monkeypatch: pytest.MonkeyPatch
):
    login = await make.login(Role.STAFF)
    before, query = _cache_misses(), _new_document()
    parsed, validated = _counted(monkeypatch, "parse"), _counted(monkeypatch, "validate_document")
    answers = [await api.post(query, token=login.token) for _ in range(3)]
    assert answers[0]["data"]["viewer"] and answers == [answers[0]] * 3
    after = _cache_misses()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    assert parsed == validated == []


async def test_with_the_caches_off_each_request_parses_and_validates_its_document(
    levers_off: GraphQLClient, make: Factory, monkeypatch: pytest.MonkeyPatch
):
    login = await make.login(Role.STAFF)
    before, query = _cache_misses(), _new_document()
    parsed, validated = _counted(monkeypatch, "parse"), _counted(monkeypatch, "validate_document")
    for _ in range(3):
        assert "errors" not in await levers_off.post(query, token=login.token)
    assert len(parsed) == len(validated) == 3
    assert _cache_misses() == before


async def test_with_orjson_off_the_answer_is_the_standard_librarys_encoding(
    api: GraphQLClient, levers_off: GraphQLClient, make: Factory
):
    login = await make.login(Role.STAFF, name="Jürgen Müller")
    query = "{ viewer { name } }"
    on = await api.post_raw(query, login.token)
    off = await levers_off.post_raw(query, login.token)
    data = {"data": {"viewer": {"name": "Jürgen Müller"}}}
    assert on.content == orjson.dumps(data)
    assert off.content == json.dumps(data, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("query", "reason"), REFUSED_DOCUMENTS.values(), ids=REFUSED_DOCUMENTS.keys()
)
async def test_with_the_levers_off_the_same_documents_are_refused(
    levers_off: GraphQLClient, make: Factory, query: str, reason: str
):
    login = await make.login(Role.ADMIN)
    result = await levers_off.post(query, token=login.token)
    assert error_codes(result) == ["BAD_REQUEST"]
    assert reason in result["errors"][0]["message"]


@pytest.mark.parametrize("operation", sorted(QUERY_OPERATIONS))
async def test_every_client_query_answers_the_same_with_the_levers_off(
    api: GraphQLClient, levers_off: GraphQLClient, make: Factory, operation: str
):
    async for viewer, on, off in answers_of_both(make, operation, api, levers_off):
        assert on.headers["content-type"] == off.headers["content-type"]
        assert on.json() == off.json(), (operation, viewer)
