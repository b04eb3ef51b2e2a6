"""SearchAddresses (agency-web) for staff or an admin, in one statement after the token
lookup: prefix range scans on the terms table, ranked like the API (best field weight per
word, +1 for a whole-word match), within the viewer's account groups, with the whole
result's count as a window function. Query words are folded by the product's own
`query_words`, so both fold alike."""

from __future__ import annotations

import base64
import json
from typing import Any

from api.clock import agency_today
from api.resolvers.address_search import query_words
from bench.reference.auth import Viewer
from bench.reference.db import Database
from bench.reference.encode import gid
from bench.reference.overview import UnsupportedViewer

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
DEFAULT_PAGE = 10
MAX_PAGE = 100
OWN_GROUPS = (
    "SELECT group_id FROM account_group_members WHERE user_id = ? "
    "AND (valid_until IS NULL OR valid_until >= ?)"
)


def _successor(prefix: str) -> str | None:
    """The smallest term after every term starting with `prefix` (None: no bound)."""
    stripped = prefix.rstrip(ALPHABET[-1])
    if not stripped:
        return None
    return stripped[:-1] + ALPHABET[ALPHABET.index(stripped[-1]) + 1]


def _match(word: str, params: list[Any]) -> str:
    upper = _successor(word)
    params.append(word)
    if upper is None:
        return "(t.term >= ?)"
    params.append(upper)
    return "(t.term >= ? AND t.term < ?)"


def _statement(
    db: Database, viewer: Viewer, words: list[str], kind: str | None, limit: int
) -> tuple[str, list[Any]]:
    params: list[Any] = []
    scores = []
    for i, word in enumerate(words):
        matched = _match(word, params)
        params.append(word)
        scores.append(
            f"MAX(CASE WHEN {matched} THEN t.weight + "
            f"CASE WHEN t.term = ? THEN 1 ELSE 0 END END) AS s{i}"
        )
    any_word = " OR ".join(_match(word, params) for word in words)
    score = " + ".join(f"m.s{i}" for i in range(len(words)))
    where = [f"m.s{i} IS NOT NULL" for i in range(len(words))]
    address = ["a.id = m.address_id"]
    if not viewer.is_admin:
        address.append(f"(a.account_group_id IN ({OWN_GROUPS}) OR a.secondary_account_group_id "
                       f"IN ({OWN_GROUPS}))")  # fmt: skip
        today = db.date_param(agency_today())
        params += [viewer.user_id, today, viewer.user_id, today]
    if kind is not None:
        address.append("a.kind = ?")
        params.append(kind)
    params.append(limit + 1)
    looked_up = " AND ".join(address)
    if db.dialect == "postgres":
        # A fence against hashing the whole addresses table (see the API's address_search).
        join = (
            "CROSS JOIN LATERAL (SELECT a.id, a.kind, a.name, a.city, a.customer_number "
            f"FROM addresses a WHERE {looked_up} OFFSET 0) a"
        )
    else:
        join = f"JOIN addresses a ON {looked_up}"
    sql = (
        f"SELECT a.id, a.kind, a.name, a.city, a.customer_number, ({score}) AS score, "
        f"COUNT(*) OVER () FROM (SELECT t.address_id, {', '.join(scores)} "
        f"FROM address_search_terms t WHERE {any_word} GROUP BY t.address_id) m "
        f"{join} WHERE {' AND '.join(where)} "
        "ORDER BY score DESC, a.name, a.id LIMIT ?"
    )
    return sql, params


async def search_addresses(db: Database, viewer: Viewer, variables: dict[str, Any]) -> Any:
    if not viewer.is_agency:
        raise UnsupportedViewer("SearchAddresses is for the agency.")
    words = query_words(variables.get("search") or "")
    if not words or variables.get("after"):
        raise UnsupportedViewer("The reference answers a search's first page.")
    first = variables.get("first")
    limit = DEFAULT_PAGE if first is None else int(first)
    if not 0 <= limit <= MAX_PAGE:
        raise ValueError("`first` must be between 0 and 100.")
    sql, params = _statement(db, viewer, words, variables.get("kind"), limit)
    rows = await db.fetch(sql, params)
    edges = [
        {
            "cursor": base64.urlsafe_b64encode(json.dumps([score, name, pk]).encode()).decode(),
            "node": {
                "id": gid("Address", pk),
                "kind": kind,
                "name": name,
                "city": city,
                "customerNumber": number,
            },
        }
        for pk, kind, name, city, number, score, _ in rows[:limit]
    ]
    return {
        "addresses": {
            "totalCount": rows[0][-1] if rows else 0,
            "pageInfo": {
                "hasNextPage": len(rows) > limit,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
            "edges": edges,
        }
    }
