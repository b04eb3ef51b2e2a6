"""Object-level authorization sweep: two agencies' worth of data, and every client operation
that takes an ID, asked with every ID of the other half by every kind of viewer.

One deployment is one agency, so "two agencies" are two disjoint halves, A and B, built by an
admin through the API: each with its staff user and account group, a team, territories, tags,
a campaign, customers (a COMPANY with contact persons, one of them with a portal login, a
STORE, a PERSON), an activity with a reminder and a document, tasks, a project with a report
field, a location, a confirmed and a requested appointment, a promoter with a login, booked,
checked in and reporting, a contact plan with members, exceptions, scheduled contacts and an
order, and API tokens. Every string of B carries a marker `ZZB-<n>` (one per object), so a
leak shows in a response by searching it; every global ID of B is collected.

The cases come from the contract (../shared/clients/*.graphql), not from a list here: every
variable of an operation is walked through the live schema's types (input objects and lists
included) to find its ID slots (`ID`, `ID!`, `[ID!]!`, ID fields of input objects). Each slot
is filled with each B ID whose type fits the slot, the type told by the slot's name:
`projectId` takes Project IDs, `groupId` AccountGroup and TagGroup IDs (a node type whose name
ends like the slot, or the slot like the type), a few role names stand for their type
(`storeId` an Address, `assigneeId` a User, `parentId` a Territory, ...), and a plain `id`
takes the type named by the root field it is passed to (`cancelBooking(id:)` a Booking;
`node(id:)` every type). A slot whose name tells no type takes every B ID, so an operation
added to the contract is swept without touching this file. The resolvers refuse an ID of
another type before any lookup (`inputs.node_pk`), so other types would only test that check.
Besides the contract, two probes are swept the same way: `node(id:) { id __typename }` with
every B ID, and per node type `node(id:)` with every field of the type, nested four object
levels deep (what the contract's own selections do not reach: a shared object's sub-fields).

Every other required variable gets a valid dummy from its type (String "x", Int 1, Boolean
false, Date 2036-01-05, DateTime 2036-01-05T10:00Z (the end of a range 18:00), Time 10:00, an
enum's first value, input objects with their required fields). Other required ID slots of the
operation get a counterpart of the right type, once A's own ("own": the attacker combines the
foreign ID with their own objects) and once B's ("theirs": the foreign objects together).

Viewers of A: a STAFF session, a CUSTOMER session, a CUSTOMER API token with every customer
scope and a PROMOTER session. No response's `data` may hold a B global ID or a B marker, no
error message a B marker (an error may quote the ID it refuses), `node(id:)` must answer null
for a B ID, and nothing may fail as an INTERNAL_SERVER_ERROR (nor as a BAD_REQUEST: that would
be a case this file generated wrongly). B's rows (those of its objects and, transitively,
every row referring to one) are compared before and after: nothing may change. First, as a
check of the detector, the admin must find B through every query of the sweep.

The agency shares some objects among all its staff (api/permissions/scoping.py): users,
teams, territories, campaigns and tags, promoters, contact plans. For A's STAFF viewer these
B objects are not secret (and may be used: a task for B's staff user, B's promoter booked on
A's appointment), so they are left out of what staff must not see or change. A CUSTOMER or
PROMOTER of A may see none of B's objects, those included. The customer and promoter viewers
run first, so that staff's legitimate use of shared objects cannot affect them.

A case that finds a product bug is pinned by a strict xfail test at the end of this file and
left out of the sweep by KNOWN_BUGS, so the sweep keeps guarding everything else.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    ValueNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    parse,
    type_from_ast,
)
from graphql.execution.values import get_variable_values
from strawberry.relay import from_base64, to_base64
from tortoise import Tortoise

from api import credentials
from api.graphql import schema as promoplan_schema
from db.models.accounts import Role
from db.models.crm import AccountGroup
from tests.factories import PASSWORD
from tests.graphql_client import GraphQLClient, operations, serving

SCHEMA = promoplan_schema._schema

NODE_TYPES = frozenset(
    name
    for name, type_ in SCHEMA.type_map.items()
    if isinstance(type_, GraphQLObjectType) and any(i.name == "Node" for i in type_.interfaces)
)

# Not in the contract, but the one path every ID takes: node(id:) with every type; and per
# node type, node(id:) with every field of the type, nested (see deep_probe).
NODE_PROBE = "(node probe)"
DEEP_PROBE_LEVELS = 4  # object levels below the node: within the depth, token and cost limits

# Slot names of a role rather than a type (the type named by the slot otherwise).
ROLE_SLOTS = {
    "store": "Address",
    "customer": "Address",
    "responsible": "User",
    "handler": "User",
    "assignee": "User",
    "member": "User",
    "parent": "Territory",
}

# Shared agency master data: every staff user sees these (scoping.visible_users, _teams,
# _territories, _campaigns (and tags), _promoters, _contact_plans all answer Q() for staff).
AGENCY_WIDE = frozenset(
    {
        "User",
        "Team",
        "Territory",
        "Campaign",
        "TagGroup",
        "Tag",
        "Subtag",
        "Promoter",
        "ContactPlan",
    }
)

# Global ID type -> Tortoise model name, where they differ.
MODEL_OF_TYPE = {"Document": "ActivityDocument", "Notification": "OutboxMail"}

# An enum takes its first value, except where that makes the operation a no-op: completing an
# activity as PLANNED is refused, so it would change nothing even if the ID were let through.
ENUM_VALUES = {("CompleteActivityInput", "status"): "DONE"}

MARKER = re.compile(r"zz[ab]-\d{3}")

# Cases excluded from the sweep because they reproduce a known product bug, each pinned by a
# strict xfail regression test: (operation, viewer, key of the B object in the world) -> the
# test. Empty: the bugs found so far are fixed, and their tests stand as regression tests.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}

# The sweep must try at least this many ID/viewer pairs.
FLOOR = 1000


# ---------------------------------------------------------------- the contract's ID slots


@dataclass(frozen=True)
class Slot:
    operation: str
    path: tuple[str | int, ...]  # variable, then input fields; 0 is a list's element
    name: str  # the variable's or input field's name
    root_field: str  # the root field the variable is passed to
    required: bool  # present in a minimal set of variables
    types: frozenset[str]  # node types whose IDs fit


def slot_types(name: str, root_field: str) -> frozenset[str]:
    """The node types whose IDs a slot takes, told by its name (see the module docstring)."""
    if root_field == "node":  # node(id:) answers every type, whatever the variable's name
        return NODE_TYPES
    if name == "id":
        named = {t for t in NODE_TYPES if t.lower() in root_field.lower()}
        return frozenset(named) or NODE_TYPES
    base = re.sub(r"Ids?$", "", name)
    lowered = base.lower()
    fitting = {t for t in NODE_TYPES if t.lower().endswith(lowered) or lowered.endswith(t.lower())}
    if base in ROLE_SLOTS:
        fitting.add(ROLE_SLOTS[base])
    return frozenset(fitting) or NODE_TYPES


def _root_fields(operation: OperationDefinitionNode) -> dict[str, str]:
    """Each variable's root field: the top-level field whose arguments (or whose sub-fields'
    arguments) use it."""
    found: dict[str, str] = {}

    def value(node: ValueNode, root: str) -> None:
        if isinstance(node, VariableNode):
            found.setdefault(node.name.value, root)
        elif isinstance(node, ObjectValueNode):
            for item in node.fields:
                value(item.value, root)
        elif isinstance(node, ListValueNode):
            for element in node.values:
                value(element, root)

    def selections(selection_set: SelectionSetNode | None, root: str | None) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                here = root or selection.name.value
                for argument in selection.arguments or ():
                    value(argument.value, here)
                selections(selection.selection_set, here)
            elif isinstance(selection, InlineFragmentNode):
                selections(selection.selection_set, root)

    selections(operation.selection_set, None)
    return found


def _operation(text: str) -> OperationDefinitionNode:
    return next(d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode))


def id_slots(name: str, text: str) -> list[Slot]:
    operation = _operation(text)
    roots = _root_fields(operation)
    slots: list[Slot] = []

    def walk(type_: GraphQLInputType, path: tuple[str | int, ...], required: bool) -> None:
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLList):
            walk(inner.of_type, (*path, 0), required)
        elif isinstance(inner, GraphQLScalarType) and inner.name == "ID":
            slot_name = next(p for p in reversed(path) if isinstance(p, str))
            root = roots.get(str(path[0]), "")
            types = slot_types(slot_name, root)
            slots.append(Slot(name, path, slot_name, root, required, types))
        elif isinstance(inner, GraphQLInputObjectType):
            for field_name, input_field in inner.fields.items():
                needed = (
                    required
                    and isinstance(input_field.type, GraphQLNonNull)
                    and input_field.default_value is Undefined
                )
                walk(input_field.type, (*path, field_name), needed)

    for definition in operation.variable_definitions or ():
        type_ = type_from_ast(SCHEMA, definition.type)
        assert type_ is not None, f"{name}: unknown type of ${definition.variable.name.value}"
        needed = isinstance(type_, GraphQLNonNull) and definition.default_value is None
        walk(type_, (definition.variable.name.value,), needed)
    return slots


def _selection(type_: GraphQLObjectType, levels: int) -> str:
    """Every field of the type: leaves, and objects (lists and connections too) while levels
    remain; a connection's page is `first: 5`, other arguments are left to their defaults."""
    parts = []
    for name, field_ in type_.fields.items():
        named = get_named_type(field_.type)
        arguments = "(first: 5)" if "first" in field_.args else ""
        required = [a for a, arg in field_.args.items() if isinstance(arg.type, GraphQLNonNull)]
        assert not required, f"{type_.name}.{name} needs {required}: give the probe a value"
        if is_leaf_type(named):
            parts.append(name + arguments)
        elif levels > 0 and isinstance(named, GraphQLObjectType):
            parts.append(f"{name}{arguments} {{ {_selection(named, levels - 1)} }}")
    return " ".join(parts) or "__typename"


