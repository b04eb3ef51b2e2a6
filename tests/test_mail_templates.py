"""The notification mails as a recipient reads them: language, local times, escaping."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest
from jinja2 import UndefinedError

from api.notifications import rendering
from api.notifications.events import Event
from api.notifications.rendering import RenderedMail, render
from db.models.accounts import Language

# 09:00 UTC is 10:00 in Berlin in November (CET) ...
STARTS_AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ENDS_AT = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
LINK = "https://promoplan.example.com/portal/appointments/42?tab=details&from=mail"

SAMPLES: dict[Event, dict[str, object]] = {
    Event.APPOINTMENT_REQUESTED: {
        "project": "Wintergrillen",
        "store": "Edeka Süd",
        "city": "München",
        "starts_at": STARTS_AT,
        "ends_at": ENDS_AT,
        "promoters_needed": 2,
        "note": "Bitte am Eingang aufbauen.",
        "requested_by": "Jana Köhler",
        "link": LINK,
    },
    Event.APPOINTMENT_APPROVED: {
        "project": "Wintergrillen",
        "store": "Edeka Süd",
        "city": "München",
        "starts_at": STARTS_AT,
        "ends_at": ENDS_AT,
        "recipient_name": "Jana Köhler",
        "link": LINK,
    },
    Event.APPOINTMENT_REJECTED: {
        "project": "Wintergrillen",
        "store": "Edeka Süd",
        "city": "München",
        "starts_at": STARTS_AT,
        "ends_at": ENDS_AT,
        "recipient_name": "Jana Köhler",
        "reason": "An diesem Tag ist der Markt wegen Inventur geschlossen.",
        "link": LINK,
    },
    Event.PROMOTER_BOOKED: {
        "promoter_name": "Lukas Brandt",
        "project": "Wintergrillen",
        "store": "Edeka Süd",
        "street": "Hauptstraße 5",
        "postal_code": "80331",
        "city": "München",
        "starts_at": STARTS_AT,
        "ends_at": ENDS_AT,
        "note": "Parkplatz hinter dem Markt.",
    },
    Event.PROMOTER_UNBOOKED: {
        "promoter_name": "Lukas Brandt",
        "project": "Wintergrillen",
        "store": "Edeka Süd",
        "street": "Hauptstraße 5",
        "postal_code": "80331",
        "city": "München",
        "starts_at": STARTS_AT,
        "ends_at": ENDS_AT,
        "note": None,
    },
    Event.REMINDER_DUE: {
        "recipient_name": "Petra Weiß",
        "subject": "Jahresgespräch Listung",
        "address": "Getränke Müller GmbH",
        "starts_at": STARTS_AT,
        "link": LINK,
    },
    Event.TASK_ASSIGNED: {
        "recipient_name": "Petra Weiß",
        "title": "Angebot nachfassen",
        "description": "Rückruf wegen der Preisliste.",
        "team": "Innendienst",
        "due_by": STARTS_AT,
        "due_on": None,
        "address": "Getränke Müller GmbH",
        "link": LINK,
    },
    Event.PORTAL_INVITATION: {
        "recipient_name": "Jana Köhler",
        "customer": "Süßwaren Schulz AG",
        "link": LINK,
        "expires_at": STARTS_AT,
    },
}

EVENTS_WITH_LINK = [event for event in Event if "link" in SAMPLES[event]]

# A value the user typed, per event, that the mail shows.
USER_TEXT_FIELD = {
    Event.APPOINTMENT_REQUESTED: "store",
    Event.APPOINTMENT_APPROVED: "store",
    Event.APPOINTMENT_REJECTED: "store",
    Event.PROMOTER_BOOKED: "store",
    Event.PROMOTER_UNBOOKED: "store",
    Event.REMINDER_DUE: "subject",
    Event.TASK_ASSIGNED: "title",
    Event.PORTAL_INVITATION: "customer",
}

DATE_AND_TIME = {
    Language.DE: ("24.11.2026", "10:00"),
    Language.EN: ("Nov 24, 2026", "10:00 AM"),
}
EN_DASH = "\u2013"
SIGNATURE = {Language.DE: "Ihr Promoplan-Team", Language.EN: "Your Promoplan team"}


def mail(event: Event, language: Language, **changes: object) -> RenderedMail:
    return render(event, language, {**SAMPLES[event], **changes})


def test_every_event_has_text_and_html_templates_in_every_language():
    missing = [
        f"{language.value}/{event.value}.{suffix}"
        for event in Event
        for language in Language
        for suffix in ("txt", "html")
        if not (rendering.TEMPLATE_DIR / language.value / f"{event.value}.{suffix}").is_file()
    ]
    assert missing == []


def test_every_event_has_sample_variables():
    assert set(SAMPLES) == set(Event)


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("event", list(Event))
def test_every_event_renders_a_complete_mail(event, language):
    rendered = mail(event, language)

    assert rendered.subject
    assert "\n" not in rendered.subject
    assert rendered.subject == rendered.subject.strip()
    assert rendered.text.endswith(f"{SIGNATURE[language]}\n")
    assert "{{" not in rendered.text
    assert "{{" not in rendered.html
    assert "None" not in rendered.text
    assert "None" not in rendered.html
    assert rendered.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{language.value}">' in rendered.html
    assert SIGNATURE[language] in rendered.html


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("event", list(Event))
def test_dates_are_local_to_berlin_and_formatted_for_the_recipient(event, language):
    rendered = mail(event, language)
    day, time = DATE_AND_TIME[language]
    other_day, _ = DATE_AND_TIME[Language.EN if language is Language.DE else Language.DE]

    for body in (rendered.text, rendered.html):
        assert day in body
        assert time in body
        assert "09:00" not in body  # UTC would be the wrong hour for the recipient
        assert other_day not in body


def test_german_appointment_shows_the_period_in_local_time():
    text = mail(Event.APPOINTMENT_APPROVED, Language.DE).text

    assert f"24.11.2026, 10:00 {EN_DASH} 18:00 Uhr" in text
    assert "Guten Tag Jana Köhler," in text
    assert "Ihre Terminanfrage für das Projekt „Wintergrillen“ wurde bestätigt" in text


def test_english_appointment_shows_the_period_in_local_time():
    text = mail(Event.APPOINTMENT_APPROVED, Language.EN).text

    assert f"Nov 24, 2026, 10:00 AM {EN_DASH} 6:00 PM" in text
    assert "Your appointment request for the project" in text


def test_summer_times_follow_daylight_saving_time():
    starts_at = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 11:00 CEST
    ends_at = datetime(2026, 7, 2, 15, 30, tzinfo=UTC)  # next day, 17:30 CEST
    text = mail(Event.PROMOTER_BOOKED, Language.DE, starts_at=starts_at, ends_at=ends_at).text

    assert f"01.07.2026, 11:00 {EN_DASH} 02.07.2026, 17:30 Uhr" in text


def test_a_late_utc_time_shows_the_berlin_calendar_day():
    starts_at = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # already the 25th in Berlin
    rendered = mail(Event.REMINDER_DUE, Language.DE, starts_at=starts_at)

    assert "25.11.2026, 00:30 Uhr" in rendered.text
    assert "25.11.2026, 00:30 Uhr" in rendered.subject


def test_umlauts_come_through_in_german_mails():
    rendered = mail(Event.TASK_ASSIGNED, Language.DE, team=None)

    assert rendered.subject == "Neue Aufgabe: Angebot nachfassen"
    assert "Fällig bis:  24.11.2026, 10:00 Uhr" in rendered.text
    assert "Rückruf wegen der Preisliste." in rendered.text
    assert "Mit freundlichen Grüßen\nIhr Promoplan-Team\n" in rendered.text
    assert "Fällig bis" in rendered.html
    assert "Grüßen" in rendered.html


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("event", list(Event))
def test_html_escapes_user_input_and_text_keeps_it_verbatim(event, language):
    typed = "<b>Markt & Co</b>"
    rendered = mail(event, language, **{USER_TEXT_FIELD[event]: typed})

    assert typed in rendered.text
    assert html.escape(typed, quote=False) in rendered.html
    assert "<b>Markt" not in rendered.html


def test_subject_is_plain_text():
    rendered = mail(Event.APPOINTMENT_APPROVED, Language.EN, store="<b>Markt & Co</b>")

    assert (
        rendered.subject == "Appointment request approved: <b>Markt & Co</b>, München, Nov 24, 2026"
    )


def test_a_line_break_in_a_value_does_not_break_the_subject():
    rendered = mail(Event.TASK_ASSIGNED, Language.DE, team=None, title="Angebot\nnachfassen")

    assert rendered.subject == "Neue Aufgabe: Angebot nachfassen"


@pytest.mark.parametrize("language", list(Language))
def test_a_missing_variable_is_an_error_not_an_empty_string(language):
    variables = {key: value for key, value in SAMPLES[Event.APPOINTMENT_REQUESTED].items()}
    del variables["store"]

    with pytest.raises(UndefinedError, match="store"):
        render(Event.APPOINTMENT_REQUESTED, language, variables)


def test_an_optional_variable_must_still_be_passed_as_none():
    variables = dict(SAMPLES[Event.TASK_ASSIGNED])
    del variables["team"]

    with pytest.raises(UndefinedError, match="team"):
        render(Event.TASK_ASSIGNED, Language.DE, variables)


@pytest.mark.parametrize("language", list(Language))
def test_a_naive_datetime_is_rejected(language):
    with pytest.raises(ValueError, match="naive"):
        mail(Event.REMINDER_DUE, language, starts_at=datetime(2026, 11, 24, 10, 0))


def test_the_language_variable_is_reserved():
    with pytest.raises(ValueError, match="language"):
        render(Event.REMINDER_DUE, Language.DE, {**SAMPLES[Event.REMINDER_DUE], "language": "en"})


@pytest.mark.parametrize("language", list(Language))
def test_rejection_mail_gives_the_reason(language):
    reason = "Der Markt ist an diesem Tag\nwegen Inventur geschlossen."
    rendered = mail(Event.APPOINTMENT_REJECTED, language, reason=reason)

    assert reason in rendered.text
    assert reason in rendered.html


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("event", EVENTS_WITH_LINK)
def test_mail_carries_the_link(event, language):
    rendered = mail(event, language)

    assert LINK in rendered.text
    assert f'href="{html.escape(LINK)}"' in rendered.html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            Language.DE,
            "Der Link kann nur einmal verwendet werden und ist gültig bis 24.11.2026, 10:00 Uhr.",
        ),
        (
            Language.EN,
            "The link can be used only once and is valid until Nov 24, 2026, 10:00 AM.",
        ),
    ],
)
def test_portal_invitation_says_the_link_is_single_use_and_when_it_expires(language, expected):
    rendered = mail(Event.PORTAL_INVITATION, language)

    assert expected in rendered.text
    assert expected in rendered.html
    assert "Süßwaren Schulz AG" in rendered.text


def test_task_for_a_team_says_a_member_can_take_it():
    rendered = mail(Event.TASK_ASSIGNED, Language.DE)

    assert rendered.subject == "Neue Aufgabe für das Team „Innendienst“: Angebot nachfassen"
    assert "dem Team „Innendienst“ wurde eine neue Aufgabe zugewiesen" in rendered.text


def test_task_shows_only_the_facts_it_has():
    bare = mail(
        Event.TASK_ASSIGNED,
        Language.EN,
        team=None,
        due_by=None,
        due_on=None,
        address=None,
        description="",
    )
    scheduled = mail(Event.TASK_ASSIGNED, Language.EN, due_by=None, due_on=ENDS_AT)

    assert "A new task has been assigned to you." in bare.text
    for label in ("Due by", "Due on", "Address", "member of the team"):
        assert label not in bare.text
        assert label not in bare.html
    assert "Due on:   Nov 24, 2026, 6:00 PM" in scheduled.text
    assert "Due by" not in scheduled.text
    assert "Getränke Müller GmbH" in scheduled.text


@pytest.mark.parametrize("language", list(Language))
def test_promoter_mails_show_the_store_address_and_the_note_only_when_given(language):
    booked = mail(Event.PROMOTER_BOOKED, language)
    unbooked = mail(Event.PROMOTER_UNBOOKED, language)

    for rendered in (booked, unbooked):
        assert "Hauptstraße 5" in rendered.text
        assert "80331 München" in rendered.text
    assert "Parkplatz hinter dem Markt." in booked.text
    assert "Parkplatz hinter dem Markt." in booked.html
    assert ("Hinweis" if language is Language.DE else "Note") not in unbooked.text
    assert booked.subject != unbooked.subject


def test_a_date_filter_accepts_a_plain_date():
    template = rendering.environment.from_string("{{ day|date }}")

    assert template.render(day=date(2026, 12, 24), language="de") == "24.12.2026"
    assert template.render(day=date(2026, 12, 24), language="en") == "Dec 24, 2026"
