"""Addresses: finding them by search, and creating and changing them (and their contacts)
with every bad input reported against the field at fault."""

import pytest
from strawberry.relay import to_base64

from db.models.accounts import Role
from db.models.crm import AccountGroup, Address, AddressSearchTerm, ContactPerson
from tests.graphql_client import error_codes

# SearchAddresses without the client's `$first: Int = 10`, to see the server's own default.
SEARCH_WITHOUT_FIRST = """
query($search: String, $after: String) {
  addresses(search: $search, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { name } }
  }
}"""


def _errors(payload: dict) -> set[tuple[str | None, str]]:
    return {(e["field"], e["code"]) for e in payload["errors"]}


async def _create(api, login, name: str, kind: str = "COMPANY", **fields) -> str:
    result = await api.op(
        "CreateAddress", {"input": {"kind": kind, "name": name, **fields}}, login.token
    )
    payload = result["data"]["createAddress"]
    assert payload["errors"] == [], payload
    return payload["address"]["id"]


async def _contact(api, login, address_id: str, last_name: str, **fields) -> dict:
    result = await api.op(
        "CreateContactPerson",
        {"input": {"addressId": address_id, "lastName": last_name, **fields}},
        login.token,
    )
    payload = result["data"]["createContactPerson"]
    assert payload["errors"] == [], payload
    return payload["contactPerson"]


async def _search_page(api, login, search: str | None, **variables) -> dict:
    result = await api.op("SearchAddresses", {"search": search, **variables}, login.token)
    assert "errors" not in result, result
    return result["data"]["addresses"]


async def _found(api, login, search: str | None, **variables) -> list[str]:
    """The names a search lists on its first page of up to 100, best first."""
    page = await _search_page(api, login, search, first=100, **variables)
    names = [e["node"]["name"] for e in page["edges"]]
    assert page["totalCount"] == len(names), (search, page["totalCount"], names)
    return names


async def _detail(api, login, address_id: str) -> dict:
    result = await api.op("AddressDetail", {"id": address_id}, login.token)
    assert "errors" not in result, result
    return result["data"]["node"]


async def _update(api, login, address_id: str, **fields) -> dict:
    result = await api.op("UpdateAddress", {"input": {"id": address_id, **fields}}, login.token)
    assert "errors" not in result, result
    return result["data"]["updateAddress"]


async def _territory(api, login, name: str) -> str:
    result = await api.op("CreateTerritory", {"input": {"name": name}}, login.token)
    payload = result["data"]["createTerritory"]
    assert payload["errors"] == [], payload
    return payload["territory"]["id"]


async def _group(api, login, name: str) -> str:
    result = await api.op(
        "CreateAccountGroup", {"input": {"name": name, "memberIds": []}}, login.token
    )
    payload = result["data"]["createAccountGroup"]
    assert payload["errors"] == [], payload
    return payload["accountGroup"]["id"]


async def _personal_group(login) -> str:
    return to_base64("AccountGroup", (await AccountGroup.get(personal_for_id=login.user.id)).id)


# ---------------------------------------------------------------- what a search word matches


@pytest.fixture
async def admin(make):
    return await make.login(Role.ADMIN, name="Ada Admin")


@pytest.fixture
async def mueller(api, admin) -> str:
    """Müller GmbH in Bad Homburg, customer K-4711, contact Frieda Schneider; and a decoy."""
    address = await _create(api, admin, "Müller GmbH", city="Bad Homburg", customerNumber="K-4711")
    await _contact(api, admin, address, "Schneider", firstName="Frieda")
    decoy = await _create(api, admin, "Bauer AG", city="Köln", customerNumber="B-100")
    await _contact(api, admin, decoy, "Wagner", firstName="Otto")
    return address


@pytest.mark.parametrize(
    "search",
    [
        "Müller",
        "Mül",
        "gmb",
        "Homburg",
        "hom",
        "bad",
        "K-4711",
        "K-47",
        "4711",
        "Frieda",
        "fri",
        "Schneider",
        "schnei",
    ],
)
async def test_a_word_finds_the_start_of_a_word_of_name_city_number_or_contact(
    api, admin, mueller, search
):
    assert await _found(api, admin, search) == ["Müller GmbH"]


@pytest.mark.parametrize("search", ["ller", "mbh", "burg", "711", "ieda", "neider", "üller"])
async def test_a_word_inside_a_word_finds_nothing(api, admin, mueller, search):
    assert await _found(api, admin, search) == []


