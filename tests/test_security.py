"""The OWASP GraphQL cheat sheet's points that concern transport and abuse: batching, GET and
cross-site form posts, body size and request budgets. (Introspection and suggestions:
test_operations.py; depth, alias, token and cost limits and masked errors:
test_request_errors.py.)"""

import asyncio

import pytest

from db.models.accounts import Role
from db.models.crm import Address
from tests.factories import PASSWORD
from tests.graphql_client import error_codes, operations, serving

CREATE_ADDRESS = (
    'mutation { createAddress(input: {kind: COMPANY, name: "Fremd"}) { errors { code } } }'
)
MULTIPART = (
    f'--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{CREATE_ADDRESS}\r\n--x--\r\n'
)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_batch_of_operations_is_refused(api, make):
    anna = await make.login(Role.STAFF)
    batch = [{"query": "{ viewer { id } }"}, {"query": CREATE_ADDRESS}]
    response = await api.http.post("/graphql", json=batch, headers=_bearer(anna.token))
    assert response.status_code == 400
    assert await Address.all().count() == 0


async def test_get_requests_run_neither_mutations_nor_queries(api, make):
    anna = await make.login(Role.STAFF)
    for query in (CREATE_ADDRESS, "{ viewer { id } }"):
        response = await api.http.get(
            "/graphql", params={"query": query}, headers=_bearer(anna.token)
        )
        assert response.status_code in (400, 405), response.text
    assert await Address.all().count() == 0


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", f"query={CREATE_ADDRESS}"),
        ("text/plain", '{"query": "' + CREATE_ADDRESS.replace('"', '\\"') + '"}'),
        (
            "multipart/form-data; boundary=x",
            MULTIPART,
        ),
    ],
)
async def test_a_cross_site_form_post_cannot_run_a_mutation(api, make, content_type, body):
    """A browser sends these content types from another site without a CORS preflight."""
    anna = await make.login(Role.STAFF)
    response = await api.http.post(
        "/graphql",
        content=body,
        headers={**_bearer(anna.token), "Content-Type": content_type},
    )
    assert response.status_code == 400
    assert await Address.all().count() == 0


async def test_a_body_over_the_limit_is_refused_before_parsing(db, make):
    anna = await make.login(Role.STAFF)
    padding = "#" * 5000
    async with serving(db.settings, max_body_bytes=4096) as api:
        small = await api.http.post(
            "/graphql", json={"query": "{ viewer { id } }"}, headers=_bearer(anna.token)
        )
        large = await api.http.post(
            "/graphql",
            json={"query": f"{padding}\n{{ viewer {{ id }} }}"},
            headers=_bearer(anna.token),
        )

        async def chunks():
            yield b'{"query": "{ viewer { id } }", "pad": "'
            for _ in range(10):
                yield b"x" * 1000
            yield b'"}'

        streamed = await api.http.post(
            "/graphql",
            content=chunks(),
            headers={**_bearer(anna.token), "Content-Type": "application/json"},
        )
    assert small.status_code == 200
    assert large.status_code == 413
    assert streamed.status_code == 413


async def test_a_token_over_its_request_budget_is_told_when_to_come_back(db, make):
    anna = await make.login(Role.STAFF)
    ben = await make.login(Role.STAFF)
    async with serving(db.settings, rate_limit_per_minute=5) as api:
        answers = [await api.post_raw("{ viewer { id } }", anna.token) for _ in range(6)]
        other = await api.post_raw("{ viewer { id } }", ben.token)
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    refused = answers[-1]
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["data"] is None
    assert error_codes(refused.json()) == ["RATE_LIMITED"]
    assert other.status_code == 200, "each credential has its own budget"


async def test_anonymous_requests_share_a_budget_per_client_address(db, make):
    anna = await make.login(Role.STAFF)
    login = 'mutation { login(email: "x@example.com", password: "guess") { token } }'
    async with serving(db.settings, rate_limit_per_minute=3) as api:
        guesses = [await api.post_raw(login) for _ in range(4)]
        signed_in = await api.post_raw("{ viewer { id } }", anna.token)
    assert [g.status_code for g in guesses] == [200, 200, 200, 429]
    assert signed_in.status_code == 200


async def test_failed_logins_are_throttled_per_client_address_too(db, make):
    """Guessing across many e-mail addresses from one place locks that place out."""
    anna = await make.login(Role.STAFF)
    login = (
        'mutation($email: String!) { login(email: $email, password: "guess") '
        "{ token errors { code } } }"
    )
    right = {"email": anna.user.email, "password": PASSWORD}
    from_far = {"X-Forwarded-For": "203.0.113.9"}
    async with serving(
        db.settings, login_max_failures_per_client=3, trusted_proxies="127.0.0.1"
    ) as api:
        for number in range(3):
            guess = await api.post(login, {"email": f"user{number}@example.com"})
            assert guess["data"]["login"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]
        locked = await api.op("Login", right)
        elsewhere = await api.http.post(
            "/graphql", json={"query": operations()["Login"], "variables": right}, headers=from_far
        )
    assert locked["data"]["login"]["token"] is None
    assert locked["data"]["login"]["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert elsewhere.json()["data"]["login"]["token"], "another client address is not locked"


async def test_a_client_that_stops_sending_its_body_is_let_go(db, make):
    anna = await make.login(Role.STAFF)
    async with serving(db.settings, body_read_timeout_seconds=0.5) as api:

        async def trickle():
            yield b'{"query": "{ viewer { id } }"'
            await asyncio.sleep(3)
            yield b"}"

        started = asyncio.get_running_loop().time()
        stalled = await api.http.post(
            "/graphql",
            content=trickle(),
            headers={**_bearer(anna.token), "Content-Type": "application/json"},
        )
        waited = asyncio.get_running_loop().time() - started
    assert stalled.status_code == 408
    assert waited < 2.5, "answered when the body stalled, not when it finished"
