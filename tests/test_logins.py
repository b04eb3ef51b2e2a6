"""Who a request acts as, found in one statement: the credential, its user, and what the
user's role is scoped by (a customer's contact person and territories, a promoter's
profile)."""

from __future__ import annotations

from api.authentication import authenticate
from api.credentials import API_TOKEN_KIND, mint_secret
from db.models.accounts import ApiToken, Role, TokenScope
from db.models.crm import Address, ContactPerson, ContactTerritory, Territory
from db.models.promotions import ApiTokenProject, Project, Promoter
from tests.sql_counter import count_queries


async def _territory(name: str, path: str) -> Territory:
    return await Territory.create(name=name, path=path)


async def _customer_contact(make, *territories: Territory):
    login = await make.login(Role.CUSTOMER)
    company = await Address.create(kind="COMPANY", name="Alpha Getränke GmbH")
    contact = await ContactPerson.create(address=company, last_name="Kunde", user=login.user)
    for territory in territories:
        await ContactTerritory.create(contact_person=contact, territory=territory)
    return login, contact


async def test_a_customer_session_brings_every_territory_in_one_statement(db, make):
    nord = await _territory("Nord", "/1/2/")
    sued = await _territory("Süd", "/1/3/")
    login, contact = await _customer_contact(make, sued, nord)
    async with count_queries() as queries:
        viewer = (await authenticate(f"Bearer {login.token}")).viewer
    assert queries.count == 1, queries.report()
    assert viewer is not None and viewer.is_customer
    assert viewer.contact_person_id == contact.id
    assert viewer.territory_paths == ("/1/2/", "/1/3/")


async def test_a_customer_without_territories_is_not_limited_by_them(db, make):
    login, contact = await _customer_contact(make)
    viewer = (await authenticate(f"Bearer {login.token}")).viewer
    assert viewer is not None
    assert (viewer.contact_person_id, viewer.territory_paths) == (contact.id, None)


async def test_a_promoter_session_knows_its_profile(db, make):
    login = await make.login(Role.PROMOTER)
    promoter = await Promoter.create(name="Paula", user=login.user)
    viewer = (await authenticate(f"Bearer {login.token}")).viewer
    assert viewer is not None and viewer.promoter_id == promoter.id
    assert viewer.contact_person_id is None


async def test_a_staff_session_carries_no_customer_or_promoter_scoping(db, make):
    login = await make.login(Role.STAFF)
    viewer = (await authenticate(f"Bearer {login.token}")).viewer
    assert viewer is not None and viewer.is_agency
    assert (viewer.contact_person_id, viewer.territory_paths, viewer.promoter_id) == (
        None,
        None,
        None,
    )


async def test_an_api_token_keeps_its_scopes_projects_and_owners_territory(db, make):
    nord = await _territory("Nord", "/1/2/")
    login, contact = await _customer_contact(make, nord)
    customer = await Address.get(id=contact.address_id)
    project = await Project.create(name="Sommer", customer=customer)
    minted = mint_secret(API_TOKEN_KIND)
    token = await ApiToken.create(
        user=login.user,
        name="ERP",
        public_id=minted.public_id,
        secret_hash=minted.secret_hash,
        # CRM_WRITE is beyond a customer: a token never exceeds its owner.
        scopes=[TokenScope.PROJECTS_READ.value, TokenScope.CRM_WRITE.value],
    )
    await ApiTokenProject.create(api_token=token, project=project)
    first = (await authenticate(f"Bearer {minted.secret}")).viewer
    # Used a moment ago: the lookup and the token's projects, no write.
    async with count_queries() as queries:
        again = (await authenticate(f"Bearer {minted.secret}")).viewer
    assert queries.count == 2, queries.report()
    assert first == again
    assert again is not None and again.api_token_id == token.id
    assert again.scopes == {TokenScope.PROJECTS_READ}
    assert again.project_ids == {project.id}
    assert (again.contact_person_id, again.territory_paths) == (contact.id, ("/1/2/",))
    assert (await ApiToken.get(id=token.id)).last_used_at is not None
