"""Field-level authorization: every root field and every Node type, asked with every kind of
credential.

The expected policy is not listed here: it is read from each root field's declaration, the
`Allow` permission that `allow(*roles, scopes=..., api_tokens=...)` (api/permissions/fields.py)
attaches to the strawberry field. Its documented meaning: a session has every right of its
role; an API token also needs one of the rule's scopes (none listed: any token), and
`api_tokens=False` keeps tokens out entirely. `login` and `acceptInvitation` are the only
public fields (../shared/clients/README.md) and declare no rule.

Credentials: none, a malformed token and a revoked one; a session of each role; and, for each
role, an API token for EVERY subset of the scopes that role may hold (ROLE_SCOPES, the power
set, the empty set included: a token whose owner lost the role its scopes came from holds no
scope at all). The tokens are made directly as rows (like `createApiToken` makes them) since
minting 40 tokens through the API would only repeat what tests/test_api_tokens.py checks.

Each root field is asked with a minimal request: `__typename` (or nothing for a leaf), its
required arguments filled with dummies derived from their types (an ID argument gets a
well-formed global ID of a row that does not exist). Expected: without a valid credential
UNAUTHENTICATED (except the public fields, which answer as for anyone); a request-level
FORBIDDEN exactly when the declared rule denies the credential; never an INTERNAL_SERVER_ERROR,
nor a BAD_REQUEST or a validation error (that would be a request this file built wrongly).

`node(id:)`: for the objects made here (an Address and a store, a ContactPerson, a Project,
a Location, an Appointment), every token of an owner that sees the object (by session) gets
FORBIDDEN when it holds none of the type's `read_scopes` and the object when it holds one.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    is_leaf_type,
    is_required_argument,
    is_required_input_field,
    parse,
    validate,
)
from strawberry.permission import PermissionExtension
from strawberry.types.field import StrawberryField

from api.clock import now
from api.credentials import API_TOKEN_KIND, mint_secret
from api.graphql import schema
from api.permissions.fields import Allow
from api.permissions.scopes import ROLE_SCOPES
from api.resolvers.sessions import open_session
from api.schema import NODES
from db.models.accounts import ApiToken, Role, TokenScope, User
from tests.databases import empty_all_tables
from tests.factories import Factory
from tests.graphql_client import GraphQLClient, error_codes, serving

PUBLIC_FIELDS = {"login", "acceptInvitation"}
# Codes that mean the request itself was wrong or the server failed: never expected here.
NEVER = {"INTERNAL_SERVER_ERROR", "BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED", None}
MISSING_PK = 987_654
ROLES = (Role.ADMIN, Role.STAFF, Role.CUSTOMER, Role.PROMOTER)

# (root field, credential label) -> reason: product bugs, pinned by strict xfails below and
# left out of the sweep so it keeps guarding everything else.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


# ---------------------------------------------------------------- the declared policy


@dataclass(frozen=True)
class RootField:
    operation: str  # "query" or "mutation"
    name: str  # GraphQL name
    field: GraphQLField

    @property
    def definition(self) -> StrawberryField:
        return self.field.extensions["strawberry-definition"]

    @property
    def rules(self) -> list[Allow]:
        return [
            permission
            for extension in self.definition.extensions
            if isinstance(extension, PermissionExtension)
            for permission in extension.permissions
            if isinstance(permission, Allow)
        ]

    @property
    def public(self) -> bool:
        return self.name in PUBLIC_FIELDS

    def admits(self, credential: Credential) -> bool:
        return all(_rule_admits(rule, credential) for rule in self.rules)


def _rule_admits(rule: Allow, credential: Credential) -> bool:
    """What `allow(...)` documents: roles (all when none), and for a token its scopes."""
    if rule.roles is not None and credential.role not in rule.roles:
        return False
    if credential.scopes is None:  # a session: every right of its role
        return True
    return rule.api_tokens and (not rule.scopes or bool(rule.scopes & credential.scopes))


def root_fields() -> list[RootField]:
    gql = schema._schema
    return [
        RootField(operation, name, field)
        for operation, type_ in (("query", gql.query_type), ("mutation", gql.mutation_type))
        for name, field in type_.fields.items()
    ]


ROOT_FIELDS = root_fields()


# ---------------------------------------------------------------- minimal requests


def _global_id(type_name: str, pk: int = MISSING_PK) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _id_type(slot: str, field_name: str) -> str:
    """The node type an ID slot takes, told by its name (`projectId`, `groupId`, or a plain
    `id` by the root field, `claimTask(id:)`); Project when the name tells none."""
    stem = slot.removesuffix("Ids").removesuffix("Id").lower()
    if stem in {"id", ""}:
        named = [t for t in NODES if t.lower() in field_name.lower()]
        return max(named, key=len, default="Project")
    named = [t for t in NODES if t.lower().endswith(stem) or stem.endswith(t.lower())]
    return min(named, key=len, default="Project")


SCALAR_DUMMIES: dict[str, Any] = {
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Date": "2036-01-05",
    "DateTime": "2036-01-05T10:00:00+00:00",
    "Time": "10:00",
}


def dummy(type_: GraphQLInputType, slot: str, field_name: str) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return dummy(type_.of_type, slot, field_name)
    if isinstance(type_, GraphQLList):
        return [dummy(type_.of_type, slot, field_name)]
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: dummy(f.type, name, field_name)
            for name, f in type_.fields.items()
            if is_required_input_field(f)
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType), type_
    if type_.name == "ID":
        return _global_id(_id_type(slot, field_name))
    assert type_.name in SCALAR_DUMMIES, f"no dummy for scalar {type_.name}: add one"
    return SCALAR_DUMMIES[type_.name]


def request_for(root: RootField) -> tuple[str, dict[str, Any]]:
    """The cheapest request of `root`: required arguments as variables, `__typename`."""
    required = {n: a for n, a in root.field.args.items() if is_required_argument(a)}
    definitions = ", ".join(f"${n}: {a.type}" for n, a in required.items())
    arguments = ", ".join(f"{n}: ${n}" for n in required)
    named = root.field.type
    while isinstance(named, GraphQLNonNull | GraphQLList):
        named = named.of_type
    selection = "" if is_leaf_type(named) else " { __typename }"
    query = (
        f"{root.operation}{f'({definitions})' if definitions else ''} "
        f"{{ {root.name}{f'({arguments})' if arguments else ''}{selection} }}"
    )
    variables = {n: dummy(a.type, n, root.name) for n, a in required.items()}
    return query, variables


# ---------------------------------------------------------------- credentials


@dataclass(frozen=True)
class Credential:
    label: str
    role: Role | None = None
    # None for a session (or no credential); an API token's scopes otherwise.
    scopes: frozenset[TokenScope] | None = None
    secret: str | None = None
    # A secret the server must refuse (malformed, or a revoked token): as good as none.
    refused: bool = False


def power_set(scopes: Iterable[TokenScope]) -> list[frozenset[TokenScope]]:
    ordered = sorted(scopes)
    return [
        frozenset(subset)
        for size in range(len(ordered) + 1)
        for subset in itertools.combinations(ordered, size)
    ]


def _token_label(role: Role, scopes: frozenset[TokenScope]) -> str:
    return f"{role.value} token [{','.join(sorted(s.value for s in scopes))}]"


async def _tokens(
    user: User, role: Role, scope_sets: list[frozenset[TokenScope]] | None = None
) -> list[Credential]:
    credentials, rows = [], []
    for scopes in power_set(ROLE_SCOPES[role]) if scope_sets is None else scope_sets:
        minted = mint_secret(API_TOKEN_KIND)
        rows.append(
            ApiToken(
                user_id=user.id,
                name=_token_label(role, scopes),
                scopes=sorted(s.value for s in scopes),
                public_id=minted.public_id,
                secret_hash=minted.secret_hash,
            )
        )
        credentials.append(Credential(_token_label(role, scopes), role, scopes, minted.secret))
    await ApiToken.bulk_create(rows)
    return credentials


@dataclass
class People:
    users: dict[Role, User]
    sessions: dict[Role, Credential]
    tokens: dict[Role, list[Credential]]
    revoked: Credential

    @property
    def credentials(self) -> list[Credential]:
        return [
            Credential("no credential"),
            Credential("malformed token", secret="ppt_000000000000_not-a-token", refused=True),
            self.revoked,
            *self.sessions.values(),
            *(token for role in ROLES for token in self.tokens[role]),
        ]


# Users and tokens are made once per backend for the whole module (emptying every table for
# each of ~70 fields would cost more than the sweep); made again if another test emptied the
# tables in between. Sessions are new for each test: `logout` ends one.
World = tuple[dict[Role, User], dict[Role, list[Credential]], Credential]
_WORLDS: dict[str, World] = {}


async def _world(backend) -> World:
    world = _WORLDS.get(backend.name)
    if world is not None:
        users, tokens, revoked = world
        public_ids = [t.secret.split("_")[1] for ts in [*tokens.values(), [revoked]] for t in ts]
        intact = await User.filter(id__in=[u.id for u in users.values()]).count() == len(users)
        if intact and await ApiToken.filter(public_id__in=public_ids).count() == len(public_ids):
            return world
    await empty_all_tables(backend.name)
    factory = Factory(backend.settings)
    users = {role: await factory.user(role) for role in ROLES}
    tokens = {role: await _tokens(user, role) for role, user in users.items()}
    (revoked,) = await _tokens(users[Role.ADMIN], Role.ADMIN, [frozenset(ROLE_SCOPES[Role.ADMIN])])
    await ApiToken.filter(public_id=revoked.secret.split("_")[1]).update(revoked_at=now())
    revoked = Credential("revoked ADMIN token", secret=revoked.secret, refused=True)
    _WORLDS[backend.name] = users, tokens, revoked
    return users, tokens, revoked


@pytest.fixture
async def people(backend) -> People:
    users, tokens, revoked = await _world(backend)
    sessions = {}
    for role, user in users.items():
        secret = (await open_session(backend.settings, user)).token
        sessions[role] = Credential(f"{role.value} session", role, None, secret)
    return People(users, sessions, dict(tokens), revoked)


@pytest.fixture(scope="module")
async def client(backend) -> AsyncIterator[GraphQLClient]:
    # A login attempt per credential must not lock the test client out.
    async with serving(backend.settings, login_max_failures_per_client=10_000) as api:
        yield api


# ---------------------------------------------------------------- every field declares a rule


def test_every_root_field_declares_a_policy():
    undeclared, silent, public_with_rule = [], [], []
    for root in ROOT_FIELDS:
        extensions = [e for e in root.definition.extensions if isinstance(e, PermissionExtension)]
        if root.public:
            if extensions:
                public_with_rule.append(root.name)
            continue
        if len(root.rules) != 1 or len(extensions) != 1:
            undeclared.append(root.name)
        elif extensions[0].fail_silently:
            silent.append(root.name)
    assert undeclared == [], f"root fields without exactly one `allow(...)` rule: {undeclared}"
    assert silent == [], f"root fields that answer null instead of FORBIDDEN: {silent}"
    assert public_with_rule == []
    assert {r.name for r in ROOT_FIELDS if r.operation == "mutation"} >= PUBLIC_FIELDS


def test_the_sweep_builds_a_valid_request_for_every_root_field():
    for root in ROOT_FIELDS:
        query, _ = request_for(root)
        assert validate(schema._schema, parse(query)) == [], query


# ---------------------------------------------------------------- the root field sweep


def _expected(root: RootField, credential: Credential) -> str:
    if credential.secret is None or credential.refused:
        return "public" if root.public else "UNAUTHENTICATED"
    if root.public or root.admits(credential):
        return "allowed"
    return "FORBIDDEN"


def _verdict(expected: str, result: dict[str, Any]) -> str | None:
    """None when `result` is what `expected` asks for, else what went wrong."""
    codes = error_codes(result)
    if set(codes) & NEVER:
        return f"errors {result['errors']}"
    if expected in {"UNAUTHENTICATED", "FORBIDDEN"}:
        return None if codes == [expected] else f"expected {expected}, got {codes}"
    refused = {"UNAUTHENTICATED", "FORBIDDEN"} & set(codes)
    return f"{expected}, but got {sorted(refused)}" if refused else None


def _field_cases() -> list[Any]:
    return [pytest.param(root, id=f"{root.operation}.{root.name}") for root in ROOT_FIELDS]


@pytest.mark.parametrize("root", _field_cases())
async def test_root_field_answers_each_credential_as_declared(client, people, root):
    query, variables = request_for(root)
    wrong, counts = [], {"allowed": 0, "public": 0, "FORBIDDEN": 0, "UNAUTHENTICATED": 0}
    credentials = people.credentials
    # `logout` ends the session it is sent with: every other credential goes first.
    credentials.sort(key=lambda c: c.role is not None and c.scopes is None)
    for credential in credentials:
        if (root.name, credential.label) in KNOWN_BUGS:
            continue
        expected = _expected(root, credential)
        counts[expected] += 1
        result = await client.post(query, variables, credential.secret)
        problem = _verdict(expected, result)
        if problem is not None:
            wrong.append(f"{credential.label}: {problem}")
    assert wrong == [], f"{root.name} ({query} {variables}):\n" + "\n".join(wrong)
    # Each public field is reachable without a credential, every other one is refused.
    assert counts["public" if root.public else "UNAUTHENTICATED"] == 3


def test_the_sweep_covers_every_role_and_scope_set():
    """A guard on the sweep itself: the credentials span each role's scope power set."""
    sizes = {role: len(power_set(ROLE_SCOPES[role])) for role in ROLES}
    assert sizes == {role: 2 ** len(ROLE_SCOPES[role]) for role in ROLES}  # including the empty set
    assert sum(sizes.values()) >= 2**4 + 2**4 + 2**3
    # Every declared scope of every rule is one some role may hold.
    holdable = set().union(*ROLE_SCOPES.values())
    for root in ROOT_FIELDS:
        for rule in root.rules:
            assert rule.scopes <= holdable, root.name


