"""Template tags of the incident pages."""

from django import template
from django.template.defaultfilters import date
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def incident_date(incident, long=False):
    """An incident's date as precise as it was recorded: the year, the month, "≈ day", or the day
    (and the last day) in ``<time>`` elements; ``long`` in the language's own format (the incident
    page) rather than numbers (tables). A tag rather than an included template: the incident table
    shows 50 a page, and each include cost about 0.3 ms (docs/decisions.md, 70)."""
    start, end, precision = incident.date_start, incident.date_end, incident.date_precision
    if precision == "year":
        return date(start, "Y")
    if precision == "month":
        return date(start, "YEAR_MONTH_FORMAT" if long else "m.Y")
    shown = "DATE_FORMAT" if long else "Y-m-d"
    if precision == "approximate":
        return "≈ " + date(start, shown)
    html = format_html('<time datetime="{}">{}</time>', date(start, "Y-m-d"), date(start, shown))
    if end:
        html += format_html(' – <time datetime="{}">{}</time>', date(end, "Y-m-d"), date(end, shown))
    return html