def deep_probe(type_name: str) -> str:
    type_ = SCHEMA.type_map[type_name]
    assert isinstance(type_, GraphQLObjectType)
    selection = _selection(type_, DEEP_PROBE_LEVELS)
    fragment = f"... on {type_name} {{ {selection} }}"
    return f"query Deep($id: ID!) {{ node(id: $id) {{ __typename {fragment} }} }}"


def deep_probe_name(type_name: str) -> str:
    return f"(deep node probe {type_name})"


EXTRA_OPERATIONS = {
    NODE_PROBE: "query NodeProbe($id: ID!) { node(id: $id) { id __typename } }",
    **{deep_probe_name(t): deep_probe(t) for t in sorted(NODE_TYPES)},
}


def contract_operations() -> dict[str, str]:
    return {**operations(), **EXTRA_OPERATIONS}


def contract_slots() -> dict[str, list[Slot]]:
    """The operations that take an ID, with their ID slots."""
    found = {name: id_slots(name, text) for name, text in contract_operations().items()}
    return {name: slots for name, slots in found.items() if slots}


# ---------------------------------------------------------------- dummy variables


def _scalar(type_name: str, name: str) -> Any:
    lowered = name.lower()
    is_end = lowered in {"to", "endsat"} or "until" in lowered or lowered.startswith("end")
    if type_name == "String":
        if "email" in lowered:
            return "x@example.com"
        if "url" in lowered:
            return "https://example.com/x"
        if "password" in lowered:
            return "x" * 12
        return "1" if lowered == "value" else "x"
    values = {
        "Int": 1,
        "Float": 1.0,
        "Boolean": False,
        "Date": "2036-01-05",
        "DateTime": f"2036-01-05T{'18' if is_end else '10'}:00:00+00:00",
        "Time": "12:00" if is_end else "10:00",
    }
    assert type_name in values, f"no dummy value for the scalar {type_name}: add one"
    return values[type_name]


