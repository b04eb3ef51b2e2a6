"""Before a scenario is measured: the API and the reference must answer every one of its
requests with the same data (equal as parsed JSON); a difference stops the run with a diff."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

import httpx

from bench.scenarios import Scenario


class ResponsesDiffer(RuntimeError):
    """The reference does not answer what the API answers."""


@dataclass(frozen=True, slots=True)
class Agreement:
    requests: int
    byte_identical: int
    mean_response_bytes: float
    # Each request's totalCount (the size of the list it pages), where it has one.
    totals: tuple[int | None, ...]


def _total(result: dict[str, Any]) -> int | None:
    top = next(iter((result.get("data") or {}).values()), None)
    return top.get("totalCount") if isinstance(top, dict) else None


def _pretty(value: Any) -> list[str]:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=False).splitlines()


def _diff(api: Any, reference: Any, limit: int = 60) -> str:
    lines = list(
        difflib.unified_diff(_pretty(api), _pretty(reference), "API", "reference", lineterm="")
    )
    more = f"\n… {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def check_agreement(scenario: Scenario, query: str, api_url: str, reference_url: str) -> Agreement:
    identical = 0
    sizes = 0
    totals: list[int | None] = []
    with httpx.Client(timeout=300) as client:
        for variables in scenario.variables:
            headers = {
                "Authorization": f"Bearer {scenario.token}",
                "Content-Type": "application/json",
            }
            body = scenario.body(query, variables)
            api = client.post(f"{api_url}/graphql", content=body, headers=headers)
            reference = client.post(f"{reference_url}/graphql", content=body, headers=headers)
            api_json, reference_json = api.json(), reference.json()
            if api.status_code != 200 or "errors" in api_json:
                raise ResponsesDiffer(
                    f"{scenario.key}: the API failed on {variables}: {api.text[:2000]}"
                )
            if reference.status_code != 200 or api_json != reference_json:
                raise ResponsesDiffer(
                    f"{scenario.key}: the reference differs from the API on {variables}:\n"
                    f"{_diff(api_json, reference_json)}"
                )
            identical += api.content == reference.content
            sizes += len(api.content)
            totals.append(_total(api_json))
    count = len(scenario.variables)
    return Agreement(count, identical, sizes / count, tuple(totals))
