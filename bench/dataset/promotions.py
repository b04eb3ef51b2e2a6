"""Promoters, projects with report fields, contacts and locations, and the locations'
appointments with bookings, reports and answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from bench import names
from bench.dataset.crm import AddressFacts
from bench.dataset.model import EPOCH, Builder, Row


def promoters(b: Builder) -> list[int]:
    rng = b.rng
    table = b.table("promoters", "id", "name", "phone", "email", "street", "postal_code",
                    "city", "birth_date", "notes", "created_at", "user_id")  # fmt: skip
    for pid in range(1, b.sizes.promoters + 1):
        name = f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}"
        born = date(1970, 1, 1) + timedelta(days=rng.randrange(365 * 35))
        table.rows.append((
            pid, name, b.phone(), f"promoter{pid}@example.de",
            f"{rng.choice(names.STREETS)} {rng.randrange(1, 99)}",
            f"{rng.randrange(1067, 99999):05d}", rng.choice(names.CITIES), born, "", EPOCH, None,
        ))  # fmt: skip
    return [row[0] for row in table.rows]


class Calendar:
    """Promoters' booked days, so no promoter is booked twice on one day."""

    def __init__(self, b: Builder, promoters: list[int]) -> None:
        self.b = b
        self.promoters = promoters
        self.busy: set[tuple[int, date]] = set()

    def free_promoter(self, day: date) -> int | None:
        for _ in range(20):
            pid = self.b.rng.choice(self.promoters)
            if (pid, day) not in self.busy:
                self.busy.add((pid, day))
                return pid
        return None


def projects(
    b: Builder,
    addresses: list[AddressFacts],
    contacts_of: dict[int, list[int]],
    staff_ids: list[int],
    promoters: list[int],
) -> tuple[int, int]:
    """Projects with locations, appointments, bookings and reports; returns the portal
    customer's project and user."""
    rng, sizes = b.rng, b.sizes
    projects = b.table("projects", "id", "name", "description", "starts_on", "ends_on",
                       "created_at", "customer_id", "responsible_id")  # fmt: skip
    fields = b.table("report_fields", "id", "label", "type", "required", "project_id")
    links = b.table("project_contacts", "id", "contact_person_id", "project_id")
    locations = b.table("locations", "id", "project_id", "store_id")
    companies = [a for a in addresses if a.kind == "COMPANY"]
    stores = [a.id for a in addresses if a.kind == "STORE"]
    users = b.tables["users"]
    contact_rows = b.tables["contact_persons"].rows
    calendar = Calendar(b, promoters)
    appointments = Appointments(b, calendar)
    portal_user = 0
    for pid in range(1, sizes.projects + 1):
        customer = rng.choice(companies)
        starts = date(2026, 1, 5) + timedelta(days=rng.randrange(300))
        ends = starts + timedelta(days=rng.randrange(60, 120))
        name = f"{rng.choice(names.PRODUCTS)} {starts.year} {customer.name.split()[0]}"
        projects.rows.append((pid, name, "Verkaufsförderung im Markt.", starts, ends, EPOCH,
                              customer.id, rng.choice(staff_ids)))  # fmt: skip
        for label in rng.sample(names.REPORT_LABELS, rng.randrange(3, 6)):
            kind = "BOOLEAN" if "sichtbar" in label or "vorhanden" in label else "NUMBER"
            kind = "TEXT" if label == "Bemerkungen" else kind
            fields.rows.append((len(fields.rows) + 1, label, kind, rng.random() < 0.5, pid))
        assigned = contacts_of[customer.id][: rng.choice((1, 2))]
        for cid in assigned:
            links.rows.append((len(links.rows) + 1, cid, pid))
            if contact_rows[cid - 1][8] is None:
                uid = len(users.rows) + 1
                first, last = contact_rows[cid - 1][1:3]
                users.rows.append((uid, f"portal{uid}@example.de", f"{first} {last}",
                                   "CUSTOMER", None, True, "de", EPOCH))  # fmt: skip
                contact_rows[cid - 1] = (*contact_rows[cid - 1][:8], uid)
            if pid == 1 and not portal_user:
                portal_user = contact_rows[cid - 1][8]
        for store in rng.sample(stores, sizes.locations_per_project):
            lid = len(locations.rows) + 1
            locations.rows.append((lid, pid, store))
            appointments.add(lid, starts, ends, assigned)
    appointments.add_answers(fields.rows)
    return 1, portal_user