def _on_path(path: tuple[str | int, ...], target: tuple[str | int, ...]) -> bool:
    return target[: len(path)] == path


def fill(
    text: str,
    swept: tuple[str | int, ...],
    target: str,
    other_id: Callable[[tuple[str | int, ...]], str],
) -> dict[str, Any]:
    """Variables with `target` at the swept path, `other_id(path)` in other required ID slots
    and dummies elsewhere; optional variables and fields are left out unless on the swept
    path (an optional field given as null may mean "clear it")."""

    def value(
        type_: GraphQLInputType, name: str, path: tuple[str | int, ...], parent: str = ""
    ) -> Any:
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLList):
            return [value(inner.of_type, name, (*path, 0), parent)]
        if isinstance(inner, GraphQLInputObjectType):
            given = {}
            for field_name, input_field in inner.fields.items():
                field_path = (*path, field_name)
                needed = (
                    isinstance(input_field.type, GraphQLNonNull)
                    and input_field.default_value is Undefined
                )
                if needed or _on_path(field_path, swept):
                    given[field_name] = value(input_field.type, field_name, field_path, inner.name)
            return given
        if isinstance(inner, GraphQLEnumType):
            return ENUM_VALUES.get((parent, name), next(iter(inner.values)))
        assert isinstance(inner, GraphQLScalarType)
        if inner.name == "ID":
            return target if path == swept else other_id(path)
        return _scalar(inner.name, name)

    variables: dict[str, Any] = {}
    for definition in _operation(text).variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(SCHEMA, definition.type)
        assert type_ is not None
        needed = isinstance(type_, GraphQLNonNull) and definition.default_value is None
        if needed or _on_path((name,), swept):
            variables[name] = value(type_, name, (name,))
    return variables


# ---------------------------------------------------------------- cases


def _type(global_id: str) -> str:
    return from_base64(global_id)[0]