@pytest.mark.parametrize("search", ["muller", "MÜLLER", "mueller", "MUELLER", "mÜl", "müll"])
async def test_search_ignores_case_and_accents_and_knows_spelt_out_umlauts(
    api, admin, mueller, search
):
    assert await _found(api, admin, search) == ["Müller GmbH"]


@pytest.mark.parametrize("search", ["strasse", "STRASSE", "straße", "Stras", "getranke", "getrae"])
async def test_sharp_s_and_umlauts_in_a_name_are_found_spelt_out(api, admin, search):
    await _create(api, admin, "Getränke an der Straße")
    await _create(api, admin, "Stadtmarkt Köln")
    assert await _found(api, admin, search) == ["Getränke an der Straße"]


async def test_both_words_must_match_possibly_in_different_fields(api, admin):
    await _create(api, admin, "Müller GmbH", city="Berlin")
    await _create(api, admin, "Müller KG", city="Hamburg")
    await _create(api, admin, "Berliner Bäckerei", city="Berlin")
    assert await _found(api, admin, "müller berlin") == ["Müller GmbH"]
    assert await _found(api, admin, "hamb MÜL") == ["Müller KG"]
    assert await _found(api, admin, "berlin bäck") == ["Berliner Bäckerei"]
    assert await _found(api, admin, "müller köln") == []


async def test_a_third_word_is_ignored_without_an_error(api, admin):
    await _create(api, admin, "Müller GmbH", city="Berlin")
    await _create(api, admin, "Müller KG", city="Hamburg")
    assert await _found(api, admin, "müller berlin nirgendwo") == ["Müller GmbH"]
    assert await _found(api, admin, "müller berlin hamburg") == ["Müller GmbH"]


@pytest.mark.parametrize("search", [None, "", "   ", "!!!", " - / ... ", "&"])
async def test_a_blank_or_punctuation_only_search_lists_everything(api, admin, search):
    for name in ("Cäsar OHG", "Anton AG", "Berta GmbH"):
        await _create(api, admin, name)
    assert sorted(await _found(api, admin, search)) == ["Anton AG", "Berta GmbH", "Cäsar OHG"]


@pytest.mark.parametrize(
    ("name", "search"),
    [
        ("Müller-Lüdenscheidt KG", "Müller-Lüdenscheidt"),
        ("Coca-Cola Erfrischungsgetränke AG", "coca-cola"),
        ("McDonald's Restaurant", "McDonald's"),
    ],
)
async def test_a_name_typed_as_it_is_written_finds_the_address(api, admin, name, search):
    await _create(api, admin, name)
    await _create(api, admin, "Bauer AG")
    assert await _found(api, admin, search) == [name]


async def test_a_contact_makes_its_address_findable_by_the_contacts_name(api, admin):
    address = await _create(api, admin, "Edeka Center")
    assert await _found(api, admin, "krüger") == []
    await _contact(api, admin, address, "Krüger", firstName="Jörg")
    assert await _found(api, admin, "krüger") == ["Edeka Center"]
    assert await _found(api, admin, "joerg krueger") == ["Edeka Center"]
    assert await _found(api, admin, "jorg edeka") == ["Edeka Center"]


async def test_a_changed_address_is_found_by_its_new_words_only(api, admin):
    address = await _create(api, admin, "Müller GmbH", city="Berlin", customerNumber="K-1")
    updated = await _update(
        api, admin, address, name="Schmidt GmbH", city="Potsdam", customerNumber="K-2"
    )
    assert updated["errors"] == []
    for gone in ("müller", "berlin", "K-1"):
        assert await _found(api, admin, gone) == [], gone
    for search in ("schmidt", "potsdam", "K-2", "gmbh"):
        assert await _found(api, admin, search) == ["Schmidt GmbH"], search


# ---------------------------------------------------------------- page size and paging


