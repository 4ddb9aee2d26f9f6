"""The dashboard: the user's own work first (svidok.work: drafts, reviews waiting, assignments,
recent changes, unread notifications, saved searches), then counts over the incidents the user may
see, each one aggregate query."""

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, When
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.common.views import add_service_errors
from svidok.incidents.forms import IncidentFilterForm, filter_with_place_names
from svidok.incidents.models import Election, Incident, Place, Term
from svidok.incidents.queries import visible_incidents
from svidok.people import freetext
from svidok.reports import charts, geo, statistics
from svidok.work import queries as work

# Each list of the dashboard shows this many; its "all" link the rest.
SHORT = 5


# Characters a file name may not hold on some system (as incidents.bulk_views).
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


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
    try:
        incidents, _cleaned = filter_with_place_names(visible_incidents(request.user), request.GET)
    except ValidationError as exc:
        return JsonResponse({"errors": [message for messages in exc.message_dict.values() for message in messages]}, status=400)
    total = incidents.count()
    rows = list(incidents.select_related(*geo.RELATED).only(*geo.ONLY).order_by("-date_start", "-id")[:MAP_LIMIT])
    reader = freetext.reader_for(request)
    reader.expect(incident.title for incident in rows)
    # One reverse() for all: 20,000 of them were a tenth of the answer's time.
    sample = "SV-0000-000000"
    detail = reverse("incidents:detail", args=[sample])
    features = geo.incident_features(rows, url_for=lambda incident: detail.replace(sample, incident.reference),
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


# --- statistics (docs/statistics.md) -------------------------------------------------------------


def _statistics_scope(request):
    """The incidents the statistics count for this request: visible to the user and filtered by the
    incident list's filters (a place may be given by name). Returns the queryset (None when a filter
    is malformed), the filter form and the elections whose days the timeline may mark."""
    require(request.user, "incident.view")
    incidents = visible_incidents(request.user)
    # A counsel account reads no election of its own (rule 13): only those of the incidents it sees.
    elections = None if rules.can(request.user, "election.view") else Election.objects.filter(incidents__in=incidents).distinct()
    form = IncidentFilterForm(request.GET or None, elections=elections)
    try:
        incidents, _cleaned = filter_with_place_names(incidents, request.GET)
    except ValidationError as exc:
        form.is_valid()
        add_service_errors(form, exc)
        return None, form, elections
    return incidents, form, elections


def _filter_query(request) -> str:
    params = request.GET.copy()
    for key in ("sort", "page"):
        params.pop(key, None)
    return params.urlencode()


@login_required
def statistics_page(request):
    incidents, form, elections = _statistics_scope(request)
    query = _filter_query(request)
    charts = []
    if incidents is not None:
        for table in statistics.compute(incidents, visible_elections=elections):
            suffix = f"?{query}" if query else ""
            charts.append({"table": table,
                           "chart_url": reverse("reports:statistics_chart", args=[table.key]) + suffix,
                           "csv_url": reverse("reports:statistics_csv", args=[table.key]) + suffix})
    context = {"form": form, "charts": charts, "query": query,
               "total": statistics.count(incidents) if incidents is not None else None}
    return render(request, "reports/statistics.html", context, status=200 if incidents is not None else 400)


def _one_table(request, key: str):
    if key not in statistics.KEYS:
        raise Http404("No such statistic")
    incidents, _form, elections = _statistics_scope(request)
    if incidents is None:
        return None
    return statistics.table(incidents, key, visible_elections=elections)


@login_required
def statistics_chart(request, key: str):
    table = _one_table(request, key)
    if table is None:
        return HttpResponseBadRequest(_("The filters are not valid."), content_type="text/plain; charset=utf-8")
    # Not cached (common.middleware.NoStoreMiddleware, as every answer): the counts are of what this
    # reader may see, and a shared computer's next user must not find them.
    return HttpResponse(charts.svg(table, width=_chart_width(request)), content_type="image/svg+xml; charset=utf-8")


def _chart_width(request) -> int:
    """The drawing's width in pixels: ``?width=`` (a phone asks for a narrower one, whose text stays
    readable when the image fits the screen), kept within sane bounds; 720 otherwise."""
    try:
        return min(max(int(request.GET.get("width", "")), 320), 1200)
    except ValueError:
        return 720


@login_required
def statistics_csv(request, key: str):
    table = _one_table(request, key)
    if table is None:
        return HttpResponseBadRequest(_("The filters are not valid."), content_type="text/plain; charset=utf-8")
    name = " ".join(_UNSAFE_IN_FILE_NAMES.sub(" ", f"{table.title} – {timezone.localdate().isoformat()}").split())[:150]
    response = HttpResponse(statistics.table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
    return response
