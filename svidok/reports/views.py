"""The dashboard: the user's own work first (svidok.work: drafts, reviews waiting, assignments,
recent changes, unread notifications, saved searches), then counts over the incidents the user may
see, each one aggregate query."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, When
from django.db.models.functions import TruncMonth
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.incidents.forms import resolve_place
from svidok.incidents.models import Incident, Place, Term
from svidok.incidents.queries import filter_incidents, visible_incidents
from svidok.people import freetext
from svidok.reports import geo
from svidok.work import queries as work

# Each list of the dashboard shows this many; its "all" link the rest.
SHORT = 5


def _work_panels(request) -> dict:
    """The personal lists at the top of the dashboard; none for a role without ``work.personal``."""
    user = request.user
    if not rules.can(user, "work.personal"):
        return {"work": None}
    panels = {
        "drafts": list(work.my_drafts(user).select_related("type")[:SHORT]) if rules.can(user, "incident.create") else None,
        "review": list(work.incidents_to_review(user).select_related("type")[:SHORT]) if rules.can(user, "incident.review") else None,
        "proposals_review": list(work.proposals_to_review(user)[:SHORT]),
        "assigned": list(work.assigned_to(user).select_related("incident__type")[:SHORT]) if rules.can(user, "work.take") else None,
        "recent": list(work.recent_incidents(user).select_related("type")[:SHORT]),
        "recent_proposals": work.recent_proposals(user, SHORT),
        "notifications": list(work.notifications_for(user).filter(read_at=None)[:SHORT]),
        "searches": list(work.saved_searches(user)),
    }
    return {"work": panels}


def _labelled(rows, key: str, objects: dict) -> list[dict]:
    return [{"object": objects.get(row[key]), "count": row["n"], "key": row[key]} for row in rows]


@login_required
def dashboard(request):
    incidents = visible_incidents(request.user)
    total = incidents.count()
    by_type = list(incidents.values("type_id").annotate(n=Count("id")).order_by("-n", "type_id"))
    types = Term.objects.in_bulk([row["type_id"] for row in by_type])
    statuses = dict(Incident.Status.choices)
    by_status = [
        {"code": row["status"], "label": statuses.get(row["status"], row["status"]), "count": row["n"]}
        for row in incidents.values("status").annotate(n=Count("id")).order_by("status")
    ]
    by_month = list(
        incidents.annotate(month=TruncMonth("date_start")).values("month").annotate(n=Count("id")).order_by("-month")[:24]
    )
    # An incident placed at a region or raion as a whole counts for that region or raion itself.
    region = Case(When(place__category__in=["O", "K"], then=F("place_id")), default=F("place__region_id"))
    raion = Case(When(place__category="P", then=F("place_id")), default=F("place__raion_id"))
    by_region = list(
        incidents.annotate(region=region).exclude(region=None).values("region").annotate(n=Count("id")).order_by("-n")[:20]
    )
    by_raion = list(incidents.annotate(raion=raion).exclude(raion=None).values("raion").annotate(n=Count("id")).order_by("-n")[:20])
    places = Place.objects.in_bulk([r["region"] for r in by_region] + [r["raion"] for r in by_raion])
    peak = max([row["n"] for row in by_month] or [1])
    context = {
        "total": total,
        "by_type": _labelled(by_type, "type_id", types),
        "by_status": by_status,
        "by_month": [{"month": row["month"], "count": row["n"], "share": round(100 * row["n"] / peak)} for row in by_month],
        "by_region": _labelled(by_region, "region", places),
        "by_raion": _labelled(by_raion, "raion", places),
        "no_place": incidents.filter(place=None).count(),
        **_work_panels(request),
    }
    return render(request, "reports/dashboard.html", context)


# --- the map (docs/maps.md) ------------------------------------------------------------------------

# The most points one map draws: beyond it the browser slows down and a list of filters serves better.
MAP_LIMIT = 20000


@login_required
def map_points(request):
    """The incidents of the list's filters that the user may see, as GeoJSON points; a bad filter is
    a 400 whose message names the field."""
    require(request.user, "incident.view")
    params = request.GET.copy()
    try:
        place = (params.get("place") or "").strip()
        if place:
            # As on the list: a place may be given by its name; the shared filter takes its code.
            try:
                params["place"] = resolve_place(place).code
            except ValidationError as exc:
                raise ValidationError({"place": exc.messages}) from None
        incidents, _cleaned = filter_incidents(visible_incidents(request.user), params)
    except ValidationError as exc:
        return JsonResponse({"errors": [message for messages in exc.message_dict.values() for message in messages]}, status=400)
    total = incidents.count()
    rows = list(incidents.select_related(*geo.RELATED).order_by("-date_start", "-id")[:MAP_LIMIT])
    reader = freetext.reader_for(request)
    reader.expect(incident.title for incident in rows)
    features = geo.incident_features(rows, url_for=lambda incident: reverse("incidents:detail", args=[incident.reference]),
                                     title_for=lambda incident: reader(incident.title))
    collection = geo.feature_collection(features, not_shown=len(rows) - len(features))
    collection["note"] = geo.note(total=total, considered=len(rows), shown=len(features))
    return JsonResponse(collection, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False})


def map_boundaries(request):
    """The outlines of the occupied regions and raions: public geography (OpenStreetMap, ODbL),
    the same for everybody, so anonymous and cached by browsers for a day."""
    response = HttpResponse(geo.boundaries_text(), content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=86400"
    return response

