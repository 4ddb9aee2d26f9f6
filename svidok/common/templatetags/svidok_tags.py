"""Template helpers shared by every page."""

from django import template

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


@register.filter
def error_items(form):
    """Every error of ``form`` for the summary of ``_form_fields.html`` (``common.forms.error_items``)."""
    return forms.error_items(form) if form is not None and getattr(form, "is_bound", False) else []