@pytest.mark.parametrize("search", ["kiosk", None])
async def test_at_most_ten_addresses_come_by_default_and_the_rest_follows(api, admin, search):
    names = [f"Kiosk {n:02}" for n in range(1, 13)]
    for name in reversed(names):
        await _create(api, admin, name)
    first = (await api.post(SEARCH_WITHOUT_FIRST, {"search": search}, admin.token))["data"]
    page = first["addresses"]
    assert page["totalCount"] == 12
    assert len(page["edges"]) == 10
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    rest = (await api.post(SEARCH_WITHOUT_FIRST, {"search": search, "after": after}, admin.token))[
        "data"
    ]["addresses"]
    assert rest["totalCount"] == 12
    assert rest["pageInfo"]["hasNextPage"] is False
    listed = [e["node"]["name"] for e in page["edges"] + rest["edges"]]
    assert listed == names


async def test_the_client_search_op_asks_for_ten(api, admin):
    for n in range(1, 13):
        await _create(api, admin, f"Kiosk {n:02}")
    page = await _search_page(api, admin, "kiosk")
    assert len(page["edges"]) == 10
    assert page["totalCount"] == 12


async def test_paging_through_a_search_skips_and_repeats_nothing(api, admin):
    for name in ("Kiosk Anton", "Kiosk Berta", "Kiosk Cäsar", "Kiosk Dora"):
        await _create(api, admin, name)  # exact word in the name
    for name in ("Kioskbar Nord", "Kioskbar Süd", "Kioskwelt"):
        await _create(api, admin, name)  # a prefix in the name
    for name in ("Apotheke Mitte", "Bäckerei Ost", "Café West"):
        await _create(api, admin, name, city="Kioskhausen")  # a prefix in the city
    await _create(api, admin, "Bahnhofsmarkt", city="Köln")  # no match
    everything = await _found(api, admin, "kiosk")
    assert len(everything) == 10
    paged, after, pages = [], None, 0
    while True:
        page = await _search_page(api, admin, "kiosk", first=3, after=after)
        assert page["totalCount"] == 10
        assert len(page["edges"]) <= 3
        paged += [e["node"]["name"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 4
    assert paged == everything
    assert len(set(paged)) == 10


# ---------------------------------------------------------------- ranking and filters


async def test_a_name_match_ranks_above_a_city_only_match(api, admin):
    await _create(api, admin, "Alpha Markt", city="Berlin")
    await _create(api, admin, "Zoo Berlin Kiosk", city="Potsdam")
    assert await _found(api, admin, "berlin") == ["Zoo Berlin Kiosk", "Alpha Markt"]


async def test_an_exact_word_ranks_above_a_prefix(api, admin):
    await _create(api, admin, "Bergmann Apotheke")
    await _create(api, admin, "Zentrale Berg")
    await _create(api, admin, "Bergerhof")
    assert await _found(api, admin, "berg") == ["Zentrale Berg", "Bergerhof", "Bergmann Apotheke"]


async def test_the_kind_filter_combines_with_the_search(api, admin):
    await _create(api, admin, "Müller GmbH", kind="COMPANY")
    await _create(api, admin, "Müller Markt", kind="STORE")
    await _create(api, admin, "Hans Müller", kind="PERSON")
    await _create(api, admin, "Edeka Markt", kind="STORE")
    assert await _found(api, admin, "müller", kind="STORE") == ["Müller Markt"]
    assert await _found(api, admin, "müller", kind="PERSON") == ["Hans Müller"]
    assert await _found(api, admin, "markt", kind="COMPANY") == []
    assert sorted(await _found(api, admin, None, kind="STORE")) == ["Edeka Markt", "Müller Markt"]


async def test_staff_search_only_the_addresses_of_their_groups(api, make, admin):
    staff = await make.login(Role.STAFF, name="Sam Staff")
    other = await make.login(Role.STAFF, name="Olga Other")
    mine, theirs = await _personal_group(staff), await _personal_group(other)
    await _create(api, admin, "Müller Nord", accountGroupId=mine)
    await _create(api, admin, "Müller Zweit", accountGroupId=theirs, secondaryAccountGroupId=mine)
    await _create(api, admin, "Müller Süd", accountGroupId=theirs)
    await _create(api, admin, "Müller ohne Gruppe")
    hidden = await _create(api, admin, "Schulz AG", accountGroupId=theirs)
    await _contact(api, admin, hidden, "Müller", firstName="Hans")

    assert await _found(api, staff, "müller") == ["Müller Nord", "Müller Zweit"]
    assert await _found(api, staff, "schulz") == []
    assert await _found(api, staff, "müller süd") == []
    first = await _search_page(api, staff, "müller", first=1)
    assert first["totalCount"] == 2
    second = await _search_page(api, staff, "müller", first=1, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["name"] for e in second["edges"]] == ["Müller Zweit"]
    assert second["pageInfo"]["hasNextPage"] is False
    assert len(await _found(api, admin, "müller")) == 5


async def test_a_staff_users_new_address_is_in_their_own_search(api, make):
    staff = await make.login(Role.STAFF, name="Sam Staff")
    await _create(api, staff, "Neukunde Meier")
    assert await _found(api, staff, "meier") == ["Neukunde Meier"]


# ---------------------------------------------------------------- creating: bad input


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": ""}, {("name", "REQUIRED")}),
        ({"name": "   "}, {("name", "REQUIRED")}),
        ({"email": "not-an-address"}, {("email", "INVALID")}),
        ({"email": "info@"}, {("email", "INVALID")}),
        ({"phone": "12345"}, {("phone", "INVALID")}),
        ({"phone": "call me maybe"}, {("phone", "INVALID")}),
        ({"country": "XX"}, {("country", "INVALID")}),
        ({"country": "Germany"}, {("country", "INVALID")}),
        ({"name": "M" * 201}, {("name", "INVALID")}),
        ({"city": "B" * 101}, {("city", "INVALID")}),
        ({"customerNumber": "K" * 51}, {("customerNumber", "INVALID")}),
        (
            {"name": " ", "email": "x@", "phone": "abc", "country": "ZZ"},
            {
                ("name", "REQUIRED"),
                ("email", "INVALID"),
                ("phone", "INVALID"),
                ("country", "INVALID"),
            },
        ),
    ],
)
async def test_bad_address_input_names_the_field_and_creates_nothing(api, admin, fields, expected):
    input_ = {"kind": "COMPANY", "name": "Müller GmbH", **fields}
    result = await api.op("CreateAddress", {"input": input_}, admin.token)
    payload = result["data"]["createAddress"]
    assert payload["address"] is None
    assert _errors(payload) == expected
    assert await Address.all().count() == 0
    assert await AddressSearchTerm.all().count() == 0
    assert await _found(api, admin, None) == []


