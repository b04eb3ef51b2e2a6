"""Operation plans (api/operation_plans.py): what the level executor keeps of an operation
for its later requests -- never anything of the request that made it."""

from __future__ import annotations

import dataclasses
import gc
import weakref
from collections.abc import Iterator
from functools import partial
from types import FunctionType, ModuleType

from graphql import (
    GraphQLField,
    GraphQLNamedType,
    GraphQLResolveInfo,
    GraphQLSchema,
    Node,
    parse,
)
from graphql.execution.collect_fields import CollectedFields, collect_fields
from strawberry.types import Info
from tortoise.transactions import in_transaction

from api.context import Context
from api.graphql import build_schema, schema
from api.level_execution import LevelExecutionContext, _LevelRun
from api.operation_plans import _PLANS, PLANS_KEPT, OperationPlan, plan_of
from api.permissions.viewer import Viewer
from tests.factories import Factory
from tests.graphql_client import GraphQLClient, operations
from tests.test_statement_counts import BUILDERS, Rows, _world

_REQUEST_OBJECTS = (GraphQLResolveInfo, Info, Context, Viewer, _LevelRun, LevelExecutionContext)
# Shared by every request, and large: the schema's types and the documents' syntax trees.
_NOT_WALKED = (type, ModuleType, GraphQLNamedType, GraphQLField, Node, str, bytes, int, float)


def _reachable(root: object) -> Iterator[object]:
    """Everything `root` holds on to: containers, dataclasses, partials and closures."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen or item is None or isinstance(item, _NOT_WALKED):
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set | frozenset):
            stack += list(item)
        elif isinstance(item, FunctionType):
            stack += [cell.cell_contents for cell in item.__closure__ or ()]
        elif isinstance(item, partial):
            stack += [item.func, *item.args, *item.keywords.values()]
        elif dataclasses.is_dataclass(item):
            stack += [getattr(item, f.name) for f in dataclasses.fields(item)]
        elif hasattr(item, "__dict__"):
            stack += list(vars(item).values())


def _plan_of(operation: object) -> OperationPlan | None:
    return plan_of(schema._schema, operation, {}, lambda: _collected(operation))


def _plan(query: str) -> OperationPlan | None:
    return _plan_of(parse(query).definitions[0])


def _collected(operation: object, on: GraphQLSchema | None = None) -> CollectedFields:
    on = on or schema._schema
    assert on.query_type is not None
    return collect_fields(on, {}, {}, on.query_type, operation)


async def test_a_plan_holds_nothing_of_the_requests_it_served(api: GraphQLClient, make: Factory):
    """The plan of the portal's appointments holds the selections and the fields read the
    same for everyone -- not a resolve info, a context, a viewer or the run that made it,
    which would leak one customer's rows or permissions into another's request."""
    world = await _world(make, "customer")
    async with in_transaction():
        request = await BUILDERS["ProjectAppointments"](world, Rows.every(2))
    result = await api.post(operations()["ProjectAppointments"], request.variables, world.token)
    assert "errors" not in result and result["data"]["appointments"]["edges"], result

    plans = [plan for _, _, plan in _PLANS.entries.values() if plan is not None]
    assert any(plan.fields for plan in plans)  # the portal's operation has shared fields
    leaked = [
        type(item).__name__
        for plan in plans
        for item in _reachable(plan)
        if isinstance(item, _REQUEST_OBJECTS)
    ]
    assert leaked == []


def test_the_same_operation_gets_the_same_plan_and_variable_selections_none():
    document = parse("query A { viewer { id } }")
    operation = document.definitions[0]
    first = _plan_of(operation)
    assert first is not None
    assert _plan_of(operation) is first
    assert _plan("query A { viewer { id } }") is not first  # another document, another plan
    assert _plan("query B($x: Boolean!) { viewer { id @skip(if: $x) } }") is None
    assert _plan("query C { viewer { id @skip(if: false) } }") is not None


def test_plans_are_kept_for_the_most_recently_used_operations_only():
    oldest = parse("query Oldest { viewer { id } }").definitions[0]
    plan = _plan_of(oldest)
    for number in range(PLANS_KEPT):
        _plan(f"query Q{number} {{ viewer {{ id }} }}")
    assert len(_PLANS.entries) == PLANS_KEPT
    again = _plan_of(oldest)
    assert again is not plan  # made anew: the first was dropped


def test_a_schema_is_freed_once_its_plans_are_no_longer_kept():
    """A plan holds its schema's types (an object completer holds its type), so the plans
    must not keep a schema built and dropped later (say, by a test) alive for good."""
    throwaway = build_schema()._schema
    operation = parse("query Mine { viewer { id } }").definitions[0]
    collected = _collected(operation, throwaway)
    plan = plan_of(throwaway, operation, {}, lambda: collected)
    assert plan is not None
    plan.fields["Query", 0] = throwaway.query_type  # as a kept completer holds its type
    gone = weakref.ref(throwaway)
    del throwaway, plan
    for number in range(PLANS_KEPT):
        _plan(f"query Other{number} {{ viewer {{ id }} }}")
    gc.collect()
    assert gone() is None
