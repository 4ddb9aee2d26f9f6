"""Template filters of the reports: figures formatted in the reader's language."""

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def figure(value):
    """A number grouped and with the decimal sign of the reader's language ("1,234" in English,
    "1 234" in Ukrainian); anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return formats.number_format(value, decimal_pos=1 if isinstance(value, float) else None, force_grouping=True)