@pytest.mark.parametrize("country", ["XX", "Germany"])
async def test_a_bad_country_is_reported_on_country_alone(api, admin, country):
    input_ = {"kind": "COMPANY", "name": "Müller GmbH", "country": country}
    result = await api.op(
        "CreateAddress", {"input": {**input_, "phone": "030 1234567"}}, admin.token
    )
    payload = result["data"]["createAddress"]
    assert payload["address"] is None
    assert _errors(payload) == {("country", "INVALID")}
    assert await Address.all().count() == 0


async def test_a_new_address_is_read_back_with_its_phone_in_e164(api, admin):
    berlin = await _create(
        api,
        admin,
        "Müller GmbH",
        street="Hauptstraße 1",
        postalCode="10115",
        city="Berlin",
        phone="030 1234567",
        email="Info@Mueller.example.com",
        customerNumber=" K-4711 ",
    )
    detail = await _detail(api, admin, berlin)
    assert detail["phone"] == "+49301234567"
    assert detail["country"] == "DE"
    assert detail["street"] == "Hauptstraße 1"
    assert detail["postalCode"] == "10115"
    assert detail["customerNumber"] == "K-4711"
    assert detail["email"].lower() == "info@mueller.example.com"

    vienna = await _create(api, admin, "Wiener Kaffee", country="at", phone="01 58858 0")
    detail = await _detail(api, admin, vienna)
    assert detail["country"] == "AT"
    assert detail["phone"] == "+431588580"


async def test_a_customer_number_is_unique(api, admin):
    await _create(api, admin, "Müller GmbH", customerNumber="K-100")
    for number in ("K-100", "  K-100 "):
        result = await api.op(
            "CreateAddress",
            {"input": {"kind": "COMPANY", "name": "Zweite GmbH", "customerNumber": number}},
            admin.token,
        )
        payload = result["data"]["createAddress"]
        assert payload["address"] is None
        assert _errors(payload) == {("customerNumber", "DUPLICATE")}
    assert await Address.all().count() == 1
    assert await _found(api, admin, "zweite") == []
    # Addresses without a number do not collide.
    await _create(api, admin, "Ohne Nummer 1")
    await _create(api, admin, "Ohne Nummer 2", customerNumber="")
    assert await Address.all().count() == 3


