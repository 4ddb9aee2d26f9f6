"""Template helpers for person and organization names."""

from django import template

from svidok.people import display, freetext

register = template.Library()


@register.filter
def shown_name(party):
    """``{{ person|shown_name }}``: the name variant for the active language (see ``people.display``)."""
    return display.shown_name(party)


@register.filter
def language_name(code):
    """``uk`` -> Ukrainian (translated); an unknown code as it is."""
    return display.LANGUAGES.get(code, code)


@register.filter
def script_name(code):
    return display.SCRIPTS.get(code, code)


@register.filter
def member_name(member):
    """A proposal member's name: a person's variant for the active language, an organization's name."""
    return display.shown_name(member.person) if member.person_id else member.organization.name


@register.filter
def as_read(text, reader=None):
    """``{{ incident.title|as_read:freetext_reader }}``: a free text as the request's reader sees it
    (``people.freetext.Reader``): protected persons' names as their pseudonyms without clearance.
    Without a reader (a template rendered outside a request) it is read as by a reader without
    clearance: a forgotten reader costs a query, never a name."""
    if not isinstance(reader, freetext.Reader):
        reader = freetext.Reader(None)
    return reader(text)
