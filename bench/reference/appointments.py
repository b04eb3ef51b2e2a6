"""Appointments (agency-web) for an admin, in one statement after the token lookup: a keyset
page of appointments by start (filtered by status, project and period), joined to the
requesting contact, location, store, project, bookings and promoters, with the count."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bench.reference.auth import Viewer
from bench.reference.db import Database
from bench.reference.encode import cursor, gid, parse_gid, uncursor
from bench.reference.overview import UnsupportedViewer

MAX_PAGE = 100
DEFAULT_PAGE = 50

COLUMNS = (
    "page.id, page.starts_at, page.ends_at, page.status, page.promoters_needed, page.note, "
    "page.requested_by_id, rc.first_name, rc.last_name, l.id, s.id, s.name, s.city, "
    "pr.id, pr.name, b.id, b.status, pm.id, pm.name, pm.phone, pm.email"
)


def _conditions(db: Database, variables: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """An admin sees every appointment: only the query's own filters apply."""
    where: list[str] = []
    params: list[Any] = []
    if variables.get("projectId") is not None:
        where.append("ap.location_id IN (SELECT id FROM locations WHERE project_id = ?)")
        params.append(parse_gid(variables["projectId"], "Project") or 0)
    if variables.get("status") is not None:
        where.append("ap.status = ?")
        params.append(str(variables["status"]))
    if variables.get("from") is not None:
        where.append("ap.ends_at > ?")
        params.append(db.datetime_param(datetime.fromisoformat(variables["from"])))
    if variables.get("to") is not None:
        where.append("ap.starts_at < ?")
        params.append(db.datetime_param(datetime.fromisoformat(variables["to"])))
    return where, params


def _clause(where: list[str]) -> str:
    return f"WHERE {' AND '.join(where)}" if where else ""


async def appointments(db: Database, viewer: Viewer, variables: dict[str, Any]) -> Any:
    if not viewer.is_admin:
        raise UnsupportedViewer("Appointments is implemented for admins.")
    first = variables.get("first")
    limit = DEFAULT_PAGE if first is None else int(first)
    if not 0 <= limit <= MAX_PAGE:
        raise ValueError("`first` must be between 0 and 100.")
    where, params = _conditions(db, variables)
    page_where, page_params = list(where), list(params)
    if variables.get("after"):
        starts, pk = uncursor(variables["after"], 2)
        moment = db.datetime_param(datetime.fromisoformat(starts))
        page_where.append("(ap.starts_at > ? OR (ap.starts_at = ? AND ap.id > ?))")
        page_params += [moment, moment, int(pk)]
    count = f"SELECT COUNT(*) FROM appointments ap {_clause(where)}"
    sql = (
        "WITH page AS (SELECT ap.id, ap.starts_at, ap.ends_at, ap.status, ap.promoters_needed, "
        "ap.note, ap.requested_by_id, ap.location_id FROM appointments ap "
        f"{_clause(page_where)} ORDER BY ap.starts_at, ap.id LIMIT ?) "
        f"SELECT {COLUMNS}, ({count}) FROM page "
        "JOIN locations l ON l.id = page.location_id JOIN addresses s ON s.id = l.store_id "
        "JOIN projects pr ON pr.id = l.project_id "
        "LEFT JOIN contact_persons rc ON rc.id = page.requested_by_id "
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
    for row in rows:
        aid = row[0]
        if aid != appointment_id:
            appointment_id = aid
            bookings = []
            edges.append({"node": _node(db, row, bookings)})
            keys.append([edges[-1]["node"]["startsAt"], aid])
        if row[15] is not None:
            bid, status, pid, name, phone, email = row[15:21]
            bookings.append(
                {
                    "id": gid("Booking", bid),
                    "status": status,
                    "promoter": {
                        "id": gid("Promoter", pid),
                        "name": name,
                        "phone": phone,
                        "email": email,
                    },
                }
            )
    has_next = len(edges) > limit
    edges, keys = edges[:limit], keys[:limit]
    return {
        "appointments": {
            "totalCount": total,
            "pageInfo": {"hasNextPage": has_next, "endCursor": cursor(keys[-1]) if keys else None},
            "edges": edges,
        }
    }


def _node(db: Database, row: Any, bookings: list[dict[str, Any]]) -> dict[str, Any]:
    aid, starts, ends, status, needed, note, requester, first, last = row[:9]
    lid, sid, store, city, pid, project = row[9:15]
    return {
        "id": gid("Appointment", aid),
        "startsAt": db.text_of_datetime(starts),
        "endsAt": db.text_of_datetime(ends),
        "status": status,
        "promotersNeeded": needed,
        "note": note,
        "requestedBy": {"id": gid("ContactPerson", requester), "firstName": first,
                        "lastName": last} if requester is not None else None,
        "location": {
            "id": gid("Location", lid),
            "store": {"id": gid("Address", sid), "name": store, "city": city},
            "project": {"id": gid("Project", pid), "name": project},
        },
        "bookings": bookings,
    }  # fmt: skip
