"""ProjectAppointments (customer-portal) for a customer, in one statement after the token
lookup: a keyset page of the appointments the customer sees (their assigned project,
stores in their territories), joined to location, store, bookings and promoters, with
the whole list's count. Promoters' contact details stay null for customers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bench.reference.auth import Viewer
from bench.reference.db import Database
from bench.reference.encode import cursor, gid, parse_gid, uncursor
from bench.reference.overview import UnsupportedViewer

MAX_PAGE = 100

COLUMNS = (
    "page.id, page.starts_at, page.ends_at, page.status, page.promoters_needed, "
    "page.rejection_reason, l.id, s.id, s.name, s.city, b.id, b.status, pm.id, pm.name"
)


def _visible(
    db: Database, viewer: Viewer, project_id: int, variables: dict[str, Any]
) -> tuple[str, list[Any]]:
    """The customer's appointments of the project, as a WHERE clause over `ap` and `l`."""
    where = [
        "l.project_id = ?",
        "EXISTS (SELECT 1 FROM project_contacts pc WHERE pc.project_id = l.project_id "
        "AND pc.contact_person_id = ?)",
    ]
    params: list[Any] = [project_id, viewer.contact_person_id or 0]
    if viewer.territory_paths is not None:
        likes = " OR ".join("t.path LIKE ?" for _ in viewer.territory_paths)
        where.append(
            "l.store_id IN (SELECT a.id FROM addresses a JOIN territories t "
            f"ON t.id = a.territory_id WHERE {likes})"
        )
        params.extend(f"{path}%" for path in viewer.territory_paths)
    if variables.get("from") is not None:
        where.append("ap.ends_at > ?")
        params.append(db.datetime_param(datetime.fromisoformat(variables["from"])))
    if variables.get("to") is not None:
        where.append("ap.starts_at < ?")
        params.append(db.datetime_param(datetime.fromisoformat(variables["to"])))
    return " AND ".join(where), params


async def project_appointments(db: Database, viewer: Viewer, variables: dict[str, Any]) -> Any:
    if not viewer.is_customer:
        raise UnsupportedViewer("ProjectAppointments is implemented for customers.")
    first = variables.get("first")
    limit = MAX_PAGE if first is None else int(first)
    if not 0 <= limit <= MAX_PAGE:
        raise ValueError("`first` must be between 0 and 100.")
    project_id = parse_gid(variables.get("projectId"), "Project") or 0
    where, params = _visible(db, viewer, project_id, variables)
    page_where, page_params = where, list(params)
    if variables.get("after"):
        starts, pk = uncursor(variables["after"], 2)
        page_where += " AND (ap.starts_at > ? OR (ap.starts_at = ? AND ap.id > ?))"
        moment = db.datetime_param(datetime.fromisoformat(starts))
        page_params += [moment, moment, int(pk)]
    count = (
        "SELECT COUNT(*) FROM appointments ap JOIN locations l ON l.id = ap.location_id "
        f"WHERE {where}"
    )
    sql = (
        "WITH page AS (SELECT ap.id, ap.starts_at, ap.ends_at, ap.status, ap.promoters_needed, "
        "ap.rejection_reason, ap.location_id FROM appointments ap "
        f"JOIN locations l ON l.id = ap.location_id WHERE {page_where} "
        "ORDER BY ap.starts_at, ap.id LIMIT ?) "
        f"SELECT {COLUMNS}, ({count}) FROM page JOIN locations l ON l.id = page.location_id "
        "JOIN addresses s ON s.id = l.store_id "
        "LEFT JOIN bookings b ON b.appointment_id = page.id "
        "LEFT JOIN promoters pm ON pm.id = b.promoter_id "
        "ORDER BY page.starts_at, page.id, b.id"
    )
    rows = await db.fetch(sql, [*page_params, limit + 1, *params])
    total = rows[0][-1] if rows else (await db.fetch(count, params))[0][0]
    edges: list[dict[str, Any]] = []
    keys: list[list[Any]] = []
    bookings: list[dict[str, Any]] = []
    appointment_id = None
    for (
        aid,
        starts,
        ends,
        status,
        needed,
        reason,
        lid,
        sid,
        store,
        city,
        bid,
        bstatus,
        pid,
        name,
        _,
    ) in rows:
        if aid != appointment_id:
            appointment_id = aid
            starts_at = db.text_of_datetime(starts)
            keys.append([starts_at, aid])
            bookings = []
            edges.append(
                {
                    "node": {
                        "id": gid("Appointment", aid),
                        "startsAt": starts_at,
                        "endsAt": db.text_of_datetime(ends),
                        "status": status,
                        "promotersNeeded": needed,
                        "rejectionReason": reason,
                        "location": {
                            "id": gid("Location", lid),
                            "store": {"id": gid("Address", sid), "name": store, "city": city},
                        },
                        "bookings": bookings,
                    }
                }
            )
        if bid is not None:
            bookings.append(
                {
                    "id": gid("Booking", bid),
                    "status": bstatus,
                    "promoter": {"id": gid("Promoter", pid), "name": name, "phone": None,
                                 "email": None},
                }
            )  # fmt: skip
    has_next = len(edges) > limit
    edges, keys = edges[:limit], keys[:limit]
    return {
        "appointments": {
            "totalCount": total,
            "pageInfo": {"hasNextPage": has_next, "endCursor": cursor(keys[-1]) if keys else None},
            "edges": edges,
        }
    }
