"""Fuzzing the running server's GraphQL endpoint with schemathesis.

`promoplan serve` runs in a subprocess on a free port, on the test database of the
backend, with the demo data loaded. Schemathesis reads the schema by introspection and
sends, with an admin token, cases for every Query and Mutation field: valid ones (IDs
that earlier answers returned are put back into arguments, as `st run` does) and
invalid ones. Each valid case with String or ID arguments is sent a second time with them
stretched past the usual length limits. Every answer must be a GraphQL response
(GraphQL over HTTP): no 5xx, JSON with `data` and/or `errors`, errors a non-empty list
of objects with a `message`, and none coded INTERNAL_SERVER_ERROR; the server may log
no error either. Generation is derandomized and bounded in time. The number of requests
is printed (run with -s) and recorded as the JUnit property `fuzz_requests`; it must
clear a floor, so the fuzzer cannot silently do nothing.

Server errors found along the way are pinned at the end as regression tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.generation.feedback import FeedbackSources

from api.demo import seed_demo
from db.models.accounts import Role
from tests.graphql_client import error_codes

REPO = Path(__file__).parents[1]

# Bounds per backend: examples per operation and mode, and a wall-clock budget shared out
# among the operations (each still sends one request when its share is spent).
POSITIVE_EXAMPLES = 6
NEGATIVE_EXAMPLES = 3
FUZZ_SECONDS = 50.0
MIN_REQUESTS = 300
REQUEST_TIMEOUT = 15.0
# Stretched String/ID arguments: past the 200/254/1000/2000-character columns and limits.
STRETCHED_LENGTHS = (201, 255, 1001, 2001, 20_000)
STRETCH_PATTERN = "Zü9-Ab "

LOGOUT = "Mutation.logout"
GRAPHQL_RESPONSE_KEYS = {"data", "errors", "extensions"}
JSON_MEDIA_TYPES = ("application/json", "application/graphql-response+json")

# Operations not sent with stretched arguments; empty since the server errors found that
# way are fixed (their regression tests are at the end of this file).
NO_STRETCHING: set[str] = set()


# ---------------------------------------------------------------- the server


@dataclass
class Server:
    url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def running_server(database_url: str, log: Path) -> AsyncIterator[Server]:
    """`promoplan serve` on a free port, logging to `log`; stopped afterwards."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OUTBOX_WORKER_IN_PROCESS": "false",
        "PROMOPLAN_INTROSPECTION": "1",
        "PROMOPLAN_RATE_LIMIT_PER_MINUTE": "1000000",
        "PROMOPLAN_TRUSTED_DOCUMENTS": "false",
        "PROMOPLAN_LOG_LEVEL": "INFO",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_healthy(process, base, log)
        yield Server(f"{base}/graphql", log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _wait_until_healthy(process: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    pytest.fail(f"the server did not answer /healthz within 60 s:\n{log.read_text()}")


def server_log(log: Path) -> list[dict[str, Any]]:
    """The server's JSON log lines; other lines (the start banner) as bare messages."""
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        lines.append(record if isinstance(record, dict) else {"message": line})
    return lines


# ---------------------------------------------------------------- the checks


def response_problems(status: int, content_type: str, body: bytes) -> list[str]:
    """What makes an answer not a GraphQL response, or a server error; [] if none."""
    if status >= 500:
        return [f"HTTP {status}"]
    try:
        payload = json.loads(body)
    except ValueError:
        if 400 <= status < 500 and body.strip():
            return []  # e.g. 413 for a body over the limit: a plain-text refusal is fine
        return [f"HTTP {status} with a body that is not JSON"]
    problems = []
    if not content_type.startswith(JSON_MEDIA_TYPES):
        problems.append(f"JSON sent as {content_type!r}")
    if not isinstance(payload, dict):
        return [*problems, "the response is not a JSON object"]
    if not payload.keys() & {"data", "errors"}:
        problems.append("the response has neither `data` nor `errors`")
    if extra := payload.keys() - GRAPHQL_RESPONSE_KEYS:
        problems.append(f"the response has other keys: {sorted(extra)}")
    if "data" in payload and not isinstance(payload["data"], dict | None):
        problems.append("`data` is neither an object nor null")
    if payload.get("data") is None and not payload.get("errors"):
        problems.append("no `data` and no `errors`")
    if "errors" in payload:
        problems.extend(_error_problems(payload["errors"]))
    return problems


def _error_problems(errors: object) -> list[str]:
    if not isinstance(errors, list) or not errors:
        return ["`errors` is not a non-empty list"]
    problems = []
    for error in errors:
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            problems.append(f"an error without a message: {error!r}")
            continue
        locations = error.get("locations", [])
        if not isinstance(locations, list) or not all(
            isinstance(place, dict) and {"line", "column"} <= place.keys() for place in locations
        ):
            problems.append(f"malformed `locations`: {locations!r}")
        path = error.get("path", [])
        if not isinstance(path, list) or not all(isinstance(key, str | int) for key in path):
            problems.append(f"malformed `path`: {path!r}")
        extensions = error.get("extensions", {})
        if not isinstance(extensions, dict):
            problems.append(f"malformed `extensions`: {extensions!r}")
        elif extensions.get("code") == "INTERNAL_SERVER_ERROR":
            problems.append(f"INTERNAL_SERVER_ERROR at {error.get('path')}")
    return problems


def stretched(query: str, schema: graphql.GraphQLSchema, length: int) -> str:
    """`query` with each String and ID argument value replaced by `length` characters."""
    long_text = (STRETCH_PATTERN * (length // len(STRETCH_PATTERN) + 1))[:length]
    types = graphql.TypeInfo(schema)

    class Stretch(graphql.Visitor):
        def enter_string_value(self, node: graphql.StringValueNode, *args: Any) -> Any:
            named = graphql.get_named_type(types.get_input_type())
            if named is not None and named.name in {"String", "ID"}:
                return graphql.StringValueNode(value=long_text)
            return None

    document = graphql.visit(graphql.parse(query), graphql.TypeInfoVisitor(types, Stretch()))
    return graphql.print_ast(document)


# ---------------------------------------------------------------- the fuzzing


class OutOfTime(Exception):
    """An operation's share of the time is spent: ends its run, after one request at least."""


@dataclass
class Tally:
    requests: int = 0
    per_operation: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    error_codes: Counter = field(default_factory=Counter)
    succeeded: int = 0  # valid cases answered with data and no error at all
    runs: int = 0  # hypothesis runs: one per operation and mode
    cut_short: int = 0  # runs that ran out of their share of the time
    operations: set[str] = field(default_factory=set)
    unauthenticated: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def record(
        self, label: str, kind: str, query: str, status: int, content_type: str, body: bytes
    ) -> None:
        self.requests += 1
        self.per_operation[label] += 1
        self.statuses[status] += 1
        problems = response_problems(status, content_type, body)
        if problems:
            answer = _clip(body.decode(errors="replace"))
            self.failures.append(
                f"[{label}, {kind}] {'; '.join(problems)}\n"
                f"  query: {_clip(query)}\n  answer: HTTP {status} {answer}"
            )
            return
        try:
            payload = json.loads(body)
        except ValueError:
            return
        codes = error_codes(payload) if isinstance(payload, dict) else []
        self.error_codes.update(str(code) for code in codes)
        if "UNAUTHENTICATED" in codes and label != LOGOUT:
            self.unauthenticated.append(f"[{label}, {kind}] {_clip(query)}")
        if kind == "valid" and not codes and not _user_errors(payload):
            self.succeeded += 1


def _user_errors(payload: dict[str, Any]) -> bool:
    data = payload.get("data") or {}
    return any(isinstance(value, dict) and value.get("errors") for value in data.values())


def _clip(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def operations_in_order(schema: Any) -> list[Any]:
    """Queries first (they capture the demo data's IDs), then the mutations that create,
    then the rest as schemathesis layers them; logout last, as it ends the admin session."""
    operations = [result.ok() for result in schema.get_all_operations()]
    layers = schema.get_operation_layers(operations) or [operations]
    ordered = [operation for layer in layers for operation in layer]
    queries = [op for op in ordered if op.label.startswith("Query.")]
    mutations = [op for op in ordered if op not in queries and op.label != LOGOUT]
    return queries + mutations + [op for op in ordered if op.label == LOGOUT]


def fuzz(url: str, token: str, *, allow_x00: bool) -> Tally:
    """Send schemathesis' cases for every operation; blocking, for a worker thread."""
    headers = {"Authorization": f"Bearer {token}"}
    config = SchemathesisConfig()
    config.projects.get_default().generation.update(allow_x00=allow_x00)
    schema = schemathesis.graphql.from_url(url, config=config, headers=headers)
    captured_ids = schema.create_extra_data_source()
    tally = Tally()
    runs = [
        (operation, mode, examples)
        for operation in operations_in_order(schema)
        for mode, examples in (
            (GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
        )
    ]
    tally.operations = {operation.label for operation, _, _ in runs}
    tally.runs = len(runs)
    budget_ends = time.monotonic() + FUZZ_SECONDS
    with requests.Session() as session:
        for index, (operation, mode, examples) in enumerate(runs):
            # An equal share of the time left: on a slow machine every operation still
            # gets its part, and what a quick run leaves over goes to the later ones.
            now = time.monotonic()
            stop_at = now + max(budget_ends - now, 0) / (len(runs) - index)
            _fuzz_operation(
                operation, mode, examples, url, session, headers, captured_ids, tally, stop_at
            )
    return tally


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    url: str,
    session: requests.Session,
    headers: dict[str, str],
    captured_ids: Any,
    tally: Tally,
    stop_at: float,
) -> None:
    label = operation.label
    valid = mode is GenerationMode.POSITIVE
    # Valid cases draw IDs that earlier answers returned; invalid ones never do.
    feedback = FeedbackSources(extra_data_source=captured_ids if valid else None)
    strategy = operation.as_strategy(generation_mode=mode, feedback=feedback)
    client_schema = operation.schema.client_schema
    sent = 0

    @settings(
        max_examples=examples,
        derandomize=True,  # a fixed seed: CI sends the same requests every run
        database=None,
        deadline=None,
        phases=[Phase.generate],  # answers are collected, not raised: nothing to shrink
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        verbosity=Verbosity.quiet,
    )
    @given(case=strategy, length=st.sampled_from(STRETCHED_LENGTHS))
    def send(case: Any, length: int) -> None:
        nonlocal sent
        if sent and time.monotonic() > stop_at:
            raise OutOfTime
        sent += 1
        kind = "valid" if valid else "invalid"
        try:
            response = case.call(
                base_url=url, session=session, headers=headers, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as exc:
            tally.failures.append(f"[{label}, {kind}] no answer: {exc!r}\n  query: {case.body}")
            return
        content_type = ", ".join(response.headers.get("content-type", []))
        tally.record(label, kind, case.body, response.status_code, content_type, response.content)
        if not valid:
            return
        captured_ids.record_response(operation=operation, response=response, case=case)
        if label in NO_STRETCHING:
            return
        query = stretched(case.body, client_schema, length)
        if query == graphql.print_ast(graphql.parse(case.body)):
            return  # no String or ID argument to stretch
        try:
            answer = session.post(
                url,
                json={"query": query},
                headers=headers,
                timeout=REQUEST_TIMEOUT,
            )
        except requests.RequestException as exc:
            tally.failures.append(f"[{label}, stretched] no answer: {exc!r}\n  query: {query}")
            return
        content_type = answer.headers.get("content-type", "")
        tally.record(label, "stretched", query, answer.status_code, content_type, answer.content)

    try:
        send()
    except OutOfTime:
        tally.cut_short += 1


async def test_schemathesis_finds_no_server_error(db, make, tmp_path, record_property):
    await seed_demo(db.settings)
    admin = await make.login(Role.ADMIN)
    log = tmp_path / "server.log"
    started = time.monotonic()
    async with running_server(db.url, log) as server:
        # Schemathesis and hypothesis block: they run in a thread, off the event loop.
        tally = await asyncio.to_thread(fuzz, server.url, admin.token, allow_x00=True)
    seconds = time.monotonic() - started

    lines = server_log(log)
    logged_errors = [line for line in lines if line.get("level") in {"ERROR", "CRITICAL"}]
    served = sum(
        1
        for line in lines
        if line.get("logger") == "promoplan.request" and line.get("path") == "/graphql"
    )
    summary = (
        f"fuzzing on {db.name}: {tally.requests} requests to {len(tally.per_operation)} "
        f"operations in {seconds:.1f} s (server logged {served} on /graphql); "
        f"statuses {dict(tally.statuses)}; error codes {dict(tally.error_codes)}; "
        f"{tally.succeeded} valid cases fully succeeded; "
        f"{tally.cut_short} of {tally.runs} runs cut short by the time budget"
    )
    print(f"\n{summary}")
    record_property("fuzz_requests", tally.requests)  # in the JUnit XML report, too

    report = [*tally.failures[:20]]
    report += [
        f"server log: {line.get('logger')}: {line.get('message')}\n{line.get('exception', '')}"
        for line in logged_errors[:5]
    ]
    assert not report, f"{summary}\n\n" + "\n\n".join(report)
    assert tally.requests > MIN_REQUESTS, summary
    assert served >= tally.requests, summary
    assert not tally.unauthenticated, "the admin token stopped working:\n" + "\n".join(
        tally.unauthenticated[:5]
    )
    assert tally.succeeded > 0, summary
    assert set(tally.per_operation) == tally.operations, summary
    assert len(tally.operations) == len(_root_fields()), "introspection lost operations"


def _root_fields() -> set[str]:
    schema = graphql.build_schema((REPO / "schema.graphql").read_text())
    return {
        f"{root.name}.{name}"
        for root in (schema.query_type, schema.mutation_type)
        if root is not None
        for name in root.fields
    }


# ---------------------------------------------------------------- server errors found


@pytest.mark.parametrize(
    ("query", "as_admin"),
    [
        (
            'mutation { login(email: "anna\\u0000@example.com", password: "not the password") '
            "{ token errors { code } } }",
            False,
        ),
        ('mutation { createTagGroup(name: "Saison\\u0000") { errors { code } } }', True),
    ],
    ids=["login", "createTagGroup"],
)
async def test_a_nul_character_in_a_string_is_a_bad_request(api, make, query, as_admin):
    token = (await make.login(Role.ADMIN)).token if as_admin else None
    result = await api.post(query, token=token)
    assert error_codes(result) == ["BAD_REQUEST"], result
    assert "U+0000" in result["errors"][0]["message"]


async def test_a_nul_character_in_a_variable_is_a_bad_request(api, make):
    admin = await make.login(Role.ADMIN)
    query = "mutation($name: String!) { createTagGroup(name: $name) { errors { code } } }"
    result = await api.post(query, {"name": "Saison\u0000"}, admin.token)
    assert result["data"] is None
    assert error_codes(result) == ["BAD_REQUEST"], result


async def test_an_overlong_email_at_login_is_wrong_credentials(api):
    email = "a" * 250 + "@example.com"
    result = await api.post(
        'mutation ($email: String!) { login(email: $email, password: "not the password") '
        "{ token errors { code } } }",
        {"email": email},
    )
    assert result["data"]["login"] == {"token": None, "errors": [{"code": "INVALID_CREDENTIALS"}]}
