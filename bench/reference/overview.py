"""ProjectOverview (agency-web) for an admin, in three statements after the token lookup:
the project with its customer and responsible user, its contacts and report fields, and
the tree of locations → stores → appointments → bookings → promoters and reports."""

from __future__ import annotations

from typing import Any

from bench.reference.auth import Viewer
from bench.reference.db import Database
from bench.reference.encode import gid, parse_gid

# A location's `appointments` without `first` answers a page of 100.
APPOINTMENT_PAGE = 100

HEADER = (
    "SELECT p.id, p.name, p.starts_on, p.ends_on, c.id, c.name, u.id, u.name "
    "FROM projects p JOIN addresses c ON c.id = p.customer_id "
    "LEFT JOIN users u ON u.id = p.responsible_id WHERE p.id = ?"
)
# Contacts by last name, first name, id; report fields by id.
LISTS = (
    "SELECT 0 AS part, cp.last_name AS k1, cp.first_name AS k2, cp.id AS pk, "
    "cp.first_name AS a, cp.last_name AS b, NULL AS flag "
    "FROM project_contacts pc JOIN contact_persons cp ON cp.id = pc.contact_person_id "
    "WHERE pc.project_id = ? "
    "UNION ALL SELECT 1, '', '', rf.id, rf.label, rf.type, rf.required "
    "FROM report_fields rf WHERE rf.project_id = ? ORDER BY 1, 2, 3, 4"
)
TREE = (
    "SELECT l.id, s.id, s.name, s.city, t.id, t.name, "
    "ap.id, ap.starts_at, ap.ends_at, ap.status, b.id, pm.id, pm.name, r.submitted_at "
    "FROM locations l JOIN addresses s ON s.id = l.store_id "
    "LEFT JOIN territories t ON t.id = s.territory_id "
    "LEFT JOIN appointments ap ON ap.location_id = l.id "
    "LEFT JOIN bookings b ON b.appointment_id = ap.id "
    "LEFT JOIN promoters pm ON pm.id = b.promoter_id "
    "LEFT JOIN reports r ON r.booking_id = b.id "
    "WHERE l.project_id = ? ORDER BY l.id, ap.starts_at, ap.id, b.id"
)


class UnsupportedViewer(Exception):
    """The reference implements the viewers the benchmark uses."""


async def project_overview(db: Database, viewer: Viewer, variables: dict[str, Any]) -> Any:
    if not viewer.is_admin:
        raise UnsupportedViewer("ProjectOverview is implemented for admins.")
    pk = parse_gid(variables.get("id"), "Project")
    header = await db.fetch(HEADER, (pk,)) if pk is not None else []
    if not header:
        return {"node": None}
    project_id, name, starts_on, ends_on, customer_id, customer, user_id, user = header[0]
    contacts: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    for part, _, _, item, a, b, flag in await db.fetch(LISTS, (project_id, project_id)):
        if part == 0:
            contacts.append({"id": gid("ContactPerson", item), "firstName": a, "lastName": b})
        else:
            fields.append(
                {"id": gid("ReportField", item), "label": a, "type": b, "required": bool(flag)}
            )
    node = {
        "id": gid("Project", project_id),
        "name": name,
        "startsOn": db.text_of_date(starts_on),
        "endsOn": db.text_of_date(ends_on),
        "customer": {"id": gid("Address", customer_id), "name": customer},
        "responsible": {"id": gid("User", user_id), "name": user} if user_id else None,
        "contacts": contacts,
        "reportFields": fields,
        "locations": _locations(db, await db.fetch(TREE, (project_id,))),
    }
    return {"node": node}


def _locations(db: Database, rows: list[Any]) -> list[dict[str, Any]]:
    locations: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    bookings: list[dict[str, Any]] | None = None
    location_id = appointment_id = None
    for (
        lid,
        sid,
        store,
        city,
        tid,
        territory,
        aid,
        starts,
        ends,
        status,
        bid,
        pid,
        promoter,
        sub,
    ) in rows:
        if lid != location_id:
            location_id, appointment_id = lid, None
            edges = []
            locations.append(
                {
                    "id": gid("Location", lid),
                    "store": {
                        "id": gid("Address", sid),
                        "name": store,
                        "city": city,
                        "territory": {"id": gid("Territory", tid), "name": territory}
                        if tid is not None
                        else None,
                    },
                    "appointments": {"edges": edges},
                }
            )
        if aid is not None and aid != appointment_id:
            appointment_id = aid
            bookings = None
            if len(edges) < APPOINTMENT_PAGE:
                bookings = []
                edges.append(
                    {
                        "node": {
                            "id": gid("Appointment", aid),
                            "startsAt": db.text_of_datetime(starts),
                            "endsAt": db.text_of_datetime(ends),
                            "status": status,
                            "bookings": bookings,
                        }
                    }
                )
        if bid is not None and bookings is not None:
            bookings.append(
                {
                    "promoter": {"id": gid("Promoter", pid), "name": promoter},
                    "report": {"submittedAt": db.text_of_datetime(sub)}
                    if sub is not None
                    else None,
                }
            )
    return locations
