"""The benchmark's subtree ladder (bench/subtrees.py): each step is the contract's query
with more of it left out, and still a query the API accepts."""

from __future__ import annotations

import pytest
from graphql import (
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    validate,
)

from api.graphql import schema
from bench.subtrees import NotInQuery, ladder, without
from tests.graphql_client import operations


def _fields(query: str) -> list[str]:
    """The response keys of a query's fields, in document order (fragments looked into)."""
    keys: list[str] = []

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                keys.append((selection.alias or selection.name).value)
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                walk(selection.selection_set)

    for definition in parse(query).definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk(definition.selection_set)
    return keys


def test_every_step_of_the_portal_ladder_leaves_out_more_and_stays_valid():
    steps = ladder(operations()["ProjectAppointments"])
    assert len(steps) == 5
    sizes = [len(_fields(step.query)) for step in steps]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)
    for step in steps:
        assert validate(schema._schema, parse(step.query)) == [], step.left_out
    assert "bookings" in _fields(steps[0].query)
    assert "bookings" not in _fields(steps[1].query)
    assert "location" not in _fields(steps[2].query)
    assert _fields(steps[3].query)[-3:] == ["edges", "node", "id"]
    assert _fields(steps[4].query) == [
        "appointments", "totalCount", "pageInfo", "hasNextPage", "endCursor"
    ]  # fmt: skip


def test_a_field_is_left_out_through_an_inline_fragment_and_a_wrong_path_fails():
    overview = operations()["ProjectOverview"]
    smaller = without(overview, ("node.locations.store",))
    assert "store" not in _fields(smaller)
    assert "appointments" in _fields(smaller)
    with pytest.raises(NotInQuery):
        without(overview, ("node.locations.shop",))