async def test_an_existing_customer_number_is_a_duplicate_on_update_too(api, admin):
    await _create(api, admin, "Müller GmbH", customerNumber="K-100")
    other = await _create(api, admin, "Bauer AG", customerNumber="K-200")
    payload = await _update(api, admin, other, customerNumber="K-100", city="Köln")
    assert payload["address"] is None
    assert _errors(payload) == {("customerNumber", "DUPLICATE")}
    detail = await _detail(api, admin, other)
    assert (detail["customerNumber"], detail["city"]) == ("K-200", "")
    assert await _found(api, admin, "K-200") == ["Bauer AG"]
    assert await _found(api, admin, "köln") == []


async def test_only_a_store_belongs_to_a_territory(api, admin):
    nord = await _territory(api, admin, "Nord")
    result = await api.op(
        "CreateAddress",
        {"input": {"kind": "COMPANY", "name": "Müller GmbH", "territoryId": nord}},
        admin.token,
    )
    payload = result["data"]["createAddress"]
    assert payload["address"] is None
    assert _errors(payload) == {("territoryId", "INVALID")}
    assert await Address.all().count() == 0

    store = await _create(api, admin, "Edeka Markt", kind="STORE", territoryId=nord)
    assert (await _detail(api, admin, store))["territory"] == {"id": nord, "name": "Nord"}

    company = await _create(api, admin, "Bauer AG")
    payload = await _update(api, admin, company, territoryId=nord)
    assert _errors(payload) == {("territoryId", "INVALID")}
    assert (await _detail(api, admin, company))["territory"] is None

    payload = await _update(api, admin, store, kind="COMPANY")
    assert _errors(payload) == {("kind", "INVALID")}
    detail = await _detail(api, admin, store)
    assert (detail["kind"], detail["territory"]) == ("STORE", {"id": nord, "name": "Nord"})


async def test_the_secondary_account_group_must_differ_from_the_primary(api, admin):
    nord = await _group(api, admin, "Nord")
    sued = await _group(api, admin, "Süd")
    result = await api.op(
        "CreateAddress",
        {
            "input": {
                "kind": "COMPANY",
                "name": "Müller GmbH",
                "accountGroupId": nord,
                "secondaryAccountGroupId": nord,
            }
        },
        admin.token,
    )
    payload = result["data"]["createAddress"]
    assert payload["address"] is None
    assert _errors(payload) == {("secondaryAccountGroupId", "INVALID")}
    assert await Address.all().count() == 0

    address = await _create(
        api, admin, "Müller GmbH", accountGroupId=nord, secondaryAccountGroupId=sued
    )
    payload = await _update(api, admin, address, secondaryAccountGroupId=nord)
    assert _errors(payload) == {("secondaryAccountGroupId", "INVALID")}
    payload = await _update(api, admin, address, accountGroupId=sued)
    assert _errors(payload) == {("secondaryAccountGroupId", "INVALID")}
    detail = await _detail(api, admin, address)
    assert detail["accountGroup"] == {"id": nord, "name": "Nord"}
    assert detail["secondaryAccountGroup"] == {"id": sued, "name": "Süd"}


async def test_staff_cannot_make_their_personal_group_primary_and_secondary_at_once(api, make):
    # Staff who give no primary group get their personal one; naming that same group as
    # the secondary one makes the two equal.
    staff = await make.login(Role.STAFF, name="Sam Staff")
    mine = await _personal_group(staff)
    result = await api.op(
        "CreateAddress",
        {"input": {"kind": "COMPANY", "name": "Müller GmbH", "secondaryAccountGroupId": mine}},
        staff.token,
    )
    payload = result["data"]["createAddress"]
    assert payload["address"] is None
    assert _errors(payload) == {("secondaryAccountGroupId", "INVALID")}
    assert await Address.all().count() == 0


async def test_field_errors_and_cross_field_errors_are_reported_together(api, admin):
    nord = await _group(api, admin, "Nord")
    territory = await _territory(api, admin, "Nord")
    result = await api.op(
        "CreateAddress",
        {
            "input": {
                "kind": "COMPANY",
                "name": " ",
                "email": "kaputt",
                "accountGroupId": nord,
                "secondaryAccountGroupId": nord,
                "territoryId": territory,
            }
        },
        admin.token,
    )
    payload = result["data"]["createAddress"]
    assert payload["address"] is None
    assert _errors(payload) == {
        ("name", "REQUIRED"),
        ("email", "INVALID"),
        ("secondaryAccountGroupId", "INVALID"),
        ("territoryId", "INVALID"),
    }
    assert await Address.all().count() == 0