# ---------------------------------------------------------------- node(id:) and read_scopes

NODE = "query($id: ID!) { node(id: $id) { id __typename } }"


async def _made(client: GraphQLClient, token: str, mutation: str, payload: str) -> str:
    result = await client.post(mutation, token=token)
    assert "errors" not in result, result
    (answer,) = result["data"].values()
    assert answer["errors"] == [], answer
    return answer[payload]["id"]


async def _objects(client: GraphQLClient, people: People, settings) -> dict[str, str]:
    """A company with a contact person (given a portal login), a store, a project of the
    company with that contact and the store as location, and an appointment there."""
    staff = people.sessions[Role.STAFF].secret
    company = await _made(
        client,
        staff,
        'mutation { createAddress(input: {kind: COMPANY, name: "Kunde"}) '
        "{ address { id } errors { code } } }",
        "address",
    )
    store = await _made(
        client,
        staff,
        'mutation { createAddress(input: {kind: STORE, name: "Markt"}) '
        "{ address { id } errors { code } } }",
        "address",
    )
    contact = await _made(
        client,
        staff,
        f'mutation {{ createContactPerson(input: {{addressId: "{company}", firstName: "Frieda",'
        ' lastName: "Schneider", email: "frieda@kunde.example.com"}) '
        "{ contactPerson { id } errors { code } } }",
        "contactPerson",
    )
    await _made(
        client,
        staff,
        f'mutation {{ enablePortalAccess(input: {{contactPersonId: "{contact}", '
        'password: "Kundenportal-2026!"}) { contactPerson { id } errors { code } } }',
        "contactPerson",
    )
    project = await _made(
        client,
        staff,
        f'mutation {{ createProject(input: {{customerId: "{company}", name: "Sommer", '
        'startsOn: "2036-06-01", endsOn: "2036-08-31"}) { project { id } errors { code } } }',
        "project",
    )
    await _made(
        client,
        staff,
        f'mutation {{ assignProjectContact(projectId: "{project}", contactPersonId: '
        f'"{contact}") {{ project {{ id }} errors {{ code }} }} }}',
        "project",
    )
    location = await _made(
        client,
        staff,
        f'mutation {{ addLocation(input: {{projectId: "{project}", storeId: "{store}"}}) '
        "{ location { id } errors { code } } }",
        "location",
    )
    appointment = await _made(
        client,
        staff,
        f'mutation {{ scheduleAppointment(input: {{locationId: "{location}", '
        'startsAt: "2036-06-02T09:00:00+00:00", endsAt: "2036-06-02T17:00:00+00:00"}) '
        "{ appointment { id } errors { code } } }",
        "appointment",
    )
    # The portal login is a second CUSTOMER: give it a session and the power set of tokens.
    customer = await User.get(email="frieda@kunde.example.com")
    secret = (await open_session(settings, customer)).token
    people.sessions[Role.CUSTOMER] = Credential("CUSTOMER session", Role.CUSTOMER, None, secret)
    people.tokens[Role.CUSTOMER] = await _tokens(customer, Role.CUSTOMER)
    return {
        "Address": company,
        "Address (store)": store,
        "ContactPerson": contact,
        "Project": project,
        "Location": location,
        "Appointment": appointment,
    }


