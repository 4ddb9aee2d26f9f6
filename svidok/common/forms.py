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
