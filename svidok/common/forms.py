"""Form pieces with no domain: the date widget, a vocabulary-term field, choosing one of several matches."""

from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TermChoiceField(forms.ModelChoiceField):
    """The active terms of one vocabulary, chosen by code. ``model`` is the term model (the field's
    related model, so that an app need not import the app that defines vocabularies)."""

    def __init__(self, vocabulary: str, *, model, **kwargs):
        queryset = model.objects.filter(vocabulary__code=vocabulary, active=True).order_by("order", "code")
        super().__init__(queryset=queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, obj):
        return obj.label


def pick_one(candidates: list, exact: list, *, none: str, several: str, label):
    """The only exact match, else the only candidate; none or several is a field error.

    ``several`` is a message with ``%(names)s``, filled with ``label(candidate)`` of the first ten.
    """
    if len(exact) == 1:
        return exact[0]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ValidationError(none)
    raise ValidationError(several % {"names": "; ".join(label(c) for c in candidates[:10])})


def error_items(form, where: str = "") -> list[dict]:
    """Every error of a bound ``form`` in the order of its fields, for a summary at the top of the
    page: ``{"where": label (after ``where``, e.g. a row's legend), "message", "anchor": the id of
    the field's input}``. A field is named by its label, never by its code (docs/wording.md)."""
    items = []
    errors = form.errors
    names = [name for name in form.fields if name in errors] + [name for name in errors if name not in form.fields]
    for name in names:
        field = form[name] if name in form.fields else None
        label = field.label if field is not None and not field.is_hidden else ""
        anchor = field.auto_id if field is not None and not field.is_hidden else f"{form.prefix or 'form'}-errors"
        place = ": ".join(str(part) for part in (where, label) if part)
        items.extend({"where": place, "message": message, "anchor": anchor} for message in errors[name])
    return items


def add_errors_once(form, error, field_map: dict | None = None) -> None:
    """Put a service check's field-keyed ValidationError on ``form``, except on fields that already
    failed (a field the form could not read is "required" to the service: saying so twice helps
    nobody). Used by forms that run their use case's checks across fields themselves, so that one
    submit shows every error."""
    field_map = field_map or {}
    for field, messages in error.message_dict.items():
        target = field_map.get(field, field)
        if target not in form.fields:
            form.add_error(None, messages)
        elif target not in form.errors:
            form.add_error(target, messages)
