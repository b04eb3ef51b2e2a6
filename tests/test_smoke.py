from tests.graphql_client import error_codes


async def test_viewer_answers_for_the_logged_in_user(api, make):
    login = await make.login()
    result = await api.op("Viewer", token=login.token)
    assert result["data"]["viewer"]["name"] == login.user.name


async def test_viewer_without_token_is_unauthenticated(api):
    assert error_codes(await api.op("Viewer")) == ["UNAUTHENTICATED"]


async def test_graphiql_is_served_to_browsers(api):
    response = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
