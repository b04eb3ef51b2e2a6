"""Addresses: creating, changing, listing and searching them within the viewer's groups."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from strawberry import UNSET
from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api import records
from api.clock import agency_today
from api.errors import BadRequest
from api.permissions.scoping import (
    visible_account_groups,
    visible_addresses,
    visible_territories,
)
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.address_search import Hit, SearchFilter, query_words, reindex, search_statement
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from api.resolvers.pagination import Cursors, Page, PageRequest, page_size, paginate
from db.models.crm import AccountGroup, Address, AddressKind, Territory

SEARCH_PAGE_SIZE = 10


@dataclass
class AddressChanges:
    """Input fields of createAddress / updateAddress; UNSET leaves a field as it is."""

    kind: Any = UNSET
    name: Any = UNSET
    street: Any = UNSET
    postal_code: Any = UNSET
    city: Any = UNSET
    country: Any = UNSET
    phone: Any = UNSET
    email: Any = UNSET
    customer_number: Any = UNSET
    account_group_id: Any = UNSET
    secondary_account_group_id: Any = UNSET
    territory_id: Any = UNSET
    given: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.given = {k for k, v in vars(self).items() if v is not UNSET and k != "given"}


async def visible_address(viewer: Viewer, pk: int) -> Address | None:
    return await Address.filter(visible_addresses(viewer), pk=pk).first()


async def address_argument(viewer: Viewer, global_id: str, field_name: str) -> Address:
    """The address a mutation argument names, or NOT_FOUND when the viewer cannot see it."""
    address = await visible_address(viewer, inputs.node_pk(global_id, "Address", field_name))
    if address is None:
        raise UserFailure.of(field_name, ErrorCode.NOT_FOUND, "No Address with this ID.")
    return address


async def _group(viewer: Viewer, global_id: str | None, field_name: str) -> int | None:
    if not global_id:
        return None
    pk = inputs.node_pk(global_id, "AccountGroup", field_name)
    if not await AccountGroup.exists(visible_account_groups(viewer), pk=pk):
        raise UserFailure.of(field_name, ErrorCode.NOT_FOUND, "No AccountGroup with this ID.")
    return pk


async def _territory(viewer: Viewer, global_id: str | None, field_name: str) -> int | None:
    if not global_id:
        return None
    pk = inputs.node_pk(global_id, "Territory", field_name)
    if not await Territory.exists(visible_territories(viewer), pk=pk):
        raise UserFailure.of(field_name, ErrorCode.NOT_FOUND, "No Territory with this ID.")
    return pk


async def _checked_values(
    viewer: Viewer, changes: AddressChanges, current: Address | None
) -> dict[str, Any]:
    """Validate the given fields; every problem is reported, in the input's field names."""
    problems = FailureCollector()
    values: dict[str, Any] = {}
    given = changes.given
    text_fields = {
        "street": ("street", 200),
        "postal_code": ("postalCode", 20),
        "city": ("city", 100),
    }
    if "kind" in given:
        if changes.kind is None:
            problems.add("kind", ErrorCode.REQUIRED, "kind must be given.")
        values["kind"] = changes.kind
    if "name" in given:
        values["name"] = problems.check(inputs.required_text, changes.name or "", "name")
    for attribute, (input_name, length) in text_fields.items():
        if attribute in given:
            values[attribute] = problems.check(
                lambda v, f, n=length: inputs.optional_text(v, f, n),
                getattr(changes, attribute),
                input_name,
            )
    country_ok = True
    if "country" in given:
        reported = len(problems.failures)
        values["country"] = problems.check(inputs.country_code, changes.country, "country")
        country_ok = len(problems.failures) == reported
    # A phone is read for the address's country; with a bad country, as a German number.
    country = (values.get("country") if country_ok else None) or (
        current.country if current else "DE"
    )
    if "phone" in given:
        values["phone"] = problems.check(
            lambda v, f: inputs.phone_number(v, f, country), changes.phone, "phone"
        )
    if "email" in given:
        values["email"] = problems.check(inputs.optional_email, changes.email, "email")
    if "customer_number" in given:
        number = problems.check(
            lambda v, f: inputs.optional_text(v, f, 50), changes.customer_number, "customerNumber"
        )
        values["customer_number"] = number or None
    for attribute, input_name, lookup in (
        ("account_group_id", "accountGroupId", _group),
        ("secondary_account_group_id", "secondaryAccountGroupId", _group),
        ("territory_id", "territoryId", _territory),
    ):
        if attribute in given:
            try:
                values[attribute] = await lookup(viewer, getattr(changes, attribute), input_name)
            except UserFailure as failure:
                problems.failures.extend(failure.failures)
    if current is None and values.get("account_group_id") is None and not viewer.is_admin:
        # A staff user's new customer must not fall under the table: it joins their group.
        values["account_group_id"] = await _personal_group(viewer)
    _check_consistency(values, current, problems)
    problems.raise_if_any()
    return values


