from tests.graphql_client import error_codes


async def test_viewer_answers_for_the_logged_in_user(api, make):
    login = await make.login()
    result = await api.op("Viewer", token=login.token)
    assert result["data"]["viewer"]["name"] == login.user.name


async def test_viewer_without_token_is_unauthenticated(api):
    assert error_codes(await api.op("Viewer")) == ["UNAUTHENTICATED"]
