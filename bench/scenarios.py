"""The measured scenarios: which contract operation, as whom, with which variables, and the
issue's targets. Paged scenarios list one request per page, their cursors taken from the
API's own answers (the check then holds the reference to the same pages)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from strawberry.relay import to_base64

from api.trusted_documents import MANIFEST_FILE, operations_of
from bench.dataset import Facts

OPERATIONS = ("ProjectOverview", "ProjectAppointments", "SearchAddresses", "Appointments",
              "GenerateScheduledContacts")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    title: str
    operation: str
    token: str
    variables: tuple[dict[str, Any], ...]
    # The API's throughput against the reference's, at least; None: no target.
    target_ratio: float | None = None
    # The API's p99 latency in ms, at most; None: no target.
    target_p99_ms: float | None = None

    def body(self, query: str, variables: dict[str, Any]) -> str:
        return orjson.dumps(
            {"query": query, "variables": variables, "operationName": self.operation}
        ).decode()


def load_operations(clients_dir: Path) -> tuple[dict[str, str], str]:
    """The operations' text with their fragments: from the client documents, else from the
    registered trusted documents (which are built from them)."""
    documents = sorted(clients_dir.glob("*.graphql"))
    if documents:
        found = operations_of(documents)
        source = str(clients_dir)
    else:
        manifest = orjson.loads(MANIFEST_FILE.read_bytes())
        found = {name: entry["document"] for name, entry in manifest.items()}
        source = str(MANIFEST_FILE)
    missing = [name for name in OPERATIONS if name not in found]
    if missing:
        raise SystemExit(f"bench: operations {missing} not found in {source}")
    return {name: found[name] for name in OPERATIONS}, source


def _pages(
    api_url: str,
    query: str,
    operation: str,
    token: str,
    variables: dict[str, Any],
    limit: int,
) -> tuple[dict[str, Any], ...]:
    """The variables of each page, walking `after` cursors (at most `limit` pages)."""
    pages: list[dict[str, Any]] = []
    current = dict(variables)
    while len(pages) < limit:
        pages.append(current)
        response = httpx.post(
            f"{api_url}/graphql",
            json={"query": query, "variables": current, "operationName": operation},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        result = response.json()
        if response.status_code != 200 or result.get("errors"):
            raise SystemExit(f"bench: {operation} failed on the API: {response.text[:2000]}")
        info = result["data"]["appointments"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        current = {**variables, "after": info["endCursor"]}
    return tuple(pages)


def build_scenarios(
    facts: Facts, tokens: dict[int, str], operations: dict[str, str], api_url: str
) -> list[Scenario]:
    admin, staff = tokens[facts.admin_user_id], tokens[facts.staff_user_id]
    customer = tokens[facts.customer_user_id]
    portal = _pages(
        api_url,
        operations["ProjectAppointments"],
        "ProjectAppointments",
        customer,
        {"projectId": to_base64("Project", facts.portal_project_id), "first": 100},
        limit=1000,
    )
    confirmed = _pages(
        api_url, operations["Appointments"], "Appointments", admin, {"status": "CONFIRMED"}, 3
    )
    return [
        Scenario(
            "overview",
            "ProjectOverview, admin, one project (25 locations x 20 appointments)",
            "ProjectOverview",
            admin,
            ({"id": to_base64("Project", facts.overview_project_id)},),
            target_ratio=0.25,
        ),
        Scenario(
            "portal",
            f"ProjectAppointments, customer, first: 100, all {len(portal)} pages in turn",
            "ProjectAppointments",
            customer,
            portal,
            target_ratio=0.5,
        ),
        Scenario(
            "search1",
            f"SearchAddresses, staff, one word ({len(facts.one_word_queries)} queries in turn)",
            "SearchAddresses",
            staff,
            tuple({"search": q} for q in facts.one_word_queries),
            target_ratio=0.5,
            target_p99_ms=20,
        ),
        Scenario(
            "search2",
            f"SearchAddresses, staff, two words ({len(facts.two_word_queries)} queries in turn)",
            "SearchAddresses",
            staff,
            tuple({"search": q} for q in facts.two_word_queries),
            target_ratio=0.5,
            target_p99_ms=20,
        ),
        Scenario(
            "appointments",
            f"Appointments, admin, status CONFIRMED, first {len(confirmed)} pages of 50",
            "Appointments",
            admin,
            confirmed,
        ),
    ]
