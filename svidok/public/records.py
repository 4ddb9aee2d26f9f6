"""What the public site and the open data may say about incidents (issue 14, item 4).

Two rules, both here so that every public page, feed and file follows them alike:

- **Which incidents**: :func:`published_incidents`, those a coordinator published
  (``incidents.publication``) that are verified and of public sensitivity *now*.
- **What of them**: :func:`public_records`, each incident as a plain dict, redacted the way a
  publication export is (``incidents.exporting``, ``people.consent``) for a reader with no clearance
  at all: a protected person is withheld ("a protected person") unless they consented to
  publication, and then shown by pseudonym; the real name is never opened. Protected names typed
  into free text (title, narrative, a source's title or publisher) are replaced; a source address
  that holds such a name is left out. Reviewer notes, status reasons, place details, involvement
  details, source excerpts and notes, tags, the record's author and every internal id (primary
  keys, UUIDs) are not in the dict at all: what is not taken cannot leak.

Labels (type, roles, legal qualification, place and election names) are in the active language.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.incidents.exporting import batches
from svidok.incidents.models import Incident, IncidentSource, Involvement
from svidok.people.consent import Disclosure, Purpose, Shown
from svidok.people.freetext import Matcher
from svidok.reports import geo

# The keys of a public record, in the order the flat (CSV) file writes them.
KEYS = ("reference", "title", "narrative", "type", "type_label", "date_start", "date_end", "date_precision",
        "place_code", "place_name", "latitude", "longitude", "location_precision", "election", "involvements",
        "legal_qualification", "sources", "published_on")


class NotPublished(LookupError):
    """The incident is not on the public site (never published, withdrawn, or no longer verified and public)."""


def published_incidents() -> QuerySet:
    """Incidents on the public site: published, verified and of public sensitivity. A change of
    status or sensitivity after publication takes an incident off by itself."""
    return Incident.objects.filter(
        published_at__isnull=False, status=Incident.Status.VERIFIED, sensitivity=Incident.Sensitivity.PUBLIC)


def _prepared(queryset) -> QuerySet:
    # Narrowed again to what is published, whatever the caller passed: a public page built on a
    # wrong queryset shows nothing more than the public site may.
    return (
        queryset.filter(published_at__isnull=False, status=Incident.Status.VERIFIED,
                        sensitivity=Incident.Sensitivity.PUBLIC)
        .select_related("type", "place__raion", "place__region", "election")
        .prefetch_related(
            "legal_tags",
            Prefetch("involvements", queryset=Involvement.objects.select_related(
                "role", "perpetrator_type", "person", "organization").order_by("id")),
            Prefetch("source_links", queryset=IncidentSource.objects.select_related("source").order_by("id")),
        )
    )


def _texts(incident) -> Iterator[str]:
    yield from (incident.title, incident.narrative)
    for link in incident.source_links.all():
        yield from (link.source.title, link.source.publisher, link.source.url)


def public_records(queryset: QuerySet | None = None) -> Iterator[dict]:
    """Each published incident of ``queryset`` (all published incidents when None) as a redacted
    dict (keys: :data:`KEYS`), in the queryset's order, a batch at a time: an export of 100,000
    incidents holds one batch in memory."""
    queryset = published_incidents() if queryset is None else queryset
    for batch in batches(_prepared(queryset)):
        # Nobody's clearance: the public site never opens a sealed identity, whoever asks for the page.
        # One per batch: a Disclosure keeps every person it decided on and every redaction it made,
        # which over a whole registry would grow with it.
        disclosure = Disclosure(actor=AnonymousUser(), purpose=Purpose.PUBLICATION)
        matcher = Matcher(t for incident in batch for t in _texts(incident))
        disclosure.prepare({v.person_id for i in batch for v in i.involvements.all() if v.person_id})
        for incident in batch:
            yield _record(incident, disclosure, matcher)


def public_record(incident: Incident) -> dict:
    """One incident as :func:`public_records` gives it; :class:`NotPublished` when it is not on the public site."""
    for item in public_records(Incident.objects.filter(pk=incident.pk)):
        return item
    raise NotPublished(incident.reference)


def location(incident) -> tuple[float | None, float | None, str]:
    """``(latitude, longitude, precision)`` of ``incident``, where the map puts it
    (``reports.geo.incident_location``): its place's coordinates, or the centre of its raion or
    region ("place", "raion", "region"); ``(None, None, "")`` when nothing is known."""
    point = geo.incident_location(incident)
    if point is None:
        return None, None, ""
    return point.latitude, point.longitude, point.precision


def _record(incident, disclosure: Disclosure, matcher: Matcher) -> dict:
    where = incident.reference

    def text(value: str, field_name: str) -> str:
        if not value:
            return value
        return disclosure.redact_text(value, where=where, field_name=field_name, matcher=matcher)

    involvements = []
    for involvement in incident.involvements.all():
        party = involvement.person or involvement.organization
        protected = bool(involvement.person_id and party.protected)
        shown = disclosure.decide(party).shown if protected else Shown.NAMED
        involvements.append({
            "role": involvement.role.code, "role_label": involvement.role.label,
            # Withheld: not even the pseudonym, which repeated across incidents could point to a person.
            "name": _("a protected person") if shown is Shown.WITHHELD else party.display_name,
            "withheld": shown is Shown.WITHHELD,
            "perpetrator_type": involvement.perpetrator_type.code if involvement.perpetrator_type_id else "",
            "perpetrator_type_label": involvement.perpetrator_type.label if involvement.perpetrator_type_id else "",
        })
    sources = []
    for link in incident.source_links.all():
        source = link.source
        url = source.url
        if url and text(url, "sources.url") != url:
            url = ""  # a protected name in the address (a news slug): a mangled address helps nobody
        sources.append({
            "title": text(source.title, "sources.title"), "url": url,
            "publisher": text(source.publisher, "sources.publisher"),
            "published_on": source.published_on.isoformat() if source.published_on else None,
        })
    latitude, longitude, precision = location(incident)
    return {
        "reference": incident.reference,
        "title": text(incident.title, "title"),
        "narrative": text(incident.narrative, "narrative"),
        "type": incident.type.code,
        "type_label": incident.type.label,
        "date_start": incident.date_start.isoformat(),
        "date_end": incident.date_end.isoformat() if incident.date_end else None,
        "date_precision": incident.date_precision,
        "place_code": incident.place.code if incident.place_id else "",
        "place_name": incident.place.name if incident.place_id else "",
        "latitude": latitude,
        "longitude": longitude,
        "location_precision": precision,
        "election": incident.election.display_name if incident.election_id else "",
        "involvements": involvements,
        "legal_qualification": sorted((t.label for t in incident.legal_tags.all()), key=str.casefold),
        "sources": sources,
        "published_on": timezone.localdate(incident.published_at).isoformat(),
    }
