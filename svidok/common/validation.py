"""Checks shared by services, forms, the API and importers; each raises a field-keyed error."""

import datetime as dt
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def is_uuid(value: str) -> bool:
    """True when ``value`` is written as a UUID (a public id), so it is worth looking up as one."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


_ID_IN_ADDRESS = re.compile(r"/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/", re.IGNORECASE)


def public_id_in(text: str) -> str | None:
    """The public id ``text`` names: itself when it is one, or the one in a pasted address of a
    record's page ("https://…/people/persons/<uuid>/"). Messages ask for the address, never for
    an id (docs/wording.md); ids typed by hand keep working."""
    text = (text or "").strip()
    if is_uuid(text):
        return text
    found = _ID_IN_ADDRESS.search(text + "/") if "/" in text else None
    return found.group(1) if found else None


def today() -> dt.date:
    return timezone.localdate()


# The oldest date a person may type. Nothing Svidok records (incidents since 2014, the birth dates
# of living people, sources, elections) is older; a year like 0197 is a typing slip, and references
# (SV-YYYY-NNNNNN), lists and exports assume four-digit years.
EARLIEST_DATE = dt.date(1900, 1, 1)


def check_date(field: str, value: dt.date | None) -> None:
    """A date a person typed: between :data:`EARLIEST_DATE` and today (``None`` passes)."""
    if value is None:
        return
    if value < EARLIEST_DATE:
        raise ValidationError({field: _("Date %(date)s is before 1900; check the year.") % {"date": value.isoformat()}})
    if value > today():
        raise ValidationError({field: _("Date %(date)s is in the future.") % {"date": value.isoformat()}})


# The older name: every caller of it checks a typed date, so it applies the whole rule.
check_not_future = check_date

# Characters no typed text needs: C0 controls (NUL, escape, ...), DEL, C1 controls and lone UTF-16
# surrogates. They are invisible, break XML (XLSX exports), CSV readers and terminals. Long text
# (narratives, notes) keeps tab, newline and carriage return; one-line text (titles, names) none.
_CONTROL_LONG = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def check_text(field: str, value, *, long: bool = False) -> None:
    """Typed text without control characters: see :data:`_CONTROL_LINE`; ``long=True`` for
    multi-line text, which may hold tabs and line breaks. Non-strings pass (other checks type them)."""
    if not isinstance(value, str):
        return
    found = (_CONTROL_LONG if long else _CONTROL_LINE).search(value)
    if found:
        char = found.group()
        if char in "\t\n\r":
            message = _("Line breaks and tabs are not allowed here (character %(position)d); write it on one line.")
        else:
            message = _("Invisible control character U+%(code)04X at character %(position)d; remove it.")
        raise ValidationError({field: message % {"code": ord(char), "position": found.start() + 1}})


def check_texts(fields: dict, *, long=(), skip=()) -> None:
    """:func:`check_text` on every string in ``fields`` (the names in ``long`` as long text), all
    errors together."""
    collect(*(
        (lambda name=name, value=value: check_text(name, value, long=name in long))
        for name, value in fields.items() if name not in skip
    ))


def check_range(start_field: str, start: dt.date | None, end_field: str, end: dt.date | None, *,
                message: str | None = None) -> None:
    """The end no earlier than the start; the error (on ``end_field``) names the dates, formatted in
    the reader's language, and never the fields' codes (docs/wording.md). ``message`` has
    ``%(start)s`` and ``%(end)s``."""
    if start is not None and end is not None and end < start:
        message = message or _("The end date (%(end)s) is before the start date (%(start)s).")
        raise ValidationError({end_field: message % {"end": date_format(end), "start": date_format(start)}})


def check_text_size(field: str, value: str | None, limit: int | None = None, *, long: bool = True) -> None:
    """Typed text of at most ``limit`` characters (:setting:`SVIDOK_MAX_TEXT` by default) without
    control characters (:func:`check_text`; ``long=False`` for one-line text such as a title)."""
    limit = limit or settings.SVIDOK_MAX_TEXT
    if value and len(value) > limit:
        raise ValidationError(
            {field: _("Text is %(size)d characters long; the limit is %(limit)d.") % {"size": len(value), "limit": limit}}
        )
    check_text(field, value, long=long)


def collect(*checks) -> None:
    """Run every check and raise one ValidationError with all field errors together."""
    errors: dict[str, list] = {}
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def check_required(field: str, value, message: str | None = None) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError({field: message or _("This field is required.")})


def check_choice(field: str, value, choices, message: str) -> None:
    if value not in choices:
        raise ValidationError({field: message})
