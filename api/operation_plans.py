"""What preparing an operation for the level executor yields that holds for every request
of it, kept with the operation.

The parse cache hands every request of one document the same syntax tree, so what the
level executor derives from the tree alone can be kept with its operation node: the fields
collected at each selection and the prepared fields that hold nothing of a request (see
api/level_execution.py). A later request of the operation collects and prepares only what
depends on it -- arguments, the viewer's permissions, resolvers bound to its context.

Only an operation whose selections are the same whatever its variables is planned: no
directive in it takes a variable (`@include(if: $flag)`), and no fragment takes arguments;
nor is one that defers fields (the level executor leaves those to graphql-core anyway).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from graphql import (
    BREAK,
    DirectiveNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.collect_fields import (
    CollectedFields,
    FieldDetailsList,
    FragmentDetails,
    GroupedFieldSet,
)

from api.document_caches import DOCUMENTS_KEPT

# The plans kept, the most recently used last: as many as the parse cache keeps documents,
# so a plan outlives its tree only while few other documents come in.
PLANS_KEPT = DOCUMENTS_KEPT

F = TypeVar("F")


@dataclass(slots=True)
class OperationPlan(Generic[F]):
    """One operation's collected fields and its request-free prepared fields. It holds
    every collected field list, so a list's id names it for as long as the plan lives."""

    root: GroupedFieldSet
    # By (object type, id of the field's details): the fields selected below it.
    subfields: dict[tuple[str, int], CollectedFields] = field(default_factory=dict)
    # By (parent type, id of the field's details): the prepared fields shared by every
    # request of the operation.
    fields: dict[tuple[str, int], F] = field(default_factory=dict)

    def collected_below(
        self,
        kind: GraphQLObjectType,
        details: FieldDetailsList,
        collect: Callable[[GraphQLObjectType, FieldDetailsList], CollectedFields],
    ) -> CollectedFields:
        """The fields selected on `kind` below the field `details`, collected once."""
        key = (kind.name, id(details))
        collected = self.subfields.get(key)
        if collected is None:
            collected = self.subfields[key] = collect(kind, details)
        return collected


_Entry = tuple[GraphQLSchema, OperationDefinitionNode, OperationPlan[Any] | None]


class _Plans:
    """A bounded map from a schema's operation nodes, by identity, to their plans (None:
    not planned). Each entry holds its schema and node, so an id is never mistaken for a
    later object's; a plan holds its schema's types, so the schema lives as long as its
    plans are among the most recently used."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[int, int], _Entry] = OrderedDict()

    def get(
        self, schema: GraphQLSchema, operation: OperationDefinitionNode
    ) -> tuple[bool, OperationPlan[Any] | None]:
        key = (id(schema), id(operation))
        entry = self.entries.get(key)
        if entry is None or entry[0] is not schema or entry[1] is not operation:
            return False, None
        self.entries.move_to_end(key)
        return True, entry[2]

    def put(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        plan: OperationPlan[Any] | None,
    ) -> None:
        key = (id(schema), id(operation))
        self.entries[key] = (schema, operation, plan)
        self.entries.move_to_end(key)
        while len(self.entries) > PLANS_KEPT:
            self.entries.popitem(last=False)


_PLANS = _Plans()


def plan_of(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDetails],
    collect_root: Callable[[], CollectedFields],
) -> OperationPlan[Any] | None:
    """The operation's plan, made on its first request; None when it is not planned (its
    selections depend on its variables, or it defers fields)."""
    known, plan = _PLANS.get(schema, operation)
    if known:
        return plan
    plan = None
    if _selections_are_fixed(operation, fragments):
        root = collect_root()
        if not root.new_defer_usages:
            plan = OperationPlan(root.grouped_field_set)
    _PLANS.put(schema, operation, plan)
    return plan


class _VariableSelections(Visitor):
    """Finds a directive taking a variable, or a fragment spread taking arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.in_directive = 0
        self.found = False

    def enter_directive(self, _node: DirectiveNode, *_args: Any) -> None:
        self.in_directive += 1

    def leave_directive(self, _node: DirectiveNode, *_args: Any) -> None:
        self.in_directive -= 1

    def enter_variable(self, _node: VariableNode, *_args: Any) -> Any:
        if self.in_directive:
            self.found = True
            return BREAK
        return None

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: Any) -> Any:
        if getattr(node, "arguments", None):
            self.found = True
            return BREAK
        return None


def _selections_are_fixed(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]
) -> bool:
    """Whether the operation selects the same fields whatever its variables (the
    document's every fragment is looked at, used or not)."""
    for node in (operation, *(fragment.definition for fragment in fragments.values())):
        finder = _VariableSelections()
        visit(node, finder)
        if finder.found:
            return False
    return True