async def test_node_needs_one_of_its_types_read_scopes(client, people, backend):
    objects = await _objects(client, people, backend.settings)
    wrong, seen_by, checked = [], {}, 0
    for name, global_id in objects.items():
        type_name = name.split(" ")[0]
        read_scopes = NODES[type_name].read_scopes
        for role in ROLES:
            session = await client.post(NODE, {"id": global_id}, people.sessions[role].secret)
            assert "errors" not in session, (name, role, session)
            if session["data"]["node"] is None:
                continue  # the owner does not see it: tokens may not either (tested elsewhere)
            seen_by.setdefault(name, set()).add(role)
            for token in people.tokens[role]:
                checked += 1
                result = await client.post(NODE, {"id": global_id}, token.secret)
                if read_scopes and not read_scopes & token.scopes:
                    if error_codes(result) != ["FORBIDDEN"]:
                        wrong.append(f"{name} by {token.label}: expected FORBIDDEN, {result}")
                elif "errors" in result or result["data"]["node"] != session["data"]["node"]:
                    wrong.append(f"{name} by {token.label}: expected the node, {result}")
    assert wrong == [], "\n".join(wrong)
    # The sweep is only worth something if the owners see what they should.
    assert all({Role.ADMIN, Role.STAFF} <= seen_by.get(name, set()) for name in objects), seen_by
    assert {Role.CUSTOMER} <= seen_by["Project"] & seen_by["Appointment"], seen_by
    assert checked >= len(objects) * 2 * 16
