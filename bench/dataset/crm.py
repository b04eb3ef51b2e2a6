"""Account groups, territories, addresses with their contact persons, the search terms
(from the product's own `terms_of`), and the searches staff type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from api.resolvers.address_search import terms_of
from bench import names
from bench.dataset.model import EPOCH, Builder

SKIP_IN_QUERIES = {*names.LEGAL_FORMS, "GmbH", "Co.", "KG", "&", "(haftungsbeschränkt)"}


@dataclass(frozen=True, slots=True)
class Text:
    """Duck-typed stand-ins for the models `terms_of` reads."""

    name: str = ""
    city: str = ""
    customer_number: str | None = None
    first_name: str = ""
    last_name: str = ""


def account_groups(b: Builder, staff_ids: list[int]) -> list[int]:
    """A personal group per staff user; the benchmark's staff user is in the first ten."""
    groups = b.table("account_groups", "id", "name", "created_at", "personal_for_id")
    members = b.table("account_group_members", "id", "valid_until", "group_id", "user_id")
    for gid, uid in enumerate(staff_ids, start=1):
        groups.rows.append((gid, f"Team {gid}", EPOCH, uid))
    links = {(gid, uid) for gid, uid in enumerate(staff_ids, start=1)}
    links |= {(gid, staff_ids[0]) for gid in range(1, b.sizes.staff_groups + 1)}
    for uid in staff_ids[1:]:
        links.add((b.rng.randrange(1, len(staff_ids) + 1), uid))
    for mid, (gid, uid) in enumerate(sorted(links), start=1):
        members.rows.append((mid, None, gid, uid))
    return [row[0] for row in groups.rows]


def territories(b: Builder) -> list[int]:
    """Germany → 16 states → 4 regions each; stores sit in regions."""
    table = b.table("territories", "id", "name", "path", "parent_id")
    table.rows.append((1, "Deutschland", "/1/", None))
    leaves: list[int] = []
    next_id = 2
    for state in names.STATES:
        state_id = next_id
        table.rows.append((state_id, state, f"/1/{state_id}/", 1))
        next_id += 1
        for region in names.REGIONS:
            table.rows.append((next_id, f"{state} {region}", f"/1/{state_id}/{next_id}/", state_id))
            leaves.append(next_id)
            next_id += 1
    return leaves


@dataclass(slots=True)
class AddressFacts:
    id: int
    kind: str
    name: str
    city: str
    number: str | None
    groups: set[int]


def _address_name(b: Builder, kind: str, city: str) -> str:
    rng = b.rng
    last = rng.choice(names.LAST_NAMES)
    if kind == "PERSON":
        return f"{rng.choice(names.FIRST_NAMES)} {last}"
    if kind == "STORE":
        chain = rng.choice(names.CHAINS)
        if rng.random() < 0.5:
            return f"{chain} {last}"
        return f"{chain} {city.split()[0]} {rng.choice(names.STORE_SUFFIXES)}"
    trade, legal = rng.choice(names.TRADES), rng.choice(names.LEGAL_FORMS)
    shape = rng.random()
    if shape < 0.4:
        return f"{last} {trade} {legal}"
    if shape < 0.7:
        return f"{trade} {last}"
    return f"{last} & {rng.choice(names.LAST_NAMES)} {legal}"


def addresses(
    b: Builder, groups: list[int], leaves: list[int]
) -> tuple[list[AddressFacts], dict[int, list[int]]]:
    """Addresses with one to three contact persons each; returns contacts by address."""
    rng = b.rng
    table = b.table("addresses", "id", "kind", "name", "street", "postal_code", "city",
                    "country", "phone", "email", "customer_number", "created_at", "updated_at",
                    "account_group_id", "secondary_account_group_id", "territory_id")  # fmt: skip
    contacts = b.table("contact_persons", "id", "first_name", "last_name", "position", "phone",
                       "email", "created_at", "address_id", "user_id")  # fmt: skip
    made: list[AddressFacts] = []
    contacts_of: dict[int, list[int]] = {}
    for aid in range(1, b.sizes.addresses + 1):
        kind = rng.choices(("COMPANY", "STORE", "PERSON"), weights=(55, 30, 15))[0]
        city = rng.choice(names.CITIES)
        name = _address_name(b, kind, city)
        primary = None if rng.random() < 0.02 else rng.choice(groups)
        secondary = None
        if primary is not None and rng.random() < 0.1:
            secondary = rng.choice([g for g in groups if g != primary])
        number = f"K{100_000 + aid}" if kind == "COMPANY" else None
        stamp = b.moment()
        table.rows.append((
            aid, kind, name, f"{rng.choice(names.STREETS)} {rng.randrange(1, 180)}",
            f"{rng.randrange(1067, 99999):05d}", city, "DE",
            b.phone() if rng.random() < 0.8 else None,
            f"info{aid}@example.de" if kind == "COMPANY" else None,
            number, stamp, stamp, primary, secondary,
            rng.choice(leaves) if kind == "STORE" else None,
        ))  # fmt: skip
        groups_of = {g for g in (primary, secondary) if g}
        made.append(AddressFacts(aid, kind, name, city, number, groups_of))
        count = 1 if kind != "COMPANY" else rng.choice((1, 1, 2, 2, 3))
        ids: list[int] = []
        for _ in range(count):
            cid = len(contacts.rows) + 1
            if kind == "PERSON":
                first, last = name.split(" ", 1)
            else:
                first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
            contacts.rows.append(
                (cid, first, last, rng.choice(names.POSITIONS), b.phone(),
                 f"kontakt{cid}@example.de", stamp, aid, None)
            )  # fmt: skip
            ids.append(cid)
        contacts_of[aid] = ids
    return made, contacts_of


def search_terms(
    b: Builder, addresses: list[AddressFacts], contacts_of: dict[int, list[int]]
) -> None:
    """The terms table, from the product's own `terms_of`."""
    table = b.table("address_search_terms", "id", "term", "weight", "address_id")
    contact_rows = b.tables["contact_persons"].rows
    for address in addresses:
        people = [
            Text(first_name=contact_rows[cid - 1][1], last_name=contact_rows[cid - 1][2])
            for cid in contacts_of[address.id]
        ]
        text = Text(name=address.name, city=address.city, customer_number=address.number)
        for term, weight in sorted(terms_of(cast(Any, text), cast(Any, people)).items()):
            table.rows.append((len(table.rows) + 1, term, weight, address.id))


def queries(b: Builder, visible: list[AddressFacts]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What staff type: the start (4 to 7 letters) of a word of a customer's name they see,
    and for two words that plus the start of its city; no search twice."""
    rng = b.rng
    one: list[str] = []
    two: list[str] = []
    while len(two) < 24:
        address = rng.choice(visible)
        words = [w for w in address.name.split() if w not in SKIP_IN_QUERIES and len(w) >= 3]
        if not words:
            continue
        word = rng.choice(words)
        prefix = word[: rng.randrange(4, 8)]
        city = address.city.split()[0][: rng.randrange(3, 6)]
        if prefix.lower() in (q.lower() for q in one):
            continue
        one.append(prefix)
        two.append(f"{prefix} {city}")
    return tuple(one), tuple(two)