def _check_consistency(
    values: dict[str, Any], current: Address | None, problems: FailureCollector
) -> None:
    def final(name: str) -> Any:
        return values[name] if name in values else getattr(current, name, None)

    primary, secondary = final("account_group_id"), final("secondary_account_group_id")
    if secondary is not None and secondary == primary:
        problems.add(
            "secondaryAccountGroupId",
            ErrorCode.INVALID,
            "The secondary account group must differ from the primary one.",
        )
    if final("territory_id") is not None and final("kind") != AddressKind.STORE:
        field_name = "territoryId" if "territory_id" in values else "kind"
        problems.add(field_name, ErrorCode.INVALID, "Only stores belong to a territory.")


async def _personal_group(viewer: Viewer) -> int | None:
    group = await AccountGroup.filter(personal_for_id=viewer.user_id).first()
    return group.id if group else None


async def create_address(viewer: Viewer, changes: AddressChanges) -> Address:
    values = await _checked_values(viewer, changes, None)
    address = await _saved(Address(**values))
    await reindex(address)
    return address


async def update_address(viewer: Viewer, global_id: str, changes: AddressChanges) -> Address:
    address = await address_argument(viewer, global_id, "id")
    values = await _checked_values(viewer, changes, address)
    address.update_from_dict(values)
    await _saved(address)
    await reindex(address)
    return address


async def _saved(address: Address) -> Address:
    try:
        async with in_transaction():
            await address.save()
    except IntegrityError:
        raise UserFailure.of(
            "customerNumber", ErrorCode.DUPLICATE, "Another address has this customer number."
        ) from None
    return address


@dataclass(frozen=True, slots=True)
class AddressQuery:
    search: str | None = None
    kind: AddressKind | None = None
    without_account_group: bool = False


async def find_addresses(viewer: Viewer, query: AddressQuery, page: PageRequest) -> Page[Address]:
    words = query_words(query.search or "")
    if words:
        return await _search(viewer, query, words, page)
    queryset = Address.filter(visible_addresses(viewer))
    if query.kind is not None:
        queryset = queryset.filter(kind=query.kind)
    if query.without_account_group:
        queryset = queryset.filter(account_group_id=None, secondary_account_group_id=None)
    return await paginate(queryset, ("name", "id"), page, default_size=SEARCH_PAGE_SIZE)


def _hit_cursor(hit: Hit) -> str:
    return base64.urlsafe_b64encode(json.dumps([hit.score, hit.name, hit.id]).encode()).decode()


def _hit_from_cursor(cursor: str) -> Hit:
    try:
        score, name, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return Hit(id=int(pk), name=str(name), score=int(score))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise BadRequest("`after` is not a cursor of this search.") from None


async def _search(
    viewer: Viewer, query: AddressQuery, words: list[str], page: PageRequest
) -> Page[Address]:
    if page.last is not None or page.before is not None:
        raise BadRequest("A search pages forwards only: use `first` and `after`.")
    size = page_size(page.first, "first")
    limit = SEARCH_PAGE_SIZE if size is None else size
    after = _hit_from_cursor(page.after) if page.after else None
    search = SearchFilter(viewer, words, query.kind, query.without_account_group, agency_today())
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    columns = records.columns(Address)
    statement, values = search_statement(dialect, search, after, limit + 1, columns)
    _, found = await connection.execute_query(statement, values)
    hits = [Hit(id=row["id"], name=row["name"], score=row["score"]) for row in found]

    async def count() -> int:
        if after is None:  # the first page's statement counted the whole result
            return found[0]["total"] if found else 0
        statement, values = search_statement(dialect, search, None, None)
        return (await connection.execute_query_dict(statement, values))[0]["n"]

    return Page(
        rows=records.from_rows(Address, found[:limit]),
        cursors=Cursors(hits[:limit], _hit_cursor),
        has_next_page=len(hits) > limit,
        has_previous_page=after is not None,
        count=count,
    )