# ---------------------------------------------------------------- updating


@pytest.fixture
async def full_address(api, admin) -> str:
    return await _create(
        api,
        admin,
        "Müller GmbH",
        street="Hauptstraße 1",
        postalCode="10115",
        city="Berlin",
        phone="030 1234567",
        email="info@mueller.example.com",
        customerNumber="K-4711",
    )


_POSTAL = ("kind", "name", "street", "postalCode", "city", "country", "phone", "email")


def _postal(detail: dict) -> dict:
    """The address's own fields as AddressDetail shows them."""
    return {k: detail[k] for k in (*_POSTAL, "customerNumber")}


async def test_update_changes_only_the_given_fields(api, admin, full_address):
    before = _postal(await _detail(api, admin, full_address))
    payload = await _update(api, admin, full_address, city="Potsdam", postalCode="14467")
    assert payload["errors"] == []
    assert payload["address"]["name"] == "Müller GmbH"
    after = _postal(await _detail(api, admin, full_address))
    assert after == {**before, "city": "Potsdam", "postalCode": "14467"}


async def test_an_explicit_null_clears_an_optional_field_and_omitted_ones_stay(
    api, admin, full_address
):
    before = _postal(await _detail(api, admin, full_address))
    payload = await _update(api, admin, full_address, phone=None, email=None)
    assert payload["errors"] == []
    after = _postal(await _detail(api, admin, full_address))
    assert after == {**before, "phone": None, "email": None}
    payload = await _update(api, admin, full_address, customerNumber=None)
    assert payload["errors"] == []
    assert (await _detail(api, admin, full_address))["customerNumber"] is None
    await _create(api, admin, "Nachfolger AG", customerNumber="K-4711")


async def test_a_secondary_group_is_cleared_by_null(api, admin):
    nord, sued = await _group(api, admin, "Nord"), await _group(api, admin, "Süd")
    address = await _create(
        api, admin, "Müller GmbH", accountGroupId=nord, secondaryAccountGroupId=sued
    )
    payload = await _update(api, admin, address, secondaryAccountGroupId=None)
    assert payload["errors"] == []
    assert payload["address"]["accountGroup"] == {"id": nord}
    assert payload["address"]["secondaryAccountGroup"] is None


async def test_an_updated_phone_is_stored_in_e164_for_the_addresss_country(api, admin):
    address = await _create(api, admin, "Wiener Kaffee", country="AT")
    payload = await _update(api, admin, address, phone="0664 1234567")
    assert payload["errors"] == []
    assert (await _detail(api, admin, address))["phone"] == "+436641234567"
    payload = await _update(api, admin, address, country="DE", phone="030 1234567")
    assert payload["errors"] == []
    detail = await _detail(api, admin, address)
    assert (detail["country"], detail["phone"]) == ("DE", "+49301234567")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": "  "}, {("name", "REQUIRED")}),
        ({"name": None}, {("name", "REQUIRED")}),
        ({"email": "kaputt", "city": "Potsdam"}, {("email", "INVALID")}),
        ({"phone": "12345", "name": "Neu GmbH"}, {("phone", "INVALID")}),
        ({"country": "XX"}, {("country", "INVALID")}),
        (
            {"name": "", "email": "@", "phone": "x", "country": "Deutschland"},
            {
                ("name", "REQUIRED"),
                ("email", "INVALID"),
                ("phone", "INVALID"),
                ("country", "INVALID"),
            },
        ),
    ],
)
async def test_a_bad_update_reports_every_field_and_changes_nothing(
    api, admin, full_address, fields, expected
):
    before = _postal(await _detail(api, admin, full_address))
    payload = await _update(api, admin, full_address, **fields)
    assert payload["address"] is None
    assert _errors(payload) == expected
    assert _postal(await _detail(api, admin, full_address)) == before
    assert await _found(api, admin, "müller") == ["Müller GmbH"]