@dataclass
class Half:
    """One agency's half of the world."""

    side: str
    ids: dict[str, str] = field(default_factory=dict)  # key -> global ID, in creation order
    marks: dict[str, str] = field(default_factory=dict)  # global ID -> its marker
    tokens: dict[str, str] = field(default_factory=dict)  # viewer -> bearer token
    _count: int = 0

    def mark(self) -> str:
        self._count += 1
        return f"ZZ{self.side}-{self._count:03d}"

    def add(self, key: str, global_id: str, marker: str | None = None) -> str:
        assert key not in self.ids, key
        self.ids[key] = global_id
        if marker:
            self.marks[global_id] = marker.lower()
        return global_id

    def by_type(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for global_id in self.ids.values():
            found.setdefault(_type(global_id), []).append(global_id)
        return found

    def counterpart(self, slot: Slot) -> str:
        """This half's object for a slot: the store for a store slot, else the first one made
        of the first fitting type."""
        if "store" in slot.name.lower() and "Address" in slot.types:
            return self.ids["store"]
        by_type = self.by_type()
        for type_name in sorted(slot.types):
            if by_type.get(type_name):
                return by_type[type_name][0]
        raise AssertionError(f"half {self.side} has no object for {slot}")


@dataclass(frozen=True)
class Case:
    operation: str
    slot: Slot
    target: str  # the B ID under test
    variant: str  # "own" or "theirs": whose objects fill the other required ID slots
    variables: dict[str, Any]

    def describe(self) -> str:
        path = ".".join(str(p) for p in self.slot.path)
        return f"{self.operation} ${path}={_type(self.target)}:{self.target} ({self.variant})"


def generate_cases(
    slots: dict[str, list[Slot]], own: Half, theirs: Half
) -> tuple[list[Case], dict[tuple[str, tuple[str | int, ...]], int]]:
    """Every case of the sweep, and how many each slot got."""
    texts = contract_operations()
    b_by_type = theirs.by_type()
    cases: list[Case] = []
    per_slot: dict[tuple[str, tuple[str | int, ...]], int] = {}
    for operation, op_slots in slots.items():
        by_path = {s.path: s for s in op_slots}
        for slot in op_slots:
            others = [s for s in op_slots if s.path != slot.path and s.required]
            deep = [t for t in NODE_TYPES if operation == deep_probe_name(t)]
            if deep:  # answers only its type: every other type is tried by the node probe
                slot = replace(slot, types=frozenset(deep))
            variants = {"own": own, "theirs": theirs} if others else {"own": own}
            targets = [g for t in sorted(slot.types) for g in b_by_type.get(t, [])]
            per_slot[(operation, slot.path)] = len(targets)
            for target in targets:
                for variant, half in variants.items():

                    def other_id(
                        path: tuple[str | int, ...], half: Half = half, by_path: dict = by_path
                    ) -> str:
                        return half.counterpart(by_path[path])

                    variables = fill(texts[operation], slot.path, target, other_id)
                    cases.append(Case(operation, slot, target, variant, variables))
    return cases, per_slot


# ---------------------------------------------------------------- the generator alone


def test_every_contract_operation_that_takes_an_id_yields_valid_cases():
    """Without a database: every operation with an ID slot gets cases, each slot takes a
    node type, and the generated variables are valid for the operation."""
    slots = contract_slots()
    contract = {name for name, text in operations().items() if id_slots(name, text)}
    assert len(contract) >= 40, sorted(contract)
    every_type = {"A": Half("A"), "B": Half("B")}
    for side, half in every_type.items():
        for type_name in sorted(NODE_TYPES):
            half.add(type_name, to_base64(type_name, 1 if side == "A" else 2))
        half.ids["store"] = half.ids["Address"]  # the store slot's preferred counterpart
    cases, per_slot = generate_cases(slots, every_type["A"], every_type["B"])
    assert {c.operation for c in cases} == set(slots)
    assert all(count > 0 for count in per_slot.values()), per_slot
    texts = contract_operations()
    for case in cases:
        operation = _operation(texts[case.operation])
        coerced = get_variable_values(SCHEMA, operation.variable_definitions, case.variables)
        assert not isinstance(coerced, list), (case.describe(), case.variables, coerced)
    # A few slots whose type the name tells.
    typed = {(s.operation, s.name): s.types for ss in slots.values() for s in ss}
    assert typed[("CancelBooking", "id")] == {"Booking"}
    assert typed[("AddressDetail", "id")] == NODE_TYPES
    assert typed[("ProjectReports", "projectId")] == NODE_TYPES
    assert typed[("AddLocation", "storeId")] == {"Address"}
    assert typed[("CreateTag", "groupId")] == {"AccountGroup", "TagGroup"}
    assert typed[("SubmitReport", "fieldId")] == {"ReportField"}
    assert typed[("CreateTerritory", "parentId")] == {"Territory"}


# ---------------------------------------------------------------- the world


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The world creates and logs in six logins: hash their passwords cheaply (argon2 still
    verifies each hash with the parameters stored in it)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(credentials, "_hasher", cheap)


def _at(days: int, hour: int) -> str:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (start + timedelta(days=days, hours=hour)).isoformat()


def _day(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


class Builder:
    def __init__(self, client: GraphQLClient, admin: str, half: Half) -> None:
        self.client, self.admin, self.half = client, admin, half

    async def ok(self, operation: str, variables: dict, field_name: str, token: str = "") -> dict:
        result = await self.client.op(operation, variables, token or self.admin)
        assert "errors" not in result, (operation, result)
        payload = result["data"][field_name]
        assert payload["errors"] == [], (operation, payload)
        return payload

    async def login(self, email: str) -> dict:
        payload = await self.ok("Login", {"email": email, "password": PASSWORD}, "login")
        return payload

    async def build(self, offset: int) -> Half:
        h, ok = self.half, self.ok
        side = h.side.lower()

        m = h.mark()
        email = f"{m}-staff@{side}.example.com".lower()
        user = await ok(
            "CreateUser",
            {
                "input": {
                    "email": email,
                    "name": f"{m} Staff",
                    "role": "STAFF",
                    "password": PASSWORD,
                }
            },
            "createUser",
        )
        h.add("staff", user["user"]["id"], m)
        [personal] = user["user"]["accountGroups"]
        h.add("personalGroup", personal["id"], m)  # named after the staff user
        h.tokens["staff"] = (await self.login(email))["token"]

        m = h.mark()
        group = await ok(
            "CreateAccountGroup",
            {"input": {"name": f"{m} Gruppe", "memberIds": [h.ids["staff"]]}},
            "createAccountGroup",
        )
        h.add("group", group["accountGroup"]["id"], m)
        m = h.mark()
        team = await ok(
            "CreateTeam",
            {"input": {"name": f"{m} Team", "memberIds": [h.ids["staff"]]}},
            "createTeam",
        )
        h.add("team", team["team"]["id"], m)
        m = h.mark()
        territory = await ok("CreateTerritory", {"input": {"name": f"{m} Land"}}, "createTerritory")
        h.add("territory", territory["territory"]["id"], m)
        m = h.mark()
        region = await ok(
            "CreateTerritory",
            {"input": {"name": f"{m} Region", "parentId": h.ids["territory"]}},
            "createTerritory",
        )
        h.add("region", region["territory"]["id"], m)

        m = h.mark()
        tag_group = await ok("CreateTagGroup", {"name": f"{m} Branche"}, "createTagGroup")
        h.add("tagGroup", tag_group["tagGroup"]["id"], m)
        m = h.mark()
        tag = await ok("CreateTag", {"groupId": h.ids["tagGroup"], "name": f"{m} Tag"}, "createTag")
        h.add("tag", tag["tag"]["id"], m)
        m = h.mark()
        subtag = await ok(
            "CreateSubtag", {"tagId": h.ids["tag"], "name": f"{m} Subtag"}, "createSubtag"
        )
        h.add("subtag", subtag["subtag"]["id"], m)
        m = h.mark()
        campaign = await ok(
            "CreateCampaign",
            {"input": {"name": f"{m} Kampagne", "description": m}},
            "createCampaign",
        )
        h.add("campaign", campaign["campaign"]["id"], m)

        async def address(key: str, kind: str, **fields: Any) -> None:
            m = h.mark()
            if kind == "COMPANY":
                fields["customerNumber"] = f"{m}-K"
            payload = await ok(
                "CreateAddress",
                {
                    "input": {
                        "kind": kind,
                        "name": f"{m} {key}",
                        "street": f"{m} Straße 1",
                        "city": f"{m} Stadt",
                        "phone": "+49 30 1234567",
                        "email": f"{m}-{key}@{side}-kunde.example.com".lower(),
                        **fields,
                    }
                },
                "createAddress",
            )
            h.add(key, payload["address"]["id"], m)

        await address("company", "COMPANY", accountGroupId=h.ids["group"])
        await address("store", "STORE", accountGroupId=h.ids["group"], territoryId=h.ids["region"])
        await address("person", "PERSON", accountGroupId=h.ids["personalGroup"])

        async def contact(key: str, portal: bool) -> str:
            m = h.mark()
            email = f"{m}-{key}@{side}-kunde.example.com".lower()
            payload = await ok(
                "CreateContactPerson",
                {
                    "input": {
                        "addressId": h.ids["company"],
                        "firstName": m,
                        "lastName": f"{m} {key}",
                        "position": m,
                        "phone": "+49 40 5550100",
                        "email": email,
                    }
                },
                "createContactPerson",
            )
            h.add(key, payload["contactPerson"]["id"], m)
            if portal:
                await ok(
                    "EnablePortalAccess",
                    {"input": {"contactPersonId": h.ids[key], "password": PASSWORD}},
                    "enablePortalAccess",
                )
            return email

        contact_email = await contact("contact", portal=True)
        await contact("contact2", portal=False)
        login = await self.login(contact_email)
        h.tokens["customer"] = login["token"]
        # The portal login is named after its contact person: the same marker.
        h.add("contactUser", login["viewer"]["id"], h.marks[h.ids["contact"]])

        m = h.mark()
        activity = await ok(
            "LogActivity",
            {
                "input": {
                    "addressId": h.ids["company"],
                    "contactPersonId": h.ids["contact"],
                    "participantAddressIds": [h.ids["store"]],
                    "kind": "CALL",
                    "direction": "OUTBOUND",
                    "status": "PLANNED",
                    "startsAt": _at(offset + 20, 10),
                    "durationMinutes": 30,
                    "reminder": True,
                    "subject": f"{m} Anruf",
                    "description": m,
                    "responsibleId": h.ids["staff"],
                    "campaignId": h.ids["campaign"],
                    "subtagId": h.ids["subtag"],
                }
            },
            "logActivity",
        )
        h.add("activity", activity["activity"]["id"], m)
        [reminder] = activity["activity"]["reminders"]
        h.add("reminder", reminder["id"])
        m = h.mark()
        document = await ok(
            "LinkDocument",
            {
                "input": {
                    "activityId": h.ids["activity"],
                    "kind": "URL",
                    "title": m,
                    "url": f"https://example.com/{m}",
                }
            },
            "linkDocument",
        )
        [linked] = document["activity"]["documents"]
        h.add("document", linked["id"], m)
        await ok(
            "AddCampaignMembers",
            {
                "input": {
                    "campaignId": h.ids["campaign"],
                    "addressIds": [h.ids["company"]],
                    "handlerId": h.ids["staff"],
                    "status": "INTERESTED",
                }
            },
            "addCampaignMembers",
        )
        await ok(
            "AddInactivePeriod",
            {
                "input": {
                    "addressId": h.ids["company"],
                    "from": _day(200),
                    "until": _day(201),
                    "reason": h.marks[h.ids["company"]],
                }
            },
            "addInactivePeriod",
        )

        m = h.mark()
        task = await ok(
            "CreateTask",
            {
                "input": {
                    "title": m,
                    "description": m,
                    "assigneeId": h.ids["staff"],
                    "dueBy": _at(offset + 5, 12),
                    "addressId": h.ids["company"],
                    "activityId": h.ids["activity"],
                }
            },
            "createTask",
        )
        h.add("task", task["task"]["id"], m)
        m = h.mark()
        team_task = await ok(
            "CreateTask",
            {
                "input": {
                    "title": m,
                    "teamId": h.ids["team"],
                    "dueOn": _at(offset + 6, 12),
                    "addressId": h.ids["company"],
                }
            },
            "createTask",
        )
        h.add("teamTask", team_task["task"]["id"], m)

        m = h.mark()
        project = await ok(
            "CreateProject",
            {
                "input": {
                    "customerId": h.ids["company"],
                    "name": f"{m} Aktion",
                    "description": m,
                    "responsibleId": h.ids["staff"],
                }
            },
            "createProject",
        )
        h.add("project", project["project"]["id"], m)
        m = h.mark()
        fields = await ok(
            "AddReportField",
            {"input": {"projectId": h.ids["project"], "label": m, "type": "TEXT"}},
            "addReportField",
        )
        [report_field] = fields["project"]["reportFields"]
        h.add("reportField", report_field["id"], m)
        location = await ok(
            "AddLocation",
            {"input": {"projectId": h.ids["project"], "storeId": h.ids["store"]}},
            "addLocation",
        )
        h.add("location", location["location"]["id"])
        await ok(
            "AssignProjectContact",
            {"projectId": h.ids["project"], "contactPersonId": h.ids["contact"]},
            "assignProjectContact",
        )
        m = h.mark()
        appointment = await ok(
            "ScheduleAppointment",
            {
                "input": {
                    "locationId": h.ids["location"],
                    "startsAt": _at(offset + 10, 9),
                    "endsAt": _at(offset + 10, 17),
                    "promotersNeeded": 2,
                    "note": m,
                }
            },
            "scheduleAppointment",
        )
        h.add("appointment", appointment["appointment"]["id"], m)
        m = h.mark()
        requested = await ok(
            "RequestAppointment",
            {
                "input": {
                    "locationId": h.ids["location"],
                    "startsAt": _at(offset + 12, 9),
                    "endsAt": _at(offset + 12, 17),
                    "note": m,
                }
            },
            "requestAppointment",
            h.tokens["customer"],
        )
        assert requested["appointment"]["status"] == "REQUESTED"
        h.add("requested", requested["appointment"]["id"], m)

        m = h.mark()
        email = f"{m}-promoter@{side}.example.com".lower()
        promoter = await ok(
            "CreatePromoter",
            {
                "input": {
                    "name": f"{m} Promo",
                    "phone": "+49 170 1234567",
                    "email": email,
                    "street": f"{m} Weg 2",
                    "postalCode": "20001",
                    "city": f"{m} Dorf",
                    "birthDate": "1990-01-01",
                    "notes": m,
                    "password": PASSWORD,
                }
            },
            "createPromoter",
        )
        h.add("promoter", promoter["promoter"]["id"], m)
        login = await self.login(email)
        h.tokens["promoter"] = login["token"]
        h.add("promoterUser", login["viewer"]["id"], m)  # named after the promoter
        booking = await ok(
            "BookPromoter",
            {"appointmentId": h.ids["appointment"], "promoterId": h.ids["promoter"]},
            "bookPromoter",
        )
        h.add("booking", booking["booking"]["id"])
        checked_in = await ok(
            "CheckIn", {"bookingId": h.ids["booking"]}, "checkIn", h.tokens["promoter"]
        )
        h.add("timeEntry", checked_in["timeEntry"]["id"])
        m = h.mark()
        report = await ok(
            "SubmitReport",
            {
                "input": {
                    "bookingId": h.ids["booking"],
                    "answers": [{"fieldId": h.ids["reportField"], "value": m}],
                }
            },
            "submitReport",
            h.tokens["promoter"],
        )
        h.add("report", report["report"]["id"], m)

        m = h.mark()
        weekdays = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
        plan = await ok(
            "CreateContactPlan",
            {
                "input": {
                    "name": m,
                    "purpose": "ORDER_INTAKE",
                    "weekdays": weekdays,
                    "validFrom": _day(0),
                    "responsibleId": h.ids["staff"],
                }
            },
            "createContactPlan",
        )
        h.add("plan", plan["contactPlan"]["id"], m)
        await ok(
            "AddContactPlanException",
            {
                "input": {
                    "planId": h.ids["plan"],
                    "from": _day(300),
                    "until": _day(301),
                    "reason": m,
                }
            },
            "addContactPlanException",
        )
        member = await ok(
            "AddContactPlanMember",
            {
                "input": {
                    "planId": h.ids["plan"],
                    "addressId": h.ids["company"],
                    "contactPersonId": h.ids["contact"],
                    "phone": "+49 30 7654321",
                    "contactFrom": "09:00",
                    "contactUntil": "11:00",
                }
            },
            "addContactPlanMember",
        )
        h.add("member", member["member"]["id"])
        generated = await ok(
            "GenerateScheduledContacts",
            {"input": {"planId": h.ids["plan"], "from": _day(1), "until": _day(3)}},
            "generateScheduledContacts",
        )
        assert generated["created"] == 3, generated
        listed = await self.client.op("ScheduledContacts", {"planId": h.ids["plan"]}, self.admin)
        entries = [e["node"]["id"] for e in listed["data"]["scheduledContacts"]["edges"]]
        assert len(entries) == 3, listed
        m = h.mark()
        ordered = await ok(
            "RecordContactOutcome",
            {
                "input": {
                    "scheduledContactId": entries[0],
                    "outcome": "ORDER_PLACED",
                    "note": m,
                    "order": {"deliveryDate": _day(30), "lines": [{"item": m, "quantity": 3}]},
                }
            },
            "recordContactOutcome",
        )
        h.add("scheduled", entries[0], m)
        h.add("order", ordered["scheduledContact"]["order"]["id"], m)
        m = h.mark()
        await ok(
            "RecordContactOutcome",
            {"input": {"scheduledContactId": entries[1], "outcome": "CALL_BACK", "note": m}},
            "recordContactOutcome",
        )
        h.add("scheduled2", entries[1], m)
        h.add("scheduled3", entries[2])  # still OPEN

        m = h.mark()
        token = await ok(
            "CreateCustomerToken",
            {
                "name": m,
                "scopes": ["PROJECTS_READ", "APPOINTMENTS_REQUEST", "REPORTS_READ"],
                "projectIds": None,
            },
            "createApiToken",
            h.tokens["customer"],
        )
        h.add("customerToken", token["apiToken"]["id"], m)
        h.tokens["token"] = token["secret"]
        m = h.mark()
        staff_token = await ok(
            "CreateApiToken",
            {"input": {"name": m, "scopes": ["CRM_READ"]}},
            "createApiToken",
            h.tokens["staff"],
        )
        h.add("staffToken", staff_token["apiToken"]["id"], m)
        return h


NOTIFICATIONS = "{ notifications(first: 100) { edges { node { id recipient } } } }"


async def _notifications(client: GraphQLClient, admin: str, half: Half) -> None:
    """The outbox mails to the half's people (admins alone may read them)."""
    result = await client.post(NOTIFICATIONS, None, admin)
    for edge in result["data"]["notifications"]["edges"]:
        node = edge["node"]
        if f"zz{half.side.lower()}-" in node["recipient"]:
            half.add(f"mail:{node['id']}", node["id"])


# ---------------------------------------------------------------- detection


@dataclass(frozen=True)
class Secrets:
    """What one viewer must not see of B: global IDs and markers."""

    ids: frozenset[str]
    markers: frozenset[str]


def secrets_for(b: Half, staff: bool) -> Secrets:
    """All of B for a customer or promoter; for staff, B less its shared objects. A marker a
    secret object shares with a shared one (a portal login is named after its contact person,
    a personal group after its user) is then not searched: those objects count by their IDs."""
    shared = {g for g in b.ids.values() if staff and _type(g) in AGENCY_WIDE}
    secret_ids = frozenset(g for g in b.ids.values() if g not in shared)
    shared_markers = {b.marks[g] for g in shared if g in b.marks}
    secret_markers = frozenset(b.marks[g] for g in secret_ids if g in b.marks) - shared_markers
    return Secrets(secret_ids, secret_markers)


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def leaks(result: dict[str, Any], secrets: Secrets) -> list[str]:
    """B IDs and markers in the data (IDs compared whole: one global ID's text may begin
    another's), and markers in error messages."""
    found = []
    for text in _strings(result.get("data")):
        if text in secrets.ids:
            found.append(f"ID {_type(text)}:{text}")
        found += [f"marker {m} in {text!r}" for m in MARKER.findall(text.lower())
                  if m in secrets.markers]  # fmt: skip
    for error in result.get("errors") or []:
        found += [f"marker {m} in error {error.get('message')!r}"
                  for m in MARKER.findall(str(error.get("message", "")).lower())
                  if m in secrets.markers]  # fmt: skip
    return found


def bad_errors(result: dict[str, Any]) -> list[str]:
    codes = [(e.get("extensions") or {}).get("code") for e in result.get("errors") or []]
    return [c for c in codes if c in {"INTERNAL_SERVER_ERROR", "BAD_REQUEST", None}]


# ---------------------------------------------------------------- B's rows


Rows = dict[tuple[str, Any], dict[str, Any]]


def _model_name(type_name: str) -> str:
    return MODEL_OF_TYPE.get(type_name, type_name)


async def b_rows(seeds: list[str]) -> Rows:
    """The rows of the seed objects and, transitively, every row referring to one of them."""
    models = Tortoise.apps["models"]
    rows: dict[str, dict[Any, dict[str, Any]]] = {}
    references: dict[str, list[tuple[str, str]]] = {}
    for name, model in models.items():
        pk = model._meta.pk_attr
        rows[name] = {row[pk]: row for row in await model.all().values()}
        references[name] = [
            (
                model._meta.fields_map[f].source_field,
                model._meta.fields_map[f].related_model.__name__,
            )
            for f in sorted(model._meta.fk_fields | model._meta.o2o_fields)
        ]
    b: dict[str, set[Any]] = {name: set() for name in models}
    for global_id in seeds:
        type_name, pk = from_base64(global_id)
        model_name = _model_name(type_name)
        assert model_name in models, f"no model for {type_name}: see MODEL_OF_TYPE"
        b[model_name].add(int(pk))
    grown = True
    while grown:
        grown = False
        for name, table in rows.items():
            for pk, row in table.items():
                if pk not in b[name] and any(
                    row[column] in b[target] for column, target in references[name]
                ):
                    b[name].add(pk)
                    grown = True
    return {(name, pk): rows[name][pk] for name in b for pk in b[name] if pk in rows[name]}


def changes(before: Rows, after: Rows, ignore_new: Callable[[str, dict], bool]) -> list[str]:
    found = []
    for key, row in before.items():
        if key not in after:
            found.append(f"{key} deleted: {row}")
        elif after[key] != row:
            diff = {c: (row[c], after[key][c]) for c in row if row[c] != after[key].get(c)}
            found.append(f"{key} changed: {diff}")
    for key, row in after.items():
        if key not in before and not ignore_new(key[0], row):
            found.append(f"{key} new: {row}")
    return found


# ---------------------------------------------------------------- the sweep


async def _world(client: GraphQLClient, make) -> tuple[str, Half, Half]:
    admin = (await make.login(Role.ADMIN, name="Ada Admin")).token
    a = await Builder(client, admin, Half("A")).build(offset=0)
    b = await Builder(client, admin, Half("B")).build(offset=1)
    await _notifications(client, admin, b)
    return admin, a, b


async def _run(
    client: GraphQLClient, cases: list[Case], viewer: str, b: Half, token: str, secrets: Secrets
) -> tuple[int, list[str]]:
    """Send every case as the viewer: the number sent, and what went wrong."""
    texts = contract_operations()
    keys = {global_id: key for key, global_id in b.ids.items()}
    failures = []
    sent = 0
    for case in cases:
        if (case.operation, viewer, keys[case.target]) in KNOWN_BUGS:
            continue  # a known bug: see KNOWN_BUGS
        sent += 1
        response = await client.post_raw(texts[case.operation], token, case.variables)
        if response.status_code != 200:
            failures.append(f"{viewer}: {case.describe()}: HTTP {response.status_code}")
            continue
        result = response.json()
        answered = (result.get("data") or {}).get("node")
        if case.slot.root_field == "node" and case.target in secrets.ids and answered is not None:
            failures.append(f"{viewer}: {case.describe()}: node answered {answered}")
        for leak in leaks(result, secrets):
            failures.append(f"{viewer}: {case.describe()}: leaks {leak}")
        for code in bad_errors(result):
            failures.append(f"{viewer}: {case.describe()}: {code} {result['errors']}")
    return sent, failures


def _ignore_generated_calls(b: Half) -> Callable[[str, dict], bool]:
    """A plan run makes calls for every member of the plan, whoever runs it: plans are the
    agency's (visible_contact_plans), so A's staff may run B's plan (and add exceptions to
    it), and the fresh calls it adds for B's members are by design. B's existing calls must
    stay as they are, and no other row may appear."""
    plan = int(from_base64(b.ids["plan"])[1])

    def ignore(model: str, row: dict) -> bool:
        fresh = row.get("status") == "OPEN" and not row.get("note") and not row.get("order_id")
        return model == "ScheduledContact" and row["plan_id"] == plan and fresh

    return ignore


async def test_no_viewer_of_one_half_sees_or_changes_the_other_halfs_data(db, make):
    started = time.monotonic()
    async with serving(db.settings, rate_limit_per_minute=1_000_000) as client:
        admin, a, b = await _world(client, make)
        built = time.monotonic()
        slots = contract_slots()
        cases, per_slot = generate_cases(slots, a, b)
        empty = [key for key, count in per_slot.items() if count == 0]
        assert not empty, f"slots without a B ID of their type: {empty}"
        assert {c.operation for c in cases} == set(slots)
        stale = [bug for bug in KNOWN_BUGS if bug[0] not in slots or bug[2] not in b.ids]
        assert not stale, f"KNOWN_BUGS entries that match no case: {stale}"

        # The detector works: the admin, who sees everything, sees B through these queries.
        queries = {
            name
            for name in slots
            if _operation(contract_operations()[name]).operation == OperationType.QUERY
        }
        everything = secrets_for(b, staff=False)
        seen: set[str] = set()
        for case in cases:
            if case.operation in queries and case.variant == "own":
                text = contract_operations()[case.operation]
                if leaks(await client.post(text, case.variables, admin), everything):
                    seen.add(case.operation)
        # (API tokens are their owner's alone, admins' too: scoping.own_api_tokens.)
        expected = queries - {deep_probe_name("ApiToken")}
        assert seen >= expected, f"B not found by the admin through {expected - seen}"

        full = list(b.ids.values())
        private = [g for g in full if _type(g) not in AGENCY_WIDE]
        before = await b_rows(full)
        found = {(_model_name(_type(g)), int(from_base64(g)[1])) for g in full}
        assert found <= set(before), f"B objects without their row: {found - set(before)}"
        assert len(before) > len(full)  # and the rows referring to them

        failures: list[str] = []
        sent: dict[str, int] = {}
        for viewer in ("customer", "token", "promoter"):
            sent[viewer], found_here = await _run(
                client, cases, viewer, b, a.tokens[viewer], everything
            )
            failures += found_here
        failures += [
            f"changed by a customer or promoter: {c}"
            for c in changes(before, await b_rows(full), lambda _m, _r: False)
        ]
        before = await b_rows(private)  # staff may use B's shared objects: see AGENCY_WIDE
        sent["staff"], found_here = await _run(
            client, cases, "staff", b, a.tokens["staff"], secrets_for(b, staff=True)
        )
        failures += found_here
        failures += [
            f"changed by staff: {c}"
            for c in changes(before, await b_rows(private), _ignore_generated_calls(b))
        ]

    elapsed = time.monotonic() - started
    pairs = sum(sent.values())
    print(
        f"\nauthorization sweep ({db.name}): {len(slots)} operations, {len(per_slot)} ID slots,"
        f" {len(b.ids)} B IDs, {len(cases)} cases; ID/viewer pairs tried: {pairs} {sent};"
        f" world {built - started:.1f} s, total {elapsed:.1f} s"
    )
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])
    assert pairs > FLOOR


