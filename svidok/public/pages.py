"""The public portal's pages (docs/public-portal.md): anonymous, read-only, cached.

Every page reads incidents through ``public.records`` only (``published_incidents`` for which,
``public_records`` for what of them), so a page shows nothing the open data does not. Addresses
carry an incident's reference or a slug made from a name, never a primary key or a UUID. The
templates know no user: a page looks the same to everybody, which is what lets it be cached whole
(``public.cache``).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from svidok.common.middleware import embeddable
from svidok.forensics.data import load_precincts
from svidok.forensics.models import Precinct, ResultSet
from svidok.forensics.regions import occupied_regions, region_label
from svidok.forensics.stats import summary as results_summary
from svidok.forensics.views import PLOT_ALTS, render_plot
from svidok.incidents.models import Election, Incident, Place, Term
from svidok.names.text import romanizations
from svidok.people.models import Occupancy, Person
from svidok.public.cache import cached_page
from svidok.public.records import public_records, published_incidents
from svidok.reports import charts, geo, statistics
from svidok.sanctions.models import Proposal, ProposalMember

PAGE_SIZE = 25
LATEST = 8
# The statistics the portal shows. Workflow tables (status, time to verification) say nothing here:
# every published incident is verified.
CHART_KEYS = ("by-month", "by-type", "by-region", "by-raion", "by-perpetrator-type", "by-victim-group")
HOME_CHARTS = ("by-month", "by-type")
# Plots of official results an election's page shows (forensics.views draws them).
ELECTION_PLOTS = ("turnout", "leader_share", "fingerprint", "integers")
# Proposals whose persons the portal names: signed off by a lead (and perhaps submitted since).
SIGNED_OFF = (Proposal.Status.SIGNED_OFF, Proposal.Status.SUBMITTED)
LANGUAGE_COOKIE_DAYS = 365


# --- slugs ---------------------------------------------------------------------------------------


def _latin_slug(text: str) -> str:
    slug = slugify(text)
    if not slug or len(slug) * 2 < len(slugify(text, allow_unicode=True)):
        slug = slugify(romanizations(text).get("uk_national_2010", ""))
    return slug[:80].strip("-")


def _unique_slugs(items: list, base) -> dict[str, object]:
    """``{slug: item}``; the second item with a slug gets "-2", and so on (items in a stable order)."""
    found: dict[str, object] = {}
    for item in items:
        slug = base(item) or "record"
        candidate, n = slug, 1
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found[candidate] = item
    return found


def election_slugs() -> dict[str, Election]:
    """Slug (voting day and name in Latin letters) of every election, e.g. "2018-03-18-vybory-prezydenta"."""
    elections = list(Election.objects.order_by("date", "id"))
    return _unique_slugs(elections, lambda e: "-".join(p for p in (e.date.isoformat(), _latin_slug(e.name)) if p))


def slug_of_election(election: Election) -> str:
    return next(slug for slug, e in election_slugs().items() if e.pk == election.pk)


def named_persons():
    """Persons on a signed-off sanctions proposal: the portal may name them (never a protected person)."""
    ids = ProposalMember.objects.filter(proposal__status__in=SIGNED_OFF, person__isnull=False).values("person_id")
    return Person.objects.filter(pk__in=ids, protected=False, merged_into=None).order_by("display_name", "id")


def person_slugs() -> dict[str, Person]:
    return _unique_slugs(list(named_persons()), lambda p: _latin_slug(p.display_name))


# --- filters -------------------------------------------------------------------------------------


class PortalFilters(forms.Form):
    """What the list, the map, the charts and the embeds can be narrowed to; a bad value is ignored
    (and said), the rest still applies."""

    type = forms.ChoiceField(label=_("Type"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    election = forms.ChoiceField(label=_("Election"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        everything = [("", _("All"))]
        types = Term.objects.filter(vocabulary__code="incident_type").order_by("order", "id")
        self.fields["type"].choices = everything + [(t.code, t.label) for t in types]
        regions = Place.objects.filter(category__in=[Place.Category.REGION, "K"]).order_by("code")
        self.fields["region"].choices = everything + sorted(((p.code, p.name) for p in regions), key=lambda c: c[1])
        self.elections = election_slugs()
        published = set(published_incidents().exclude(election=None).values_list("election_id", flat=True))
        self.fields["election"].choices = everything + [
            (slug, e.display_name) for slug, e in reversed(self.elections.items()) if e.pk in published]

    def filter(self, incidents):
        data = self.cleaned_data if self.is_bound and self.is_valid() else getattr(self, "cleaned_data", {})
        if data.get("type"):
            incidents = incidents.filter(type__code=data["type"])
        if data.get("region"):
            incidents = incidents.filter(Q(place__code=data["region"]) | Q(place__region__code=data["region"]))
        if data.get("election"):
            incidents = incidents.filter(election=self.elections[data["election"]])
        if data.get("since"):
            incidents = incidents.filter(Q(date_end__gte=data["since"]) | Q(date_end=None, date_start__gte=data["since"]))
        if data.get("until"):
            incidents = incidents.filter(date_start__lte=data["until"])
        return incidents

    def query(self) -> str:
        """The valid filters as a query string ("" or "?type=..."), for links that keep them."""
        data = getattr(self, "cleaned_data", {})
        params = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items() if v}
        return ("?" + urlencode(params)) if params else ""

    @property
    def active(self) -> bool:
        return bool(getattr(self, "cleaned_data", None) and any(self.cleaned_data.values()))


def _filtered(request):
    form = PortalFilters(request.GET)
    form.is_valid()
    return form, form.filter(published_incidents())


# --- records for templates -----------------------------------------------------------------------


def _display(record: dict) -> dict:
    """A public record with its dates as dates (the templates format them in the reader's language)."""
    shown = dict(record)
    for key in ("date_start", "date_end", "published_on"):
        shown[key] = dt.date.fromisoformat(record[key]) if record.get(key) else None
    for source in shown["sources"]:
        source["published"] = dt.date.fromisoformat(source["published_on"]) if source.get("published_on") else None
    shown["url"] = reverse("public:incident", args=[record["reference"]])
    shown["when"] = geo.dates_text(shown["date_start"], shown["date_end"], record["date_precision"])
    return shown


def _records(incidents) -> list[dict]:
    if incidents.query.is_sliced:  # public_records narrows the queryset again, which a slice forbids
        ordering = incidents.query.order_by
        incidents = Incident.objects.filter(pk__in=list(incidents.values_list("pk", flat=True))).order_by(*ordering)
    return [_display(r) for r in public_records(incidents)]


def _figures(incidents) -> dict:
    found = incidents.aggregate(n=Count("id"), first=Min("date_start"), last=Max("date_start"),
                                places=Count("place", distinct=True), elections=Count("election", distinct=True))
    found["no_place"] = incidents.filter(place=None).count()
    return found


def _chart(key: str, table, query: str, *, embed: bool = True) -> dict:
    return {
        "table": table,
        "chart_url": reverse("public:chart_svg", args=[key]) + query,
        "csv_url": reverse("public:chart_csv", args=[key]) + query,
        "embed_url": reverse("public:embed_chart", args=[key]) + query if embed else "",
    }


def _map_context(request, form) -> dict:
    query = form.query()
    return {"points_url": reverse("public:map_points") + query,
            "boundaries_url": reverse("public:boundaries"),
            "map_embed_url": reverse("public:embed_map") + query}


# --- pages ---------------------------------------------------------------------------------------


@cached_page
def home(request):
    form, incidents = _filtered(request)
    latest = incidents.order_by("-published_at", "-id")[:LATEST]
    context = {
        "form": form,
        "figures": _figures(incidents),
        "charts": [_chart(k, statistics.table(incidents, k), form.query()) for k in HOME_CHARTS],
        "latest": _records(latest),
        **_map_context(request, form),
    }
    return render(request, "public/home.html", context)


@cached_page
def incident_list(request):
    form, incidents = _filtered(request)
    incidents = incidents.order_by("-date_start", "-id")
    page = Paginator(incidents.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    chosen = Incident.objects.filter(pk__in=list(page.object_list)).order_by("-date_start", "-id")
    return render(request, "public/incident_list.html", {
        "form": form, "page": page, "records": _records(chosen), "total": page.paginator.count,
        "map_url": reverse("public:home") + form.query(),
    })


@cached_page
def incident_detail(request, reference):
    incident = published_incidents().filter(reference=reference).first()
    if incident is None:
        raise Http404("Not on the public site")
    record = _records(Incident.objects.filter(pk=incident.pk))[0]
    election_slug = slug_of_election(incident.election) if incident.election_id else ""
    return render(request, "public/incident_detail.html", {"record": record, "election_slug": election_slug})


@cached_page
def statistics_page(request):
    form, incidents = _filtered(request)
    query = form.query()
    tables = [statistics.table(incidents, key) for key in CHART_KEYS]
    return render(request, "public/statistics.html", {
        "form": form, "figures": _figures(incidents), "charts": [_chart(t.key, t, query) for t in tables],
    })


def _table_or_404(request, key):
    if key not in CHART_KEYS:
        raise Http404("No such chart")
    form, incidents = _filtered(request)
    return statistics.table(incidents, key)


@cached_page
def chart_svg(request, key):
    return HttpResponse(charts.svg(_table_or_404(request, key)), content_type="image/svg+xml; charset=utf-8")


@cached_page
def chart_csv(request, key):
    table = _table_or_404(request, key)
    response = HttpResponse(statistics.table_csv(table), content_type="text/csv; charset=utf-8")
    name = f"{table.title} – {timezone.localdate().isoformat()}.csv".replace('"', "'")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _features(incidents) -> tuple[list[dict], int]:
    """Map points of ``incidents`` with their titles as the public records give them (protected names
    replaced); the number of incidents that have no position."""
    titles = {r["reference"]: r["title"] for r in public_records(incidents)}
    features = geo.incident_features(incidents, url_for=lambda i: reverse("public:incident", args=[i.reference]),
                                     title_for=lambda i: titles[i.reference])
    return features, len(titles) - len(features)


@cached_page
def map_points(request):
    form, incidents = _filtered(request)
    features, not_shown = _features(incidents)
    return JsonResponse(geo.feature_collection(features, not_shown=not_shown))


@cached_page
def boundaries(request):
    return JsonResponse(geo.boundaries())


@cached_page
def election_list(request):
    counts = dict(published_incidents().exclude(election=None).values_list("election").annotate(n=Count("id")))
    with_results = set(ResultSet.objects.values_list("election_id", flat=True))
    rows = [{"slug": slug, "election": e, "count": counts.get(e.pk, 0), "results": e.pk in with_results}
            for slug, e in election_slugs().items() if e.pk in counts or e.pk in with_results]
    rows.sort(key=lambda r: r["election"].date, reverse=True)
    return render(request, "public/election_list.html", {"rows": rows})


def _election_or_404(slug) -> Election:
    election = election_slugs().get(slug)
    if election is None:
        raise Http404("No such election")
    return election


def _results_scope(result_set: ResultSet) -> tuple[str, ...]:
    """The occupied Ukrainian regions of a results file (what the portal is about), or the whole file."""
    present = set(Precinct.objects.filter(result_set=result_set).values_list("region", flat=True).distinct())
    return tuple(occupied_regions(present))


@cached_page
def election_detail(request, slug):
    election = _election_or_404(slug)
    incidents = published_incidents().filter(election=election)
    result_set = ResultSet.objects.filter(election=election).order_by("-imported_at").first()
    results = None
    if result_set is not None:
        regions = _results_scope(result_set)
        try:
            figures = results_summary(load_precincts(result_set, regions=regions))
        except ValueError:
            figures = None
        results = {
            "figures": figures,
            "scope": ", ".join(region_label(r) for r in regions) if regions else _("the whole file"),
            "plots": [{"src": reverse("public:election_plot", args=[slug, name]), "alt": PLOT_ALTS[name]}
                      for name in ELECTION_PLOTS] if figures and figures["precincts"] else [],
            "file": result_set.source_name,
        }
    query = "?" + urlencode({"election": slug})
    return render(request, "public/election_detail.html", {
        "election": election, "slug": slug, "records": _records(incidents.order_by("-date_start", "-id")),
        "results": results, "charts": [_chart("by-month", statistics.table(incidents, "by-month"), query)],
        "list_url": reverse("public:incidents") + query,
    })


@cached_page
def election_plot(request, slug, name):
    election = _election_or_404(slug)
    result_set = ResultSet.objects.filter(election=election).order_by("-imported_at").first()
    if result_set is None or name not in ELECTION_PLOTS:
        raise Http404("No such plot")
    regions = _results_scope(result_set)
    label = ", ".join(region_label(r) for r in regions)
    try:
        content = render_plot(name, load_precincts(result_set, regions=regions), "svg", scope=label)
    except ValueError:
        raise Http404("Nothing to plot") from None
    return HttpResponse(content, content_type="image/svg+xml")


@cached_page
def perpetrator_list(request):
    persons = person_slugs()
    counts = _involvement_counts([p.pk for p in persons.values()])
    rows = [{"slug": slug, "person": p, "count": counts.get(p.pk, 0)} for slug, p in persons.items()]
    return render(request, "public/perpetrator_list.html", {"rows": rows})


def _involvement_counts(person_ids) -> dict[int, int]:
    return dict(published_incidents().filter(involvements__person_id__in=person_ids)
                .values_list("involvements__person_id").annotate(n=Count("id", distinct=True)))


@cached_page
def perpetrator_detail(request, slug):
    person = person_slugs().get(slug)
    if person is None:
        raise Http404("No such person on the public site")
    posts = Occupancy.objects.filter(person=person).select_related("position__organization").order_by("-start_date")
    incidents = published_incidents().filter(involvements__person=person).distinct().order_by("-date_start", "-id")
    return render(request, "public/perpetrator_detail.html", {
        "person": person, "posts": posts, "records": _records(incidents),
    })


# --- embeds (docs/public-portal.md, "Embedding") ------------------------------------------------


@embeddable
@cached_page
def embed_map(request):
    form, incidents = _filtered(request)
    return render(request, "public/embed_map.html", {
        "form": form, "figures": _figures(incidents), **_map_context(request, form),
        "site_url": request.build_absolute_uri(reverse("public:home") + form.query()),
    })


@embeddable
@cached_page
def embed_chart(request, key):
    form, incidents = _filtered(request)
    table = _table_or_404(request, key)
    return render(request, "public/embed_chart.html", {
        "chart": _chart(key, table, form.query(), embed=False),
        "site_url": request.build_absolute_uri(reverse("public:statistics") + form.query()),
    })


# --- language ------------------------------------------------------------------------------------


@require_safe
def language(request, code):
    """Switch the portal's language with a plain link (no form: a CSRF token would make every page
    personal and uncacheable) and go back to the page."""
    from django.conf import settings

    if code not in dict(settings.LANGUAGES) or not (code == settings.LANGUAGE_CODE or check_for_language(code)):
        raise Http404("No such language")
    target = request.GET.get("next") or reverse("public:home")
    if not (url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
            and target.startswith("/public/")):
        target = reverse("public:home")
    response = HttpResponseRedirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=LANGUAGE_COOKIE_DAYS * 86400,
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response
