"""Permission-aware reads. Every view and API endpoint fetches incidents through these.

Invisible is 404 (``get_incident_for_user``); the rules live in ``svidok.accounts.rules``.
"""

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.db.models import Exists, Max, OuterRef, Q
from django.http import Http404
from django.utils.translation import gettext as _

from svidok.accounts import rules
from svidok.accounts.models import Role
from svidok.common import crypto
from svidok.common.validation import is_uuid
from svidok.incidents.models import CaseShare, Incident, IncidentAccess, IncidentDraft, Place
from svidok.search.api import matching_ids

SORTS = {
    "date": ("date_start", "id"),
    "-date": ("-date_start", "-id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "status": ("status", "-date_start", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
FILTERS = ("type", "status", "date_from", "date_to", "place", "election", "sensitivity", "tag", "q", "legal", "published")
# The "published on the public site" filter: yes (shown there now) or no.
PUBLISHED_CHOICES = ("yes", "no")


def visible_incidents(user):
    """Incidents ``user`` may see (docs/permissions.md, rules 1, 2, 12 and 13): by role, sensitivity
    and status; a restricted incident only for the roles that see restricted incidents and for the
    users named on it; authors see their own; external counsel only within the cases shared with
    the account."""
    role = rules.role_of(user)
    if role is None or not rules.can(user, "incident.view"):
        return Incident.objects.none()
    sensitivities = rules.SENSITIVITIES[role]
    seen = Q(sensitivity__in=sensitivities)
    if set(sensitivities) != set(Incident.Sensitivity.values):
        seen |= Exists(IncidentAccess.objects.filter(incident=OuterRef("pk"), user=user))
    allowed = Q(status__in=rules.STATUSES[role]) & seen
    if role == Role.COUNSEL:
        allowed &= Exists(CaseShare.objects.filter(case__incidents=OuterRef("pk"), user=user))
    if role in rules.EDITORS:
        allowed |= Q(created_by=user)
    return Incident.objects.filter(allowed)


def get_incident_for_user(user, reference: str) -> Incident:
    incident = visible_incidents(user).filter(reference=reference).first()
    if incident is None:
        raise Http404("No such incident")
    return incident


def _date(field: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")}) from None


def longest_span() -> int:
    """The most days any incident lasts (``date_end`` - ``date_start``): one step down an index."""
    return Incident.objects.aggregate(longest=Max("span_days"))["longest"] or 0


def ends_on_or_after(day: dt.date) -> Q:
    """Incidents whose last day (``date_end``, or ``date_start`` for a one-day incident) is ``day`` or later.

    The exact test ``date_end >= day OR date_start >= day`` can use no index, so a range on
    ``date_start`` goes with it: an incident that ends on or after ``day`` started at most
    :func:`longest_span` days before it. The range changes no result; it lets the indexes on
    ``date_start`` (alone or after the type or status) bound the rows read to the period asked for.
    """
    exact = Q(date_end__gte=day) | Q(date_start__gte=day)
    try:
        earliest = day - dt.timedelta(days=longest_span())
    except OverflowError:  # before year 1: nothing to bound
        return exact
    return exact & Q(date_start__gte=earliest)


def places_under(code: str) -> list[int]:
    """Ids of the place with KATOTTG ``code`` and of every place whose parent, raion or region it is."""
    # The place's id first: ORing its code across three joins read the whole gazetteer (14 ms).
    place_id = Place.objects.filter(code=code).values_list("pk", flat=True).first()
    if place_id is None:
        return []
    under = Q(pk=place_id) | Q(parent_id=place_id) | Q(raion_id=place_id) | Q(region_id=place_id)
    return list(Place.objects.filter(under).values_list("pk", flat=True))


def filter_incidents(queryset, params, *, match_text: bool = True) -> "tuple[object, dict]":
    """Apply the list filters shared by the web UI and the API.

    ``params`` is a mapping of filter name to string (a QueryDict works). Returns the filtered
    queryset and the cleaned filters; a malformed value raises a field-keyed ValidationError.
    With ``match_text=False`` the text (``q``) is checked and returned in the cleaned filters but
    not applied: the caller walks its matches in the search index's order instead
    (``views.incident_list``).
    """
    cleaned = {k: (params.get(k) or "").strip() for k in FILTERS if (params.get(k) or "").strip()}
    for key, value in cleaned.items():
        if "\x00" in value:  # PostgreSQL refuses it in a query with an error (a 500); SQLite finds nothing
            raise ValidationError({key: _("Null characters are not allowed.")})
    if "type" in cleaned:
        queryset = queryset.filter(type__code=cleaned["type"], type__vocabulary__code="incident_type")
    if "status" in cleaned:
        if cleaned["status"] not in Incident.Status.values:
            raise ValidationError({"status": _("Unknown status.")})
        queryset = queryset.filter(status=cleaned["status"])
    if "sensitivity" in cleaned:
        if cleaned["sensitivity"] not in Incident.Sensitivity.values:
            raise ValidationError({"sensitivity": _("Unknown sensitivity.")})
        queryset = queryset.filter(sensitivity=cleaned["sensitivity"])
    if "date_from" in cleaned:
        queryset = queryset.filter(ends_on_or_after(_date("date_from", cleaned["date_from"])))
    if "date_to" in cleaned:
        queryset = queryset.filter(date_start__lte=_date("date_to", cleaned["date_to"]))
    if "date_from" in cleaned and "date_to" in cleaned and cleaned["date_to"] < cleaned["date_from"]:
        raise ValidationError({"date_to": _("The end of the period is before its start.")})
    if "place" in cleaned:
        # The place and everything under it, as a list of place ids first: ORing codes across
        # joins to the place table made the database scan every incident.
        queryset = queryset.filter(place_id__in=places_under(cleaned["place"]))
    if "election" in cleaned:
        queryset = queryset.filter(election__uuid=cleaned["election"]) if is_uuid(cleaned["election"]) else queryset.none()
    if "tag" in cleaned:
        queryset = queryset.filter(tags__name=cleaned["tag"].lower())
    if "legal" in cleaned:
        queryset = queryset.filter(legal_tags__code=cleaned["legal"])
    if "q" in cleaned and match_text:
        queryset = queryset.filter(pk__in=matching_ids("incident", cleaned["q"]))
    if "published" in cleaned:
        if cleaned["published"] not in PUBLISHED_CHOICES:
            raise ValidationError({"published": _("Choose yes or no.")})
        # What the public site shows now (public.records.published_incidents, which lies above this app).
        on_site = Q(published_at__isnull=False, status=Incident.Status.VERIFIED, sensitivity=Incident.Sensitivity.PUBLIC)
        queryset = queryset.filter(on_site if cleaned["published"] == "yes" else ~on_site)
    return queryset, cleaned


def sort_incidents(queryset, sort: str | None):
    return queryset.order_by(*SORTS.get(sort or "-date", SORTS["-date"]))


def draft_for(user, incident: Incident | None = None) -> tuple[dict[str, list[str]], dt.datetime] | None:
    """``user``'s own draft of the form of a new incident (or of ``incident``): the fields as
    typed and when they were kept; None when there is none, or when it no longer opens (sealed
    under a key since removed: a draft is worth less than an error page)."""
    target = "" if incident is None else incident.reference
    draft = IncidentDraft.objects.filter(user=user, target=target).first() if user.is_authenticated else None
    if draft is None or not draft.content:
        return None
    try:
        data = json.loads(crypto.open_sealed(draft.content, draft.seal_context()))
    except (crypto.VaultError, ValueError):
        return None
    return ({k: [str(v) for v in values] for k, values in data.items() if isinstance(values, list)}
            if isinstance(data, dict) else {}), draft.saved_at
