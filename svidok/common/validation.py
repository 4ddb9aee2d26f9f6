"""Checks shared by services, forms, the API and importers; each raises a field-keyed error."""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def is_uuid(value: str) -> bool:
    """True when ``value`` is written as a UUID (a public id), so it is worth looking up as one."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def today() -> dt.date:
    return timezone.localdate()


def check_not_future(field: str, value: dt.date | None) -> None:
    if value is not None and value > today():
        raise ValidationError({field: _("Date %(date)s is in the future.") % {"date": value.isoformat()}})


def check_range(start_field: str, start: dt.date | None, end_field: str, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(
            {end_field: _("%(end)s ends before %(start)s starts.") % {"end": end_field, "start": start_field}}
        )


def check_text_size(field: str, value: str | None, limit: int | None = None) -> None:
    limit = limit or settings.SVIDOK_MAX_TEXT
    if value and len(value) > limit:
        raise ValidationError(
            {field: _("Text is %(size)d characters long; the limit is %(limit)d.") % {"size": len(value), "limit": limit}}
        )


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
