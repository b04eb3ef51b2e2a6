"""The CRM history (campaigns, activities) and the contact plan with its members,
exceptions and customers' inactive periods."""

from __future__ import annotations

from datetime import date, timedelta

from bench import names
from bench.dataset.crm import AddressFacts
from bench.dataset.model import EPOCH, QUARTER, Builder

HOLIDAYS = (date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14))


def activities(
    b: Builder, addresses: list[AddressFacts], contacts_of: dict[int, list[int]], staff: list[int]
) -> None:
    rng = b.rng
    campaigns = b.table("campaigns", "id", "name", "description", "status", "starts_on",
                        "ends_on", "created_at")  # fmt: skip
    for cid, name in enumerate(("Frühjahrsaktion", "Neukunden", "Sommerfest", "Herbst"), 1):
        campaigns.rows.append((cid, name, "", "ACTIVE", date(2026, 1, 1), None, EPOCH))
    table = b.table("activities", "id", "kind", "direction", "status", "starts_at",
                    "duration_minutes", "subject", "description", "reminder", "created_at",
                    "address_id", "campaign_id", "contact_person_id", "created_by_id",
                    "responsible_id", "subtag_id")  # fmt: skip
    kinds = ("CALL", "EMAIL", "MEETING", "LETTER", "VISIT", "NOTE", "MEASURE")
    for aid in range(1, b.sizes.activities + 1):
        address = rng.choice(addresses)
        kind = rng.choices(kinds, weights=(40, 25, 8, 3, 10, 10, 4))[0]
        starts = b.moment(540)
        table.rows.append((
            aid, kind, rng.choice(("INBOUND", "OUTBOUND")),
            rng.choices(("DONE", "PLANNED", "NOT_DONE"), weights=(80, 15, 5))[0], starts,
            rng.choice((5, 10, 15, 30, 60)), rng.choice(names.ACTIVITY_SUBJECTS), "", False,
            starts, address.id, rng.randrange(1, 5) if kind == "MEASURE" else None,
            rng.choice(contacts_of[address.id]) if rng.random() < 0.5 else None,
            rng.choice(staff), rng.choice(staff), None,
        ))  # fmt: skip


def contact_plan(
    b: Builder, addresses: list[AddressFacts], contacts_of: dict[int, list[int]], responsible: int
) -> tuple[int, int]:
    """An order-intake plan calling its members every weekday, with public holidays off
    and some customers on holiday for two weeks."""
    rng = b.rng
    plans = b.table("contact_plans", "id", "name", "purpose", "weekdays", "valid_from",
                    "valid_until", "created_at", "responsible_id")  # fmt: skip
    plans.rows.append((1, "Bestellannahme Gastronomie", "ORDER_INTAKE", [1, 2, 3, 4, 5],
                       date(2026, 1, 1), None, EPOCH, responsible))  # fmt: skip
    members = b.table("contact_plan_members", "id", "phone", "contact_from", "contact_until",
                      "address_id", "contact_person_id", "plan_id")  # fmt: skip
    exceptions = b.table("contact_plan_exceptions", "id", "starts_on", "ends_on", "reason",
                         "plan_id")  # fmt: skip
    inactive = b.table("inactive_periods", "id", "starts_on", "ends_on", "reason", "address_id")
    for eid, day in enumerate(HOLIDAYS, start=1):
        exceptions.rows.append((eid, day, day, "Feiertag", 1))
    companies = [a for a in addresses if a.kind == "COMPANY"]
    chosen = rng.sample(companies, min(b.sizes.plan_members, len(companies)))
    contact_rows = b.tables["contact_persons"].rows
    for mid, address in enumerate(sorted(chosen, key=lambda a: a.id), start=1):
        cid = contacts_of[address.id][0]
        opens = rng.randrange(7, 12)
        members.rows.append((mid, contact_rows[cid - 1][4], f"{opens:02d}:00",
                             f"{opens + 2:02d}:30", address.id, cid, 1))  # fmt: skip
        if rng.random() < 0.03:
            first = QUARTER[0] + timedelta(days=rng.randrange(80))
            inactive.rows.append((len(inactive.rows) + 1, first, first + timedelta(days=13),
                                  "Betriebsferien", address.id))  # fmt: skip
    return 1, len(members.rows)
