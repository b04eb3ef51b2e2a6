"""CRM records and the account groups that decide who sees them."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class AccountGroup(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    # Set for the group created with a staff user and named after them.
    personal_for = fields.OneToOneField(
        "models.User", related_name="personal_group", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account_groups"


class AccountGroupMember(Model):
    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[AccountGroup] = fields.ForeignKeyField(
        "models.AccountGroup", related_name="memberships", on_delete=fields.CASCADE
    )
    group_id: int
    user = fields.ForeignKeyField(
        "models.User", related_name="group_memberships", on_delete=fields.CASCADE
    )
    user_id: int
    # A substitute's membership lapses by itself after this day.
    valid_until = fields.DateField(null=True)

    class Meta:
        table = "account_group_members"
        unique_together = (("group", "user"),)


class Team(Model):
    """A pool for work distribution (membership grants no visibility)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "teams"


class TeamMember(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="memberships", on_delete=fields.CASCADE
    )
    team_id: int
    user = fields.ForeignKeyField(
        "models.User", related_name="team_memberships", on_delete=fields.CASCADE
    )
    user_id: int

    class Meta:
        table = "team_members"
        unique_together = (("team", "user"),)


class AddressKind(StrEnum):
    COMPANY = "COMPANY"
    PERSON = "PERSON"
    STORE = "STORE"


class Territory(Model):
    """A sales region in a tree. `path` ("/1/4/9/") finds a whole subtree with one prefix."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    parent = fields.ForeignKeyField(
        "models.Territory", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    parent_id: int | None
    path = fields.CharField(max_length=1000, db_index=True, default="/")

    class Meta:
        table = "territories"


class Address(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(AddressKind, max_length=10)
    name = fields.CharField(max_length=200)
    street = fields.CharField(max_length=200, default="")
    postal_code = fields.CharField(max_length=20, default="")
    city = fields.CharField(max_length=100, default="")
    country = fields.CharField(max_length=2, default="DE")
    phone = fields.CharField(max_length=20, null=True)
    email = fields.CharField(max_length=254, null=True)
    customer_number = fields.CharField(max_length=50, null=True, unique=True)
    account_group = fields.ForeignKeyField(
        "models.AccountGroup", related_name="addresses", null=True, on_delete=fields.SET_NULL
    )
    account_group_id: int | None
    secondary_account_group = fields.ForeignKeyField(
        "models.AccountGroup",
        related_name="secondary_addresses",
        null=True,
        on_delete=fields.SET_NULL,
    )
    secondary_account_group_id: int | None
    territory = fields.ForeignKeyField(
        "models.Territory", related_name="stores", null=True, on_delete=fields.SET_NULL
    )
    territory_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "addresses"
        indexes = (("name", "id"), ("account_group_id",), ("secondary_account_group_id",))


class AddressSearchTerm(Model):
    """One folded word of an address (name, city, customer number, contact names).

    Search finds terms by prefix with a range scan on `term`; `weight` ranks where it came from.
    The index holds every column a search reads, so the scan never visits the table.
    """

    id = fields.IntField(primary_key=True)
    address = fields.ForeignKeyField(
        "models.Address", related_name="search_terms", on_delete=fields.CASCADE
    )
    address_id: int
    term = fields.CharField(max_length=100)
    weight = fields.SmallIntField()

    class Meta:
        table = "address_search_terms"
        indexes = (("term", "address_id", "weight"),)


class InactivePeriod(Model):
    """Days on which a customer must not be contacted (holidays), both ends inclusive."""

    id = fields.IntField(primary_key=True)
    address = fields.ForeignKeyField(
        "models.Address", related_name="inactive_periods", on_delete=fields.CASCADE
    )
    address_id: int
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    reason = fields.CharField(max_length=200, default="")

    class Meta:
        table = "inactive_periods"


class ContactPerson(Model):
    id = fields.IntField(primary_key=True)
    address = fields.ForeignKeyField(
        "models.Address", related_name="contact_persons", on_delete=fields.CASCADE
    )
    address_id: int
    first_name = fields.CharField(max_length=100, default="")
    last_name = fields.CharField(max_length=100)
    position = fields.CharField(max_length=100, default="")
    phone = fields.CharField(max_length=20, null=True)
    email = fields.CharField(max_length=254, null=True)
    # The CUSTOMER login of the contact's portal access, once it was enabled.
    user = fields.OneToOneField(
        "models.User", related_name="contact_person", null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contact_persons"
        # An address's contacts, in the order they are listed.
        indexes = (("address_id", "last_name", "first_name", "id"),)


class ContactTerritory(Model):
    """Limits a customer contact to the stores in these territories (and their subtrees)."""

    id = fields.IntField(primary_key=True)
    contact_person = fields.ForeignKeyField(
        "models.ContactPerson", related_name="territory_links", on_delete=fields.CASCADE
    )
    contact_person_id: int
    territory = fields.ForeignKeyField(
        "models.Territory", related_name="contact_links", on_delete=fields.CASCADE
    )
    territory_id: int

    class Meta:
        table = "contact_territories"
        unique_together = (("contact_person", "territory"),)
