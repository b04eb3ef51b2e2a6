"""Render a notification mail (subject, text and HTML body) in the recipient's language.

Templates live in `templates/<language>/<event>.txt` (blocks `subject` and `body`) and
`templates/<language>/<event>.html` (extends the language's `_base.html`, block `body`).
HTML is autoescaped, text is not; a variable the template needs but the caller did not pass
is an error (`jinja2.UndefinedError`), never an empty string.

Dates and times are shown in the agency's time zone (Europe/Berlin) and formatted for the
recipient's locale with Babel:

- `value|datetime`        de "24.11.2026, 10:00",          en "Nov 24, 2026, 10:00 AM"
- `value|date`            de "24.11.2026",                 en "Nov 24, 2026"
- `value|time`            de "10:00",                      en "10:00 AM"
- `start|timespan(end)`   de "24.11.2026, 10:00 - 18:00",  en "Nov 24, 2026, 10:00 AM - 6:00 PM"
  (joined by an en dash; the end shows its date too when it falls on another day)

Datetimes must be timezone-aware; a naive datetime raises `ValueError`. The template context
also holds `language` ("de" or "en"), which the filters read; callers cannot pass their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time, get_datetime_format
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from api.clock import AGENCY_TIMEZONE
from api.notifications.events import Event
from db.models.accounts import Language

TEMPLATE_DIR = Path(__file__).parent / "templates"

# The context variable holding the recipient's language, for the filters.
_LANGUAGE_VARIABLE = "language"

# Babel (CLDR) puts a narrow no-break space before "AM"/"PM"; some mail clients render it
# as a box, so mails use a plain space.
_NARROW_NO_BREAK_SPACE = "\u202f"

_EN_DASH = "\u2013"


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render(event: Event, language: Language, variables: Mapping[str, Any]) -> RenderedMail:
    """The mail for `event` in `language`, filled with `variables`.

    Raises `jinja2.UndefinedError` when a variable the templates use is missing (optional
    ones are passed as None), `ValueError` for a naive datetime or a `language` variable.
    """
    if _LANGUAGE_VARIABLE in variables:
        raise ValueError(f"{_LANGUAGE_VARIABLE!r} is reserved for the recipient's language")
    context_variables = {**variables, _LANGUAGE_VARIABLE: Language(language).value}
    prefix = f"{Language(language).value}/{Event(event).value}"

    text_template = environment.get_template(f"{prefix}.txt")
    subject = _render_block(text_template, "subject", context_variables)
    body = _render_block(text_template, "body", context_variables)
    html = environment.get_template(f"{prefix}.html").render(context_variables)

    return RenderedMail(
        subject=" ".join(subject.split()),
        text=body.strip("\n") + "\n",
        html=html,
    )


def _render_block(template: Template, block: str, variables: dict[str, Any]) -> str:
    render_block = template.blocks[block]
    return "".join(render_block(template.new_context(variables)))


def _locale(context: Context) -> str:
    return str(context[_LANGUAGE_VARIABLE])


def _agency_time(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: pass a timezone-aware datetime")
    return value.astimezone(AGENCY_TIMEZONE)


def _clean(formatted: str) -> str:
    return formatted.replace(_NARROW_NO_BREAK_SPACE, " ")


def _date_text(value: date, locale: str) -> str:
    return _clean(format_date(value, "medium", locale=locale))


def _time_text(value: datetime, locale: str) -> str:
    return _clean(format_time(value, "short", locale=locale))


def _datetime_text(value: datetime, locale: str) -> str:
    # CLDR's "medium" date-time pattern, joining the medium date and the short time (no
    # seconds), as Babel's own format_datetime joins them.
    pattern = get_datetime_format("medium", locale=locale).replace("'", "")
    return pattern.replace("{1}", _date_text(value, locale)).replace(
        "{0}", _time_text(value, locale)
    )


@pass_context
def _datetime_filter(context: Context, value: datetime) -> str:
    return _datetime_text(_agency_time(value), _locale(context))


@pass_context
def _date_filter(context: Context, value: date) -> str:
    """A date as is; a datetime by its calendar day in the agency's time zone."""
    day = _agency_time(value).date() if isinstance(value, datetime) else value
    if not isinstance(day, date):
        raise TypeError(f"expected a date or datetime, got {type(value).__name__}")
    return _date_text(day, _locale(context))


@pass_context
def _time_filter(context: Context, value: datetime) -> str:
    return _time_text(_agency_time(value), _locale(context))


@pass_context
def _timespan_filter(context: Context, start: datetime, end: datetime) -> str:
    locale = _locale(context)
    local_start, local_end = _agency_time(start), _agency_time(end)
    if local_start.date() == local_end.date():
        until = _time_text(local_end, locale)
    else:
        until = _datetime_text(local_end, locale)
    return f"{_datetime_text(local_start, locale)} {_EN_DASH} {until}"


environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
environment.filters.update(
    datetime=_datetime_filter,
    date=_date_filter,
    time=_time_filter,
    timespan=_timespan_filter,
)