# ---------------------------------------------------------------- bugs found by the sweep

NODE_ID = "query($id: ID!) { node(id: $id) { id } }"
USER_GROUPS = "query($id: ID!) { node(id: $id) { ... on User { accountGroups { id name } } } }"
TEAM_POOL = """
query($id: ID!) {
  node(id: $id) { ... on Team { openTasks(first: 10) { totalCount edges { node { id } } } } }
}"""


async def test_a_staff_user_sees_no_account_group_of_a_colleague_that_is_not_theirs(api, make):
    anna = await make.login(Role.STAFF, name="Anna")
    ben = await make.login(Role.STAFF, name="Ben")
    group = to_base64("AccountGroup", (await AccountGroup.get(personal_for_id=ben.user.id)).id)
    assert await api.post(NODE_ID, {"id": group}, anna.token) == {"data": {"node": None}}
    ben_id = to_base64("User", ben.user.id)
    own = await api.post(USER_GROUPS, {"id": ben_id}, ben.token)
    assert own == {"data": {"node": {"accountGroups": [{"id": group, "name": "Ben"}]}}}
    # Anna sees Ben (users are the agency's), but not his group.
    seen = await api.post(USER_GROUPS, {"id": ben_id}, anna.token)
    assert seen == {"data": {"node": {"accountGroups": []}}}


