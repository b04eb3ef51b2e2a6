"""Promoters, projects, their report fields, locations and customer contacts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from api.credentials import hash_password
from api.permissions.scoping import (
    visible_appointments,
    visible_booking_parts,
    visible_bookings,
    visible_locations,
    visible_projects,
    visible_promoters,
)
from api.permissions.viewer import Viewer
from api.resolvers import inputs
from api.resolvers.activities import agency_user
from api.resolvers.addresses import address_argument
from api.resolvers.contacts import contact_argument
from api.resolvers.failures import ErrorCode, FailureCollector, UserFailure
from api.resolvers.pagination import Page, PageRequest, paginate
from db.models.accounts import Role, User
from db.models.crm import AddressKind
from db.models.promotions import (
    Appointment,
    Booking,
    Location,
    Project,
    ProjectContact,
    Promoter,
    Report,
    ReportField,
    ReportFieldType,
)


@dataclass(frozen=True, slots=True)
class NewPromoter:
    name: str
    phone: str | None = None
    email: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    birth_date: date | None = None
    notes: str | None = None
    password: str | None = None


@dataclass(frozen=True, slots=True)
class NewProject:
    customer_id: str
    name: str
    description: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    responsible_id: str | None = None


M = TypeVar("M", bound=Model)

SCOPES: dict[type[Model], Callable[[Viewer], Q]] = {
    Project: visible_projects,
    Location: visible_locations,
    Appointment: visible_appointments,
    Booking: visible_bookings,
    Promoter: visible_promoters,
    Report: visible_booking_parts,
}


async def visible_row(model: type[M], viewer: Viewer, pk: int) -> M | None:
    """A promotions object by primary key, if the viewer may see it."""
    return await model.filter(SCOPES[model](viewer), pk=pk).first()


async def visible_argument(model: type[M], viewer: Viewer, global_id: str, field: str) -> M:
    """The object a mutation argument names; NOT_FOUND when it is not visible."""
    type_name = model.__name__
    row = await visible_row(model, viewer, inputs.node_pk(global_id, type_name, field))
    if row is None:
        raise UserFailure.of(field, ErrorCode.NOT_FOUND, f"No {type_name} with this ID.")
    return row


async def project_argument(viewer: Viewer, global_id: str, field: str) -> Project:
    return await visible_argument(Project, viewer, global_id, field)


async def create_promoter(new: NewPromoter) -> Promoter:
    problems = FailureCollector()
    name = problems.check(inputs.required_text, new.name, "name")
    phone = problems.check(lambda v, f: inputs.phone_number(v, f), new.phone, "phone")
    email = problems.check(inputs.optional_email, new.email, "email")
    street = problems.check(inputs.optional_text, new.street, "street")
    postal_code = problems.check(
        lambda v, f: inputs.optional_text(v, f, 20), new.postal_code, "postalCode"
    )
    city = problems.check(lambda v, f: inputs.optional_text(v, f, 100), new.city, "city")
    notes = problems.check(lambda v, f: inputs.optional_text(v, f, 20_000), new.notes, "notes")
    password = None
    if new.password is not None:
        password = problems.check(inputs.new_password, new.password, "password")
        if not email:
            problems.add("email", ErrorCode.REQUIRED, "A promoter login needs an e-mail.")
    problems.raise_if_any()
    user = None
    if password is not None:
        password_hash = await asyncio.to_thread(hash_password, password)
        try:
            async with in_transaction():
                user = await User.create(
                    email=email, name=name, role=Role.PROMOTER, password_hash=password_hash
                )
        except IntegrityError:
            raise UserFailure.of(
                "email", ErrorCode.DUPLICATE, "A login with this e-mail exists."
            ) from None
    return await Promoter.create(
        name=name,
        phone=phone,
        email=email,
        street=street,
        postal_code=postal_code,
        city=city,
        birth_date=new.birth_date,
        notes=notes,
        user=user,
    )


async def find_promoters(viewer: Viewer, page: PageRequest) -> Page[Promoter]:
    return await paginate(Promoter.filter(visible_promoters(viewer)), ("name", "id"), page)


def _period(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise UserFailure.of("endsOn", ErrorCode.INVALID, "endsOn must not lie before startsOn.")


async def create_project(viewer: Viewer, new: NewProject) -> Project:
    problems = FailureCollector()
    customer = await problems.check_async(
        lambda v, f: address_argument(viewer, v, f), new.customer_id, "customerId"
    )
    name = problems.check(inputs.required_text, new.name, "name")
    description = problems.check(
        lambda v, f: inputs.optional_text(v, f, 20_000), new.description, "description"
    )
    responsible = None
    if new.responsible_id:
        responsible = await problems.check_async(agency_user, new.responsible_id, "responsibleId")
    problems.raise_if_any()
    _period(new.starts_on, new.ends_on)
    return await Project.create(
        customer_id=customer.id,
        name=name,
        description=description,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
        responsible_id=responsible.id if responsible else None,
    )


async def add_report_field(
    viewer: Viewer, project_id: str, label: str, type_: ReportFieldType, required: bool
) -> Project:
    project = await project_argument(viewer, project_id, "projectId")
    label = inputs.required_text(label, "label")
    if await ReportField.exists(project_id=project.id, label=label):
        raise UserFailure.of(
            "label", ErrorCode.DUPLICATE, "The project has a field with this label."
        )
    await ReportField.create(project_id=project.id, label=label, type=type_, required=required)
    return project


async def add_location(viewer: Viewer, project_id: str, store_id: str) -> Location:
    problems = FailureCollector()
    project = await problems.check_async(
        lambda v, f: project_argument(viewer, v, f), project_id, "projectId"
    )
    store = await problems.check_async(
        lambda v, f: address_argument(viewer, v, f), store_id, "storeId"
    )
    problems.raise_if_any()
    if store.kind != AddressKind.STORE:
        raise UserFailure.of("storeId", ErrorCode.INVALID, "A location must be a STORE address.")
    try:
        async with in_transaction():
            return await Location.create(project_id=project.id, store_id=store.id)
    except IntegrityError:
        raise UserFailure.of(
            "storeId", ErrorCode.DUPLICATE, "This store is already a location of the project."
        ) from None


async def assign_project_contact(viewer: Viewer, project_id: str, contact_id: str) -> Project:
    """Put a contact of the project's customer with portal access into the project."""
    problems = FailureCollector()
    project = await problems.check_async(
        lambda v, f: project_argument(viewer, v, f), project_id, "projectId"
    )
    contact = await problems.check_async(
        lambda v, f: contact_argument(viewer, v, f), contact_id, "contactPersonId"
    )
    problems.raise_if_any()
    if contact.address_id != project.customer_id:
        raise UserFailure.of(
            "contactPersonId", ErrorCode.INVALID, "The contact does not belong to the customer."
        )
    if contact.user_id is None or not await User.exists(id=contact.user_id, is_active=True):
        raise UserFailure.of(
            "contactPersonId", ErrorCode.INVALID, "The contact has no portal access."
        )
    await ProjectContact.bulk_create(
        [ProjectContact(project_id=project.id, contact_person_id=contact.id)],
        ignore_conflicts=True,
    )
    return project


async def find_projects(viewer: Viewer, page: PageRequest) -> Page[Project]:
    return await paginate(Project.filter(visible_projects(viewer)), ("name", "id"), page)
