"""Running Promoplan in production: trusted documents, the request log, metrics, health,
CORS and proxies, introspection, and the schema change check."""

import json
import logging
import os
import subprocess
import sys

import pytest

from api.graphql import sdl
from api.logs import JsonFormatter
from api.schema_check import breaking, schema_changes
from api.trusted_documents import (
    MANIFEST_FILE,
    build_manifest,
    document_hash,
    manifest_json,
)
from db.models.accounts import Role
from tests.factories import PASSWORD
from tests.graphql_client import SHARED, error_codes, operations, serving

AD_HOC = "query Mine { viewer { id name } }"
METRICS_TOKEN = "scrape-secret-4711"


async def _by_id(api, document_id: str, variables=None, token=None, **body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"variables": variables or {}, **body}
    if document_id:
        body["documentId"] = document_id
    response = await api.http.post("/graphql", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _id_of(operation: str) -> str:
    return "sha256:" + document_hash(operations()[operation])


# ---------------------------------------------------------------- trusted documents


def test_the_manifest_holds_every_client_operation_as_shipped():
    assert MANIFEST_FILE.read_text() == manifest_json(build_manifest(SHARED / "clients")), (
        "api/trusted_documents.json is stale: run `promoplan documents --write`"
    )


async def test_a_registered_document_runs_by_its_hash(api, make):
    anna = await make.login(Role.STAFF, name="Anna Adler")
    result = await _by_id(api, _id_of("Viewer"), token=anna.token)
    assert result["data"]["viewer"]["name"] == "Anna Adler"


async def test_apollo_clients_name_the_document_in_an_extension(api, make):
    anna = await make.login(Role.STAFF, name="Anna Adler")
    sha = document_hash(operations()["Viewer"])
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
    result = await _by_id(api, "", token=anna.token, extensions=extensions)
    assert result["data"]["viewer"]["name"] == "Anna Adler"


async def test_an_unknown_document_id_is_a_clear_error(api, make):
    anna = await make.login(Role.STAFF)
    result = await _by_id(api, "sha256:" + "0" * 64, token=anna.token)
    assert result["data"] is None
    assert error_codes(result) == ["DOCUMENT_NOT_FOUND"]


async def test_trusted_mode_refuses_unregistered_queries_but_runs_registered_ones(db, make):
    anna = await make.login(Role.STAFF, name="Anna Adler")
    async with serving(db.settings, trusted_documents=True) as api:
        refused = await api.post(AD_HOC, token=anna.token)
        assert refused["data"] is None
        assert error_codes(refused) == ["TRUSTED_DOCUMENT_REQUIRED"]
        anonymous = await api.post("{ __typename }")
        assert error_codes(anonymous) == ["TRUSTED_DOCUMENT_REQUIRED"]

        by_id = await _by_id(api, _id_of("Viewer"), token=anna.token)
        assert by_id["data"]["viewer"]["name"] == "Anna Adler"
        by_text = await api.op("Viewer", token=anna.token)
        assert by_text["data"]["viewer"]["name"] == "Anna Adler"
        # Logging in is a registered operation too.
        login = await _by_id(api, _id_of("Login"), {"email": anna.user.email, "password": PASSWORD})
        assert login["data"]["login"]["token"]


async def test_trusted_mode_lets_admins_explore(db, make):
    admin = await make.login(Role.ADMIN, name="Ada Admin")
    async with serving(db.settings, trusted_documents=True) as api:
        result = await api.post(AD_HOC, token=admin.token)
    assert result["data"]["viewer"]["name"] == "Ada Admin"


async def test_without_trusted_mode_any_query_runs(api, make):
    anna = await make.login(Role.STAFF, name="Anna Adler")
    result = await api.post(AD_HOC, token=anna.token)
    assert result["data"]["viewer"]["name"] == "Anna Adler"


def test_the_documents_command_prints_name_and_hash():
    done = subprocess.run(
        [sys.executable, "-m", "api", "documents"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["ProjectOverview"] == _id_of("ProjectOverview")
    assert set(manifest) == set(operations())


# ---------------------------------------------------------------- the request log


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="promoplan.request")
    formatter = JsonFormatter()

    def lines() -> list[str]:
        return [formatter.format(r) for r in caplog.records if r.name == "promoplan.request"]

    return lines


async def test_each_request_logs_one_line_with_what_an_operator_needs(api, make, request_log):
    anna = await make.login(Role.STAFF)
    response = await api.http.post(
        "/graphql",
        json={"query": operations()["Viewer"], "operationName": "Viewer"},
        headers={"Authorization": f"Bearer {anna.token}", "X-Request-ID": "trace-42"},
    )
    assert response.headers["x-request-id"] == "trace-42"
    [line] = request_log()
    entry = json.loads(line)
    assert entry["request_id"] == "trace-42"
    assert entry["operation"] == "Viewer"
    assert entry["viewer_id"] == anna.user.id
    assert entry["role"] == "STAFF"
    assert entry["outcome"] == "ok"
    assert entry["status"] == 200
    assert entry["duration_ms"] > 0
    assert entry["sql_statements"] >= 1


async def test_the_log_records_error_codes_and_makes_up_a_request_id(api, request_log):
    response = await api.http.post("/graphql", json={"query": AD_HOC})
    assert len(response.headers["x-request-id"]) == 32
    entry = json.loads(request_log()[0])
    assert entry["request_id"] == response.headers["x-request-id"]
    assert entry["outcome"] == "error"
    assert entry["error_codes"] == ["UNAUTHENTICATED"]
    assert entry["viewer_id"] is None


async def test_the_log_never_holds_a_password_token_or_promoter_contact(api, make, request_log):
    admin = await make.login(Role.ADMIN)
    promoter_phone, promoter_mail = "+49 170 5550123", "petra.secret@example.com"
    created = await api.op(
        "CreatePromoter",
        {
            "input": {
                "name": "Petra Promo",
                "phone": promoter_phone,
                "email": promoter_mail,
                "password": "promoter-password-77",
            }
        },
        admin.token,
    )
    assert created["data"]["createPromoter"]["errors"] == []
    login = await api.op("Login", {"email": promoter_mail, "password": "promoter-password-77"})
    session = login["data"]["login"]["token"]
    await api.op("Viewer", token=session)
    await api.op("Login", {"email": admin.user.email, "password": "wrong-password-13"})

    log = "\n".join(request_log())
    assert len(request_log()) == 4
    for secret in (
        admin.token,
        session,
        "promoter-password-77",
        "wrong-password-13",
        promoter_mail,
        "+491705550123",
        "5550123",
    ):
        assert secret not in log


async def test_the_calendar_secret_stays_out_of_the_log(api, request_log):
    await api.http.get("/calendar/ppc_not-a-real-secret-123.ics")
    [line] = request_log()
    assert json.loads(line)["path"] == "/calendar"
    assert "not-a-real-secret" not in line


# ---------------------------------------------------------------- metrics


async def test_metrics_are_refused_without_the_token(db):
    async with serving(db.settings, metrics_token=METRICS_TOKEN) as api:
        assert (await api.http.get("/metrics")).status_code == 401
        wrong = await api.http.get("/metrics", headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 401
    async with serving(db.settings, metrics_token="") as api:
        assert (await api.http.get("/metrics")).status_code == 404


async def test_metrics_expose_requests_errors_outbox_and_pool(db, make):
    anna = await make.login(Role.STAFF)
    async with serving(db.settings, metrics_token=METRICS_TOKEN) as api:
        await api.op("Viewer", token=anna.token)
        await api.post(AD_HOC)  # unauthenticated
        scrape = await api.http.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
    assert scrape.status_code == 200
    text = scrape.text
    assert 'promoplan_requests_total{operation="Viewer",outcome="ok",path="/graphql"}' in text
    assert 'promoplan_request_duration_seconds_bucket{le="0.005",operation="Viewer"' in text
    assert 'promoplan_errors_total{code="UNAUTHENTICATED"}' in text
    # Ad-hoc operation names are folded into one series.
    assert 'operation="Mine"' not in text
    assert 'operation="other"' in text
    for series in (
        "promoplan_outbox_pending ",
        "promoplan_outbox_failed ",
        "promoplan_outbox_oldest_pending_age_seconds ",
        "promoplan_db_pool_in_use ",
        "promoplan_db_pool_size ",
    ):
        assert series in text


# ---------------------------------------------------------------- health


async def test_healthz_answers_while_the_process_lives(api):
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_fails_while_a_migration_is_missing(api, db):
    from tortoise import connections

    assert (await api.http.get("/readyz")).json() == {"status": "ok"}
    connection = connections.get("default")
    _, rows = await connection.execute_query(
        'SELECT "name", "applied_at" FROM "tortoise_migrations" WHERE "name" = \'0006_planning\''
    )
    [row] = rows
    await connection.execute_query(
        'DELETE FROM "tortoise_migrations" WHERE "name" = \'0006_planning\''
    )
    try:
        response = await api.http.get("/readyz")
        assert response.status_code == 503
        assert response.json()["reason"] == "migrations not applied: 0006_planning"
    finally:
        await connection.execute_query(
            'INSERT INTO "tortoise_migrations" ("app", "name", "applied_at") '
            f"VALUES ('models', '0006_planning', {'$1' if db.name == 'postgres' else '?'})",
            [row["applied_at"]],
        )
    assert (await api.http.get("/readyz")).status_code == 200


async def test_readyz_fails_while_the_database_is_unreachable_and_recovers(api, db):
    if db.name != "postgres":
        pytest.skip("an embedded SQLite file cannot become unreachable")
    import asyncpg

    server = os.environ["TEST_POSTGRES_URL"].replace("postgres://", "postgresql://", 1)
    name = db.url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        down = await api.http.get("/readyz")
        assert down.status_code == 503
        assert down.json()["reason"] == "database unreachable"
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
    up = await api.http.get("/readyz")
    assert up.status_code == 200, up.text


# ---------------------------------------------------------------- CORS, proxies, introspection


async def test_cors_admits_the_configured_origins_only(db):
    spa = "https://app.agentur.example.com"
    async with serving(db.settings, cors_origins=spa) as api:
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = await api.http.options("/graphql", headers={"Origin": spa, **preflight})
        other = await api.http.options(
            "/graphql", headers={"Origin": "https://evil.example.net", **preflight}
        )
    assert allowed.headers["access-control-allow-origin"] == spa
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    ("trusted", "logged_client"),
    [("127.0.0.1", "203.0.113.7"), ("10.0.0.1", "127.0.0.1"), ("", "127.0.0.1")],
)
async def test_forwarded_client_addresses_are_believed_from_trusted_proxies_only(
    db, request_log, trusted, logged_client
):
    async with serving(db.settings, trusted_proxies=trusted) as api:
        await api.http.post(
            "/graphql", json={"query": AD_HOC}, headers={"X-Forwarded-For": "203.0.113.7"}
        )
    assert json.loads(request_log()[0])["client"] == logged_client


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_and_suggestions_are_off_by_default(api, make):
    anna = await make.login(Role.STAFF)
    refused = await api.post(INTROSPECTION, token=anna.token)
    assert refused["data"] is None
    assert set(error_codes(refused)) == {"BAD_REQUEST"}
    typo = await api.post("{ viewr { id } }", token=anna.token)
    [error] = typo["errors"]
    assert "viewr" in error["message"]
    assert "Did you mean" not in error["message"]


async def test_introspection_is_on_for_development(db, make):
    anna = await make.login(Role.STAFF)
    async with serving(db.settings, introspection=True) as api:
        result = await api.post(INTROSPECTION, token=anna.token)
        typo = await api.post("{ viewr { id } }", token=anna.token)
    assert result["data"]["__schema"]["queryType"]["name"] == "Query"
    assert "Did you mean" in typo["errors"][0]["message"]


# ---------------------------------------------------------------- schema changes


def _schema_check(repo, old_schema: str):
    """Run `promoplan schema-check` in a repository whose last commit held `old_schema`."""
    git = ["git", "-C", str(repo), "-c", "user.email=ci@example.com", "-c", "user.name=CI"]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "schema.graphql").write_text(old_schema)
    subprocess.run([*git, "add", "schema.graphql"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "old"], check=True)
    (repo / "schema.graphql").write_text(sdl())
    return subprocess.run(
        [sys.executable, "-m", "api", "schema-check", "--against", "HEAD"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _with_extra_query_field(deprecated: bool) -> str:
    directive = ' @deprecated(reason: "use viewer")' if deprecated else ""
    return sdl().replace("type Query {\n", f"type Query {{\n  me: User{directive}\n", 1)


def test_removing_a_field_clients_may_use_is_a_breaking_change(tmp_path):
    done = _schema_check(tmp_path, _with_extra_query_field(deprecated=False))
    assert done.returncode == 1
    assert "FIELD_REMOVED: Field Query.me was removed." in done.stdout
    assert "1 breaking change(s)" in done.stderr


def test_removing_a_field_deprecated_before_is_allowed(tmp_path):
    done = _schema_check(tmp_path, _with_extra_query_field(deprecated=True))
    assert done.returncode == 0, done.stderr
    assert "deprecated before: allowed" in done.stdout


def test_an_unchanged_schema_passes_the_check(tmp_path):
    done = _schema_check(tmp_path, sdl())
    assert done.returncode == 0, done.stderr
    assert "No breaking changes against HEAD." in done.stdout


@pytest.mark.parametrize(("deprecated", "refused"), [(False, 1), (True, 0)])
def test_removing_an_enum_value_needs_a_deprecation_first(deprecated, refused):
    directive = ' @deprecated(reason: "no longer sold")' if deprecated else ""
    old = sdl().replace("enum Role {\n", f"enum Role {{\n  GUEST{directive}\n", 1)
    changes = schema_changes(old, sdl())
    assert [c.description for c in changes] == ["Enum value Role.GUEST was removed."]
    assert len(breaking(changes)) == refused
