"""The whole data set, part by part, in an order that keeps the random draws stable."""

from __future__ import annotations

from bench import names
from bench.dataset.crm import account_groups, addresses, queries, search_terms, territories
from bench.dataset.model import EPOCH, QUARTER, Builder, Dataset, Facts
from bench.dataset.planning import activities, contact_plan
from bench.dataset.promotions import projects, promoters
from bench.options import Sizes


def build(sizes: Sizes, seed: int) -> Dataset:
    """The whole data set; the same seed gives the same rows."""
    b = Builder(sizes, seed)
    users = b.table("users", "id", "email", "name", "role", "password_hash", "is_active",
                    "language", "created_at")  # fmt: skip
    users.rows.append((1, "admin@bench.example", "Ada Admin", "ADMIN", None, True, "de", EPOCH))
    staff_ids = list(range(2, 2 + sizes.staff))
    for uid in staff_ids:
        first, last = b.rng.choice(names.FIRST_NAMES), b.rng.choice(names.LAST_NAMES)
        email = f"staff{uid}@bench.example"
        users.rows.append((uid, email, f"{first} {last}", "STAFF", None, True, "de", EPOCH))
    groups = account_groups(b, staff_ids)
    leaves = territories(b)
    made, contacts_of = addresses(b, groups, leaves)
    search_terms(b, made, contacts_of)
    promoter_ids = promoters(b)
    portal = projects(b, made, contacts_of, staff_ids, promoter_ids)
    activities(b, made, contacts_of, staff_ids)
    plan_id, members = contact_plan(b, made, contacts_of, staff_ids[0])
    staff_groups = set(range(1, sizes.staff_groups + 1))
    visible = [a for a in made if a.groups & staff_groups]
    one, two = queries(b, visible)
    facts = Facts(
        admin_user_id=1,
        staff_user_id=staff_ids[0],
        customer_user_id=portal[1],
        overview_project_id=1,
        portal_project_id=portal[0],
        plan_id=plan_id,
        plan_members=members,
        quarter=QUARTER,
        staff_visible_addresses=len(visible),
        one_word_queries=one,
        two_word_queries=two,
    )
    return Dataset(tables=b.tables, facts=facts)
