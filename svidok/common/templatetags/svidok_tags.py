"""Template helpers shared by every page."""

from django import template
from django.conf import settings
from django.utils.translation import check_for_language, get_language_info

from svidok.common import forms

register = template.Library()


@register.filter
def lookup(mapping, key):
    """``can|lookup:"incident.create"``: dict keys with dots cannot be reached with template dots."""
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return None


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (``page``, ``sort``), for links."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode()


@register.filter
def history_value(value):
    """A before/after value of an audit entry, readable: lists and dicts flattened."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {history_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(history_value(v) for v in value) or "—"
    return str(value)


@register.simple_tag
def interface_languages():
    """(code, name in that language) of each configured language that has a catalogue installed,
    for the switcher: a language whose catalogue is missing (not compiled, or not merged yet)
    would be refused by ``set_language`` and its button would do nothing. English, the language
    of the source strings, needs none."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
            if code == settings.LANGUAGE_CODE or check_for_language(code)]
@register.filter
def error_items(form):
    """Every error of ``form`` for the summary of ``_form_fields.html`` (``common.forms.error_items``)."""
    return forms.error_items(form) if form is not None and getattr(form, "is_bound", False) else []
