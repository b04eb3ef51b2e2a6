"""The cost of a query before it runs, as GitHub's and Shopify's APIs count it.

Every field costs 1; what a connection holds is paid once for each row it may return, so
`first` (or `last`) multiplies the cost of everything below it, and a connection without
either counts as a full page. The estimate is an upper bound: the branches of a `node`
query for different types are all paid. Queries over MAX_COST are refused before any
resolver runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

from api.errors import BadRequest
from api.resolvers.pagination import MAX_PAGE_SIZE

# Three times the contract's costliest operation with full pages (Appointments, 3,301).
MAX_COST = 10_000
_PAGE_ARGUMENTS = ("first", "last")


class _Costing:
    def __init__(self, document: DocumentNode, variables: Mapping[str, Any]) -> None:
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def of(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        return sum(self._selection(s) for s in selection_set.selections)

    def _selection(self, selection: Any) -> int:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                return 0
            return 1 + self._rows(selection) * self.of(selection.selection_set)
        if isinstance(selection, InlineFragmentNode):
            return self.of(selection.selection_set)
        if isinstance(selection, FragmentSpreadNode):
            fragment = self.fragments.get(selection.name.value)
            return self.of(fragment.selection_set) if fragment else 0
        return 0

    def _rows(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value in _PAGE_ARGUMENTS:
                value = self._int(argument.value)
                if value is not None:
                    return max(value, 0)
        return MAX_PAGE_SIZE if _is_connection(field) else 1

    def _int(self, node: Any) -> int | None:
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, VariableNode):
            value = self.variables.get(node.name.value)
            return value if isinstance(value, int) else None
        return None


def _is_connection(field: FieldNode) -> bool:
    selections = field.selection_set.selections if field.selection_set else ()
    return any(isinstance(s, FieldNode) and s.name.value in ("edges", "nodes") for s in selections)


def _operations(document: DocumentNode) -> Iterator[OperationDefinitionNode]:
    return (d for d in document.definitions if isinstance(d, OperationDefinitionNode))


def query_cost(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> int:
    """The cost of the operation the request runs (the named one, or the only one)."""
    operations = list(_operations(document))
    chosen = [o for o in operations if o.name and o.name.value == operation_name] or operations
    return _Costing(document, variables or {}).of(chosen[0].selection_set) if chosen else 0


class QueryCostLimit(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        cost = query_cost(context.graphql_document, context.operation_name, context.variables)
        if cost > MAX_COST:
            raise BadRequest(f"This query may cost {cost}, over the limit of {MAX_COST}.")
        yield