@pytest.mark.parametrize(
    "address_id",
    [
        to_base64("Address", 999_999),
        to_base64("ContactPerson", 1),
        "garbage",
        "",
        "QWRkcmVzczphYmM=",  # Address:abc
    ],
)
async def test_updating_an_unknown_address_is_not_found_on_id(api, admin, address_id):
    await _create(api, admin, "Müller GmbH")
    payload = await _update(api, admin, address_id, name="Gekapert")
    assert payload["address"] is None
    assert _errors(payload) == {("id", "NOT_FOUND")}
    assert await _found(api, admin, None) == ["Müller GmbH"]


# ---------------------------------------------------------------- contact persons and detail


async def test_a_new_contact_person_appears_on_its_address(api, admin):
    address = await _create(api, admin, "Müller GmbH")
    contact = await _contact(
        api,
        admin,
        address,
        "Schneider",
        firstName="Frieda",
        position="Einkauf",
        phone="0171 2345678",
        email="frieda@mueller.example.com",
    )
    assert contact["lastName"] == "Schneider"
    persons = (await _detail(api, admin, address))["contactPersons"]
    assert persons == [
        {
            "id": contact["id"],
            "firstName": "Frieda",
            "lastName": "Schneider",
            "position": "Einkauf",
            "phone": "+491712345678",
            "email": "frieda@mueller.example.com",
            "portalAccess": False,
        }
    ]
    assert await _found(api, admin, "schneider") == ["Müller GmbH"]
    assert await _found(api, admin, "frieda müller") == ["Müller GmbH"]


async def test_a_contacts_phone_is_read_for_its_addresss_country(api, admin):
    address = await _create(api, admin, "Wiener Kaffee", country="AT")
    await _contact(api, admin, address, "Huber", phone="01 58858 0")
    persons = (await _detail(api, admin, address))["contactPersons"]
    assert [p["phone"] for p in persons] == ["+431588580"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"lastName": ""}, {("lastName", "REQUIRED")}),
        ({"lastName": "  "}, {("lastName", "REQUIRED")}),
        ({"phone": "12345"}, {("phone", "INVALID")}),
        ({"email": "frieda@"}, {("email", "INVALID")}),
        (
            {"lastName": " ", "phone": "nope", "email": "nope"},
            {("lastName", "REQUIRED"), ("phone", "INVALID"), ("email", "INVALID")},
        ),
    ],
)
async def test_bad_contact_input_names_the_field_and_creates_nothing(api, admin, fields, expected):
    address = await _create(api, admin, "Müller GmbH")
    input_ = {"addressId": address, "lastName": "Schneider", **fields}
    result = await api.op("CreateContactPerson", {"input": input_}, admin.token)
    payload = result["data"]["createContactPerson"]
    assert payload["contactPerson"] is None
    assert _errors(payload) == expected
    assert await ContactPerson.all().count() == 0
    assert (await _detail(api, admin, address))["contactPersons"] == []
    assert await _found(api, admin, "schneider") == []


async def test_a_contact_for_an_unknown_address_is_not_found(api, admin):
    result = await api.op(
        "CreateContactPerson",
        {"input": {"addressId": to_base64("Address", 999_999), "lastName": "Schneider"}},
        admin.token,
    )
    payload = result["data"]["createContactPerson"]
    assert payload["contactPerson"] is None
    assert _errors(payload) == {("addressId", "NOT_FOUND")}
    assert await ContactPerson.all().count() == 0


async def test_a_new_address_has_no_activities_memberships_or_contacts(api, admin):
    address = await _create(api, admin, "Müller GmbH", kind="PERSON")
    detail = await _detail(api, admin, address)
    assert detail["id"] == address
    assert (detail["kind"], detail["name"]) == ("PERSON", "Müller GmbH")
    assert detail["activities"] == {"totalCount": 0, "edges": []}
    assert detail["campaignMemberships"] == []
    assert detail["contactPersons"] == []
    assert (detail["accountGroup"], detail["secondaryAccountGroup"]) == (None, None)
    assert detail["territory"] is None


async def test_nobody_signed_in_may_search(api, admin):
    await _create(api, admin, "Müller GmbH")
    result = await api.op("SearchAddresses", {"search": "müller"})
    assert error_codes(result) == ["UNAUTHENTICATED"]


async def test_a_search_page_over_100_is_a_bad_request(api, admin):
    await _create(api, admin, "Müller GmbH")
    result = await api.op("SearchAddresses", {"search": "müller", "first": 101}, admin.token)
    assert error_codes(result) == ["BAD_REQUEST"]