async def test_a_teams_pool_is_seen_by_its_members_only(api, make):
    admin = await make.login(Role.ADMIN)
    anna = await make.login(Role.STAFF, name="Anna")
    ben = await make.login(Role.STAFF, name="Ben")
    created = await api.op(
        "CreateTeam",
        {"input": {"name": "Bens Pool", "memberIds": [to_base64("User", ben.user.id)]}},
        admin.token,
    )
    team = created["data"]["createTeam"]["team"]["id"]
    created = await api.op(
        "CreateTask",
        {"input": {"title": "Geheim", "teamId": team, "dueBy": "2036-01-05T10:00:00+00:00"}},
        admin.token,
    )
    task = created["data"]["createTask"]["task"]["id"]
    pool = await api.post(TEAM_POOL, {"id": team}, ben.token)
    assert pool["data"]["node"]["openTasks"] == {"totalCount": 1, "edges": [{"node": {"id": task}}]}
    assert await api.post(NODE_ID, {"id": task}, anna.token) == {"data": {"node": None}}
    # Anna sees the team (teams are the agency's), but not the tasks in its pool.
    seen = await api.post(TEAM_POOL, {"id": team}, anna.token)
    assert seen == {"data": {"node": {"openTasks": {"totalCount": 0, "edges": []}}}}
