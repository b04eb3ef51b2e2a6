"""Address search: up to two words, each matching the start of a word of the name, the city,
the customer number or a contact person's name, ignoring case and accents.

Every address keeps its words, folded to [a-z0-9], in `address_search_terms`; a query word
becomes a range scan on that index (`term >= 'mul' AND term < 'mum'`), which both SQLite
and PostgreSQL answer from a B-tree, unlike `LIKE 'mul%'`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from api.permissions.viewer import Viewer
from db.models.crm import Address, AddressKind, AddressSearchTerm, ContactPerson

MAX_WORDS = 2
NAME, CONTACT, CITY, NUMBER = 4, 3, 2, 2
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(text: str) -> str:
    """Lower case without accents: "Müller" → "muller", "Straße" → "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _spellings(word: str) -> set[str]:
    """A word as typed without accents and, for German umlauts, spelt out ("mueller")."""
    spellings = {fold(word), fold(word.lower().translate(_UMLAUTS))}
    return {re.sub(r"[^a-z0-9]", "", s) for s in spellings} - {""}


def _words(text: str | None) -> list[str]:
    """The words of a text as typed ("Coca-Cola", "McDonald's") and their parts ("Coca",
    "Cola"): a query word is folded whole, so either way of typing finds it."""
    chunks = (text or "").split()
    return [*chunks, *(part for chunk in chunks for part in re.findall(r"\w+", chunk))]


def terms_of(address: Address, contacts: Iterable[ContactPerson]) -> dict[str, int]:
    """Each term of an address with the weight of the best field it comes from."""
    weighted: dict[str, int] = {}

    def add(words: Iterable[str], weight: int) -> None:
        for word in words:
            for term in _spellings(word):
                weighted[term[:100]] = max(weight, weighted.get(term[:100], 0))

    add(_words(address.name), NAME)
    add(_words(address.city), CITY)
    if address.customer_number:
        add(_words(address.customer_number), NUMBER)
    for contact in contacts:
        add(_words(f"{contact.first_name} {contact.last_name}"), CONTACT)
    return weighted


async def reindex(address: Address) -> None:
    """Rewrite an address's terms; call it in the transaction that changed the address."""
    contacts = await ContactPerson.filter(address_id=address.id)
    await AddressSearchTerm.filter(address_id=address.id).delete()
    await AddressSearchTerm.bulk_create(
        [
            AddressSearchTerm(address_id=address.id, term=term, weight=weight)
            for term, weight in terms_of(address, contacts).items()
        ]
    )


def query_words(search: str) -> list[str]:
    """The first two words of a query, folded; a third and later words are ignored."""
    folded = (re.sub(r"[^a-z0-9]", "", fold(w)) for w in search.split())
    return [w for w in folded if w][:MAX_WORDS]


def _successor(prefix: str) -> str | None:
    """The smallest string after every string starting with `prefix` (None: no bound)."""
    stripped = prefix.rstrip(_ALPHABET[-1])
    if not stripped:
        return None
    last = stripped[-1]
    return stripped[:-1] + _ALPHABET[_ALPHABET.index(last) + 1]


class _Sql:
    """Collects parameters and writes placeholders in the connection's dialect."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgres"
        self.values: list[object] = []

    def __call__(self, value: object) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else "?"


@dataclass(frozen=True, slots=True)
class SearchFilter:
    viewer: Viewer
    words: list[str]
    kind: AddressKind | None
    without_account_group: bool
    today: date


@dataclass(frozen=True, slots=True)
class Hit:
    id: int
    name: str
    score: int


def _matches(p: _Sql, word: str) -> str:
    upper = _successor(word)
    condition = f"t.term >= {p(word)}"
    return f"({condition} AND t.term < {p(upper)})" if upper else f"({condition})"


def _addresses_of_matches(postgres: bool, condition: str) -> str:
    """Each matched address looked up by its key. PostgreSQL guesses a prefix's matches from
    a histogram and, guessing many, would hash the whole addresses table instead (a scan
    of every row, several times slower than the lookups); the LATERAL subquery with
    OFFSET 0 is a fence its planner keeps. SQLite always looks rows up by key."""
    if postgres:
        lookup = f"SELECT a.id, a.name FROM addresses a WHERE {condition} OFFSET 0"
        return f"CROSS JOIN LATERAL ({lookup}) a"
    return f"JOIN addresses a ON {condition}"


def search_statement(
    dialect: str,
    search: SearchFilter,
    after: Hit | None,
    limit: int | None,
    columns: Sequence[str] = ("id", "name"),
) -> tuple[str, list[object]]:
    """SQL for the ranked hits, each the address's `columns` (with id and name), `score`
    and, on the first page (no `after`), `total`: the whole result's count as a window
    function, computed before the LIMIT, so the page and its count cost one statement.
    The ranking sorts only ids, names and scores; the page's addresses are read after
    the LIMIT. With `limit` None, SQL for the count alone."""
    p = _Sql(dialect)
    scores = ", ".join(
        f"MAX(CASE WHEN {_matches(p, w)} THEN t.weight + "
        f"CASE WHEN t.term = {p(w)} THEN 1 ELSE 0 END END) AS s{i}"
        for i, w in enumerate(search.words)
    )
    any_word = " OR ".join(_matches(p, w) for w in search.words)
    score = " + ".join(f"m.s{i}" for i in range(len(search.words)))
    where = [f"m.s{i} IS NOT NULL" for i in range(len(search.words))]
    address = ["a.id = m.address_id"]
    viewer = search.viewer
    if not viewer.is_admin:
        groups = (
            "SELECT group_id FROM account_group_members WHERE user_id = {user} "
            "AND (valid_until IS NULL OR valid_until >= {today})"
        )
        own = [groups.format(user=p(viewer.user_id), today=p(search.today)) for _ in range(2)]
        address.append(
            f"(a.account_group_id IN ({own[0]}) OR a.secondary_account_group_id IN ({own[1]}))"
        )
    if search.kind is not None:
        address.append(f"a.kind = {p(search.kind.value)}")
    if search.without_account_group:
        address.append("a.account_group_id IS NULL AND a.secondary_account_group_id IS NULL")
    if after is not None:
        where.append(
            f"(({score}) < {p(after.score)} OR (({score}) = {p(after.score)} AND "
            f"(a.name > {p(after.name)} OR (a.name = {p(after.name)} AND a.id > {p(after.id)}))))"
        )
    body = (
        f"FROM (SELECT t.address_id, {scores} FROM address_search_terms t "
        f"WHERE {any_word} GROUP BY t.address_id) m "
        f"{_addresses_of_matches(p.postgres, ' AND '.join(address))} WHERE {' AND '.join(where)}"
    )
    if limit is None:
        return f"SELECT COUNT(*) AS n {body}", p.values
    total = ", COUNT(*) OVER () AS total" if after is None else ""
    ranked = (
        f"SELECT a.id AS id, a.name AS name, ({score}) AS score{total} {body} "
        f"ORDER BY score DESC, a.name, a.id LIMIT {int(limit)}"
    )
    selected = ", ".join(f'a."{column}"' for column in columns)
    statement = (
        f"SELECT {selected}, h.score AS score{', h.total AS total' if total else ''} "
        f"FROM ({ranked}) h JOIN addresses a ON a.id = h.id "
        "ORDER BY h.score DESC, h.name, h.id"
    )
    return statement, p.values
