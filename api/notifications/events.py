"""The events that cause mail (DOMAIN.md, "Notifications"), and what each template gets.

Each event has one template per language: `templates/<language>/<event>.txt` (with a
`subject` and a `body` block) and `templates/<language>/<event>.html` (a `body` block).
"""

from __future__ import annotations

from enum import StrEnum


class Event(StrEnum):
    # To the project's responsible user, else the agency notification address.
    # Variables: project, store, city, starts_at, ends_at, promoters_needed, note,
    # requested_by, link.
    APPOINTMENT_REQUESTED = "appointment_requested"
    # To the contact who requested it. Variables: project, store, city, starts_at, ends_at,
    # recipient_name, link.
    APPOINTMENT_APPROVED = "appointment_approved"
    # Same as approved, plus reason.
    APPOINTMENT_REJECTED = "appointment_rejected"
    # To the promoter, with an .ics attachment. Variables: promoter_name, project, store,
    # street, postal_code, city, starts_at, ends_at, note.
    PROMOTER_BOOKED = "promoter_booked"
    # Same as booked.
    PROMOTER_UNBOOKED = "promoter_unbooked"
    # To the reminder's user. Variables: recipient_name, subject (of the activity), address,
    # starts_at, link.
    REMINDER_DUE = "reminder_due"
    # To the assignee or every team member. Variables: recipient_name, title, description,
    # team (or None), due_by (or None), due_on (or None), address (or None), link.
    TASK_ASSIGNED = "task_assigned"
    # To the contact person. Variables: recipient_name, customer (address name), link,
    # expires_at.
    PORTAL_INVITATION = "portal_invitation"