class Appointments:
    """Appointments at locations: most confirmed or completed and fully booked."""

    STATUSES = ("CONFIRMED", "COMPLETED", "REQUESTED", "REJECTED", "CANCELLED")
    WEIGHTS = (58, 27, 8, 3, 4)

    def __init__(self, b: Builder, calendar: Calendar) -> None:
        self.b = b
        self.calendar = calendar
        self.appointments = b.table("appointments", "id", "starts_at", "ends_at",
                                    "promoters_needed", "note", "status", "decided_at",
                                    "rejection_reason", "cancellation_reason", "created_at",
                                    "decided_by_id", "location_id",
                                    "requested_by_id")  # fmt: skip
        self.bookings = b.table("bookings", "id", "status", "starts_at", "ends_at", "sequence",
                                "created_at", "cancelled_at", "appointment_id",
                                "promoter_id")  # fmt: skip
        self.reports = b.table("reports", "id", "submitted_at", "booking_id")
        self.answers = b.table("report_answers", "id", "value", "field_id", "report_id")
        self.report_projects: list[tuple[int, int]] = []

    def add(self, location_id: int, first: date, last: date, requesters: Sequence[int]) -> None:
        rng = self.b.rng
        span = (last - first).days
        project_id = self.b.tables["locations"].rows[location_id - 1][1]
        for _ in range(self.b.sizes.appointments_per_location):
            day = first + timedelta(days=rng.randrange(span + 1))
            hour = rng.choice((8, 9, 10, 11, 12))
            starts = datetime(day.year, day.month, day.day, hour, rng.choice((0, 30)), tzinfo=UTC)
            ends = starts + timedelta(hours=rng.choice((4, 5, 6, 8)))
            status = rng.choices(self.STATUSES, weights=self.WEIGHTS)[0]
            requested = status in {"REQUESTED", "REJECTED"} or rng.random() < 0.1
            requester = rng.choice(requesters) if requested and requesters else None
            decided = status != "REQUESTED" and requester is not None
            aid = len(self.appointments.rows) + 1
            needed = rng.choice((1, 1, 2, 2, 3))
            self.appointments.rows.append((
                aid, starts, ends, needed, "Bitte Aktionsware vorab prüfen." if rng.random() < 0.2
                else "", status, starts - timedelta(days=14) if decided else None,
                "Kein Personal im Markt an diesem Tag." if status == "REJECTED" else None,
                "Markt wird umgebaut." if status == "CANCELLED" else None,
                starts - timedelta(days=30), 2 if decided else None, location_id, requester,
            ))  # fmt: skip
            if status in {"CONFIRMED", "COMPLETED", "CANCELLED"}:
                self._book(aid, starts, ends, needed, status, project_id)

    def _book(
        self, aid: int, starts: datetime, ends: datetime, needed: int, status: str, project: int
    ) -> None:
        rng = self.b.rng
        staffed = needed if rng.random() < 0.9 else rng.randrange(needed)
        for _ in range(staffed):
            promoter = self.calendar.free_promoter(starts.date())
            if promoter is None:
                continue
            booked = status != "CANCELLED"
            bid = len(self.bookings.rows) + 1
            self.bookings.rows.append((
                bid, "BOOKED" if booked else "CANCELLED", starts, ends, 0 if booked else 1,
                starts - timedelta(days=10), None if booked else starts - timedelta(days=2),
                aid, promoter,
            ))  # fmt: skip
            if status == "COMPLETED" and rng.random() < 0.85:
                rid = len(self.reports.rows) + 1
                submitted = ends + timedelta(minutes=rng.randrange(30, 48 * 60))
                self.reports.rows.append((rid, submitted, bid))
                self.report_projects.append((rid, project))

    def add_answers(self, fields: list[Row]) -> None:
        by_project: dict[int, list[Row]] = {}
        for row in fields:
            by_project.setdefault(row[4], []).append(row)
        for rid, project in self.report_projects:
            for fid, _, kind, _, _ in by_project[project]:
                value = {"NUMBER": str(self.b.rng.randrange(200)), "BOOLEAN": "true"}.get(
                    kind, "Gute Resonanz."
                )
                self.answers.rows.append((len(self.answers.rows) + 1, value, fid, rid))
