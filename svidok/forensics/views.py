"""Forensics pages: a result set's figures and plots by scope, the validation report, saved analyses,
the claim tester, and the import form.

Thin like every view here: parse with a form, authorise with ``svidok.accounts.rules``, call the
service or the analysis code, render. Official results are public numbers, but the pages follow the
same deny-by-default rules as the rest (``forensics.view``).
"""

import hashlib
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.common.views import paginate
from svidok.forensics import checks, claims, report, services, stats
from svidok.forensics.data import load_precincts
from svidok.forensics.forms import ClaimForm, ImportForm, RunForm, ScopeForm
from svidok.forensics.history import counterpart
from svidok.forensics.models import Analysis, Precinct, ResultSet
from svidok.forensics.parsing import FLAGS, MARKS, ResultsFileError
from svidok.forensics.regions import is_occupied, occupied_regions, region_label, regions_of_place
from svidok.incidents.models import Election, Place

# Plots a page can ask for; each takes the scope's precincts (and the report for Shpilkin).
PLOTS = ("turnout", "leader_share", "fingerprint", "integers", "shpilkin", "change")
# The text alternative of each plot (the same words as the page's images).
PLOT_ALTS = {
    "turnout": gettext_lazy("Histogram of precinct turnout"),
    "leader_share": gettext_lazy("Histogram of the leader share"),
    "fingerprint": gettext_lazy("Turnout against leader share"),
    "integers": gettext_lazy("Fine histogram showing round-percentage spikes"),
    "shpilkin": gettext_lazy("Votes by turnout bin"),
    "change": gettext_lazy("Change of turnout at the same precincts"),
}
LIVE_REPLICATES = 200
CACHE_SECONDS = 6 * 3600


def _result_set(uuid) -> ResultSet:
    try:
        return ResultSet.objects.select_related("election", "imported_by").get(uuid=uuid)
    except (ResultSet.DoesNotExist, ValidationError):
        raise Http404("No such result set") from None


# What the pages open on without a region: the occupied Ukrainian regions the file has (the territory
# Svidok documents), not the whole Russian file (97,699 precincts in 2018, seconds to analyse).
TERRITORY_OCCUPIED = "occupied"
TERRITORY_ALL = "all"


@dataclass(frozen=True)
class Scope:
    """The part of a result set a page shows: one region (``region``), several (``regions``: a
    territory such as Crimea and Sevastopol) or the whole file (neither), a commission, and an
    election to compare with. ``query`` is what a link to the same scope carries."""

    region: str = ""
    regions: tuple[str, ...] = ()
    tik: str = ""
    compare: ResultSet | None = None
    territory: str = ""      # TERRITORY_OCCUPIED, TERRITORY_ALL, a place's KATOTTG code, or "" (a region asked for)
    params: tuple = ()       # the query parameters naming this scope, in order

    @property
    def whole_file(self) -> bool:
        return not (self.region or self.regions or self.tik)

    @property
    def label(self) -> str:
        """The scope in the reader's language: the region or regions, and the commission."""
        names = [region_label(r) for r in ((self.region,) if self.region else self.regions)]
        return " · ".join(x for x in (", ".join(names), self.tik) if x)


def _scope(request, result_set: ResultSet, *, default: str = TERRITORY_OCCUPIED) -> Scope:
    """The scope from the query string; unknown values are 404.

    ``region`` (and ``tik``) name one region as the file writes it; ``place`` a gazetteer place
    (KATOTTG code: the territory of the page the reader came from, e.g. an election's); ``territory=all``
    the whole file. With none of them the page opens on the occupied Ukrainian regions of the file, or
    the whole file when it has none."""
    form = ScopeForm(request.GET)
    if not form.is_valid():
        raise Http404("Bad scope")
    region, tik = form.cleaned_data["region"].strip(), form.cleaned_data["tik"].strip()
    territory = (request.GET.get("territory") or "").strip()
    place = (request.GET.get("place") or "").strip()
    try:
        services.check_scope(result_set, region, tik)
    except ValidationError:
        raise Http404("No such region or commission in this result set") from None
    compare = None
    if form.cleaned_data["compare"]:
        compare = ResultSet.objects.filter(uuid=form.cleaned_data["compare"]).exclude(pk=result_set.pk).first()
        if compare is None:
            raise Http404("No such result set to compare with")
    compare_param = (("compare", compare.public_id),) if compare is not None else ()
    if region or tik:
        params = tuple((k, v) for k, v in (("region", region), ("tik", tik)) if v) + compare_param
        return Scope(region=region, tik=tik, compare=compare, params=params)
    if territory == TERRITORY_ALL:
        return Scope(compare=compare, territory=TERRITORY_ALL, params=(("territory", TERRITORY_ALL), *compare_param))
    if territory and territory != TERRITORY_OCCUPIED:
        raise Http404("No such territory")
    if not territory and not place and default == TERRITORY_ALL:
        return Scope(compare=compare, territory=TERRITORY_ALL, params=compare_param)
    present = _regions_present(result_set)
    if place:
        wanted = regions_of_place(place)
        if not wanted or not Place.objects.filter(code=place).exists():
            raise Http404("No such place")
        regions = tuple(r for r in wanted if r in present)
        if regions:
            return Scope(regions=regions, compare=compare, territory=place, params=(("place", place), *compare_param))
        # The file has no precinct there: fall through to the occupied regions, which the page says.
    regions = occupied_regions(present)
    if not regions:
        return Scope(compare=compare, territory=TERRITORY_ALL, params=compare_param)
    return Scope(regions=regions, compare=compare, territory=TERRITORY_OCCUPIED,
                 params=(("territory", TERRITORY_OCCUPIED), *compare_param))


def _regions_present(result_set: ResultSet) -> set[str]:
    key = _cache_key("regions", result_set.pk, result_set.imported_at.timestamp())
    found = cache.get(key)
    if found is None:
        found = set(Precinct.objects.filter(result_set=result_set).values_list("region", flat=True).distinct())
        cache.set(key, found, CACHE_SECONDS)
    return found


def _cache_key(*parts) -> str:
    return "forensics:" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _live_report(result_set, scope: Scope, without_electronic=False) -> dict:
    """The default analysis of a scope, computed once and kept in the cache (same seed: same result)."""
    compare = scope.compare
    key = _cache_key("report", report.VERSION, result_set.pk, result_set.imported_at.timestamp(), scope.region,
                     "\x1e".join(scope.regions), scope.tik, compare.pk if compare else "", LIVE_REPLICATES,
                     without_electronic)
    result = cache.get(key)
    if result is None:
        result = report.analyze(result_set, region=scope.region, tik=scope.tik, replicates=LIVE_REPLICATES, seed=0,
                                compare=compare, without_electronic_voting=without_electronic, regions=scope.regions)
        cache.set(key, result, CACHE_SECONDS)
    return result


def _scope_query(region: str, tik: str, compare: ResultSet | None = None, without_electronic: bool = False,
                 *, scope: Scope | None = None) -> str:
    from urllib.parse import urlencode

    if scope is not None:
        params = dict(scope.params)
    else:
        # No region nor commission is the whole file, which must be said: a bare URL opens on the territory.
        params = {k: v for k, v in (("region", region), ("tik", tik)) if v} or {"territory": TERRITORY_ALL}
        if compare is not None:
            params["compare"] = compare.public_id
    if without_electronic:
        params[WITHOUT_ELECTRONIC] = "1"
    return ("?" + urlencode(params)) if params else ""


def _plot_urls(result_set, region, tik, compare, without_electronic=False, *, scope: Scope | None = None) -> dict[str, str]:
    query = _scope_query(region, tik, compare, without_electronic, scope=scope)
    compared = (scope.compare if scope is not None else compare) is not None
    names = [n for n in PLOTS if n != "change" or compared]
    return {name: reverse("forensics:plot", args=[result_set.uuid, name, "svg"]) + query for name in names}


def _plot_figures(result_set, scope: Scope, without_electronic: bool) -> dict[str, dict]:
    """Per plot: the image's URL and the URL of the fragment that draws it (loaded after the page)."""
    query = _scope_query("", "", None, without_electronic, scope=scope)
    return {name: {"src": url, "fragment": reverse("forensics:plot_figure", args=[result_set.uuid, name]) + query}
            for name, url in _plot_urls(result_set, "", "", None, without_electronic, scope=scope).items()}


@login_required
def result_set_detail(request, uuid):
    require(request.user, "forensics.view")
    result_set = _result_set(uuid)
    scope = _scope(request, result_set)
    region, tik, compare = scope.region, scope.tik, scope.compare
    without_electronic = _without_electronic(request)
    precincts = Precinct.objects.filter(result_set=result_set)
    regions = list(precincts.values("region").annotate(n=Count("id")).order_by("region"))
    for row in regions:
        row["label"] = region_label(row["region"])
    regions.sort(key=lambda row: (not is_occupied(row["region"]), row["label"]))
    tiks = list(precincts.filter(region=region).values("tik").annotate(n=Count("id")).order_by("tik")) if region else []
    try:
        result = _live_report(result_set, scope, without_electronic)
    except ValueError:
        result = None  # every precinct of the scope lacks a number (kept, flagged): nothing to analyse
    # A saved analysis covers one region or the whole file (Analysis.region); a territory of several
    # regions is analysed live only.
    several = len(scope.regions) > 1
    saved = ([] if several else
             Analysis.objects.filter(result_set=result_set, region=region or "".join(scope.regions), tik=tik)
             .select_related("created_by")[:10])
    can_analyze = rules.can(request.user, "forensics.analyze") and not several
    default_regions = occupied_regions(_regions_present(result_set))
    return render(request, "forensics/result_set_detail.html", {
        "result_set": result_set,
        "election": result_set.election,
        "scope": scope,
        "region": region,
        "tik": tik,
        "compare": compare,
        "regions": regions,
        "tiks": tiks,
        "others": ResultSet.objects.exclude(pk=result_set.pk).select_related("election").order_by("-election__date"),
        "report": result,
        "plots": _plot_figures(result_set, scope, without_electronic) if result else {},
        "saved": saved,
        "several_regions": several,
        "run_form": RunForm(initial={"region": region or "".join(scope.regions), "tik": tik, "compare": compare,
                                     WITHOUT_ELECTRONIC: without_electronic}, result_set=result_set)
        if can_analyze else None,
        "flags": FLAGS,
        "scope_query": _scope_query("", "", scope=Scope(**{**scope.__dict__, "compare": None,
                                                           "params": tuple(p for p in scope.params if p[0] != "compare")})),
        "default_regions": default_regions,
        "default_label": Scope(regions=default_regions).label if default_regions else _("whole file"),
        "claim_region": region or (scope.regions[0] if len(scope.regions) == 1 else ""),
        "whole_file_query": "?territory=" + TERRITORY_ALL,
        "checks": checks.import_checks(result_set),
        "electronic_rows": checks.electronic_count(result_set),
        "without_electronic": without_electronic,
        "can_import": rules.can(request.user, "forensics.import"),
    })


def _draw(result_set, scope: Scope, name: str, fmt: str, without_electronic: bool) -> bytes:
    """A plot of the scope, drawn once and kept in the cache. ValueError when it cannot be drawn."""
    compare = scope.compare
    key = _cache_key("plot", result_set.pk, result_set.imported_at.timestamp(), scope.region,
                     "\x1e".join(scope.regions), scope.tik, compare.pk if compare else "", name, fmt, get_language(),
                     without_electronic)
    content = cache.get(key)
    if content is None:
        p = load_precincts(result_set, region=scope.region, tik=scope.tik, regions=scope.regions,
                           without_electronic_voting=without_electronic)
        earlier = (counterpart(compare, region=scope.region, tik=scope.tik, regions=scope.regions,
                               without_electronic_voting=without_electronic) if compare else None)
        content = render_plot(name, p, fmt, compare=earlier, scope=scope.label)
        cache.set(key, content, CACHE_SECONDS)
    return content


@login_required
def plot(request, uuid, name, fmt):
    require(request.user, "forensics.view")
    if name not in PLOTS or fmt not in ("svg", "png"):
        raise Http404("No such plot")
    result_set = _result_set(uuid)
    scope = _scope(request, result_set)
    if name == "change" and scope.compare is None:
        raise Http404("The change plot needs an election to compare with")
    try:
        content = _draw(result_set, scope, name, fmt, _without_electronic(request))
    except ValueError as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    return plot_response(request, content, fmt, filename=name)


@login_required
def plot_figure(request, uuid, name):
    """The image of one plot, asked for by the page after its numbers (htmx, ``hx-trigger="load"``):
    the plot is drawn here, so the image that follows comes from the cache at once."""
    require(request.user, "forensics.view")
    if name not in PLOTS:
        raise Http404("No such plot")
    result_set = _result_set(uuid)
    scope = _scope(request, result_set)
    if name == "change" and scope.compare is None:
        raise Http404("The change plot needs an election to compare with")
    without_electronic = _without_electronic(request)
    src = reverse("forensics:plot", args=[result_set.uuid, name, "svg"]) + _scope_query("", "", None, without_electronic,
                                                                                         scope=scope)
    context = {"name": name, "src": src, "alt": PLOT_ALTS[name], "failed": False}
    try:
        _draw(result_set, scope, name, "svg", without_electronic)
    except ValueError:
        context["failed"] = True
    return render(request, "forensics/_plot.html", context)


def plot_response(request, content: bytes, fmt: str, *, filename: str, max_age: int = 3600) -> HttpResponse:
    """A drawn plot (SVG or PNG bytes), cached privately by the browser; ``?download=1`` saves it
    as ``filename.fmt``."""
    response = HttpResponse(content, content_type="image/svg+xml" if fmt == "svg" else "image/png")
    response["Cache-Control"] = f"private, max-age={max_age}"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def render_plot(name: str, p, fmt: str, *, compare=None, scope: str = "", klimek: dict | None = None) -> bytes:
    """One of ``PLOTS`` (or "klimek", given a fit) for the precincts ``p`` as SVG or PNG bytes.

    ValueError when it cannot be drawn (an empty selection, a comparison without matches).
    """
    from svidok.forensics import klimek as klimek_model
    from svidok.forensics import plots  # matplotlib loads on the first plot, not with every page

    if name == "turnout":
        return plots.turnout_histogram(p, fmt=fmt, scope=scope)
    if name == "leader_share":
        return plots.leader_share_histogram(p, fmt=fmt, scope=scope)
    if name == "fingerprint":
        return plots.fingerprint(p, fmt=fmt, scope=scope)
    if name == "integers":
        return plots.integer_spikes(p, fmt=fmt, scope=scope)
    if name == "shpilkin":
        if len(p) == 0:
            raise ValueError("No precincts to plot.")
        return plots.shpilkin_bins(stats.shpilkin(p), fmt=fmt, scope=scope)
    if name == "change":
        changes, _info = stats.turnout_changes(compare, p)
        return plots.turnout_change(changes, fmt=fmt, scope=scope)
    if name == "klimek" and klimek:
        turnout, share = klimek_model.fitted_sample(p, klimek)
        return plots.klimek_comparison(p, turnout, share, fmt=fmt, scope=scope, params=klimek.get("params"))
    raise ValueError(f"unknown plot {name!r}")


@login_required
def precinct_list(request, uuid):
    """The validation report: precincts flagged at import (kept, never dropped), filterable."""
    require(request.user, "forensics.view")
    result_set = _result_set(uuid)
    # The validation report is about the file: without a scope it lists the whole file's flags.
    scope = _scope(request, result_set, default=TERRITORY_ALL)
    region, tik = scope.region, scope.tik
    flag = request.GET.get("flag", "")
    mark = request.GET.get("mark", "")
    rows = Precinct.objects.filter(result_set=result_set)
    if region:
        rows = rows.filter(region=region)
    if scope.regions:
        rows = rows.filter(region__in=scope.regions)
    if tik:
        rows = rows.filter(tik=tik)
    if mark:
        marked = {m["mark"]: m for m in checks.marks(result_set)}
        if mark not in marked:
            raise Http404("No such mark")
        # The lines the import kept (all of them up to services.MAX_MARKED_LINES).
        rows = rows.filter(line__in=result_set.mapping["marks"][mark]["lines"])
    elif flag:
        if flag not in FLAGS:
            raise Http404("No such flag")
        rows = rows.filter(flags__contains=flag)
    elif request.GET.get("all") != "1":
        rows = rows.exclude(flags="")
    page = paginate(request, rows.order_by("line"))
    leader = result_set.candidates.index(result_set.leader) if result_set.leader in result_set.candidates else 0
    for precinct in page.object_list:
        issued = sum(x or 0 for x in (precinct.issued_early, precinct.issued_station, precinct.issued_outside))
        cast = (precinct.valid or 0) + (precinct.invalid or 0)
        precinct.issued = issued
        precinct.turnout = 100.0 * issued / precinct.registered if precinct.registered else None
        votes = precinct.votes or []
        precinct.leader_share = 100.0 * (votes[leader] or 0) / cast if cast and len(votes) > leader else None
        precinct.flag_labels = [FLAGS.get(f, f) for f in precinct.flag_list]
        precinct.region_label = region_label(precinct.region)
        precinct.mark_labels = [MARKS[m] for m in checks.row_marks(precinct)]
    return render(request, "forensics/precinct_list.html", {
        "result_set": result_set, "election": result_set.election, "page": page, "flag": flag, "flags": FLAGS,
        "mark": mark, "marks": checks.marks(result_set),
        "region": region, "tik": tik, "scope": scope, "show_all": request.GET.get("all") == "1",
        # Counts of the scope shown, so that each count matches the rows its link lists.
        "flag_counts": report.scope_flags(result_set, region, tik, scope.regions),
    })


@login_required
@require_POST
def analysis_run(request, uuid):
    require(request.user, "forensics.view")
    result_set = _result_set(uuid)
    require(request.user, "forensics.analyze")
    form = RunForm(request.POST, result_set=result_set)
    if not form.is_valid():
        messages.error(request, _("The analysis was not run: %(errors)s") % {
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())})
        # Back to the scope the form was sent from (the hidden fields are plain text, so they are valid).
        scope = _scope_query(form.cleaned_data.get("region", ""), form.cleaned_data.get("tik", ""))
        return redirect(reverse("forensics:result_set", args=[result_set.uuid]) + scope)
    d = form.cleaned_data
    try:
        services.check_scope(result_set, d["region"], d["tik"])
        analysis = services.run_and_save(actor=request.user, result_set=result_set, region=d["region"], tik=d["tik"],
                                         replicates=d["replicates"], seed=d["seed"], klimek=d["klimek"],
                                         compare=d["compare"],
                                         without_electronic_voting=d.get(WITHOUT_ELECTRONIC, False))
    except (ValidationError, ValueError) as exc:
        messages.error(request, _("The analysis was not run: %(error)s") % {"error": "; ".join(getattr(exc, "messages", [str(exc)]))})
        return redirect(reverse("forensics:result_set", args=[result_set.uuid]) + _scope_query(d["region"], d["tik"]))
    messages.success(request, _("Analysis saved."))
    return redirect(reverse("forensics:analysis", args=[analysis.uuid]))


@login_required
def analysis_detail(request, uuid):
    require(request.user, "forensics.view")
    try:
        analysis = Analysis.objects.select_related("result_set__election", "created_by").get(uuid=uuid)
    except (Analysis.DoesNotExist, ValidationError):
        raise Http404("No such analysis") from None
    if request.GET.get("format") == "json":
        response = JsonResponse(analysis.result, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="analysis-{analysis.public_id}.json"'
        return response
    rs = analysis.result_set
    compare_id = (analysis.result.get("source") or {}).get("compared_with")
    compare = ResultSet.objects.filter(uuid=compare_id).first() if compare_id else None
    plot_urls = _plot_urls(rs, analysis.region, analysis.tik, compare,
                           bool(analysis.params.get(WITHOUT_ELECTRONIC)))
    if analysis.result.get("klimek"):
        plot_urls["klimek"] = reverse("forensics:analysis_plot", args=[analysis.uuid, "svg"])
    return render(request, "forensics/analysis_detail.html", {
        "analysis": analysis, "result_set": rs, "election": rs.election, "report": analysis.result,
        "plots": plot_urls,
    })


@login_required
def analysis_plot(request, uuid, fmt):
    """The Klimek et al. comparison of a saved analysis that includes a fit (observed vs fitted fingerprint)."""
    require(request.user, "forensics.view")
    if fmt not in ("svg", "png"):
        raise Http404("No such plot")
    try:
        analysis = Analysis.objects.select_related("result_set").get(uuid=uuid)
    except (Analysis.DoesNotExist, ValidationError):
        raise Http404("No such analysis") from None
    fit = analysis.result.get("klimek")
    if not fit:
        raise Http404("This analysis has no Klimek fit")
    key = _cache_key("klimek-plot", analysis.pk, fmt, get_language())
    content = cache.get(key)
    if content is None:
        p = load_precincts(analysis.result_set, region=analysis.region, tik=analysis.tik,
                           without_electronic_voting=bool(analysis.params.get(WITHOUT_ELECTRONIC)))
        content = render_plot("klimek", p, fmt, scope=analysis.tik or region_label(analysis.region), klimek=fit)
        cache.set(key, content, CACHE_SECONDS)
    return plot_response(request, content, fmt, filename="klimek")


@login_required
def claim(request, uuid):
    """Test a claim against the protocols. Nothing is written, so it is a GET form with a shareable URL."""
    require(request.user, "forensics.view")
    result_set = _result_set(uuid)
    regions = list(Precinct.objects.filter(result_set=result_set).order_by("region").values_list("region", flat=True).distinct())
    # A link may carry only the scope (?region=...): that fills the form in; a claim needs its value.
    submitted = "value" in request.GET
    form = ClaimForm(request.GET if submitted else None, initial=None if submitted else request.GET.dict(),
                     result_set=result_set, regions=regions)
    outcome = None
    if submitted and form.is_valid():
        region = form.cleaned_data["region"]
        without_electronic = form.cleaned_data.get(WITHOUT_ELECTRONIC, False)
        p = load_precincts(result_set, region=region, without_electronic_voting=without_electronic)
        change = None
        if form.cleaned_data["compare"] is not None:
            earlier = counterpart(form.cleaned_data["compare"], region=region,
                                  without_electronic_voting=without_electronic)
            change = stats.same_precinct(earlier, p)
        try:
            outcome = claims.evaluate_claim(p, form.claim(), baseline_change=change)
        except claims.ClaimError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            if request.GET.get("format") == "csv":
                return _claim_csv(claims.precinct_table(p, form.claim()))
    return render(request, "forensics/claim.html", {
        "result_set": result_set, "election": result_set.election, "form": form, "outcome": outcome,
    })


def _claim_csv(rows: list[dict]) -> HttpResponse:
    """Every precinct's implied figures as CSV (official numbers only: no personal data)."""
    import csv

    from svidok.common.cells import csv_row

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="claim-precincts.csv"'
    columns = ["region", "tik", "uik", "registered", "ballots_issued", "turnout", "fictitious", "share"]
    writer = csv.DictWriter(response, fieldnames=columns)
    writer.writeheader()
    writer.writerows(csv_row(row) for row in rows)
    return response


@login_required
def import_results(request, uuid):
    require(request.user, "election.view")
    election = get_object_or_404(Election, uuid=uuid)
    require(request.user, "forensics.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = services.import_results(
                    actor=request.user, election=election, source=upload.read(), name=upload.name,
                    mapping=form.cleaned_data["mapping"], leader=form.cleaned_data["leader"].strip() or None,
                    encoding=form.cleaned_data["encoding"] or None, label=form.cleaned_data["label"],
                )
            except ResultsFileError as exc:
                form.add_error("file", exc.args[0])
                for problem in exc.problems:
                    form.add_error("file", problem)
            except PermissionDenied:
                raise
            else:
                flagged = sum(1 for f in outcome.parsed.flags if f)
                messages.success(request, _("Imported %(n)s precincts (%(flagged)s flagged for review).") % {
                    "n": f"{len(outcome.parsed):,}", "flagged": f"{flagged:,}"})
                _checks_message(request, outcome.result_set)
                return redirect(reverse("forensics:result_set", args=[outcome.result_set.uuid]))
    return render(request, "forensics/import.html", {"election": election, "form": form}, status=status)




@login_required
def precinct_detail(request, uuid, line):
    """One precinct in every imported vote (docs/forensics.md, "Across votes"); ``?format=csv`` downloads it."""
    from svidok.forensics import history as precinct_history
    from svidok.forensics.parsing import MARKS

    require(request.user, "forensics.view")
    result_set = _result_set(uuid)
    try:
        found = precinct_history.precinct_history(actor=request.user, result_set=result_set, line=line)
    except Precinct.DoesNotExist:
        raise Http404("No precinct on this line") from None
    if request.GET.get("format") == "csv":
        return _history_csv(found)
    matched = sum(row.status == precinct_history.MATCHED for row in found.rows)
    return render(request, "forensics/precinct_detail.html", {
        "result_set": result_set, "election": result_set.election, "history": found, "precinct": found.precinct,
        "others": len(found.rows) - 1, "matched": matched, "flags": FLAGS, "marks": MARKS,
        "statuses": precinct_history.STATUSES, "leader_kinds": precinct_history.LEADER_KINDS,
    })


# Columns of the history CSV: stable English names, whatever the reader's language (docs/forensics.md).
HISTORY_COLUMNS = ["vote", "date", "file", "match", "region", "commission", "commission_differs", "precinct", "line",
                   "registered", "ballots_issued", "turnout", "leader_kind", "leader", "leader_share", "flags", "marks"]


def _history_csv(found) -> HttpResponse:
    """The history as CSV: UTF-8 with a byte-order mark (Excel then reads Cyrillic right); values in
    words in the reader's language where the page has words (match, flags, marks)."""
    import csv

    from svidok.common.cells import csv_row
    from svidok.forensics import history as precinct_history
    from svidok.forensics.parsing import MARKS

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="precinct-history.csv"'
    response.write("\ufeff")
    writer = csv.DictWriter(response, fieldnames=HISTORY_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row, data in zip(found.rows, precinct_history.as_rows(found), strict=True):
        data.update({
            "vote": row.election.display_name,
            "match": str(precinct_history.STATUSES[row.status]),
            "commission_differs": _("yes") if row.commission_differs else "",
            "leader_kind": str(precinct_history.LEADER_KINDS.get(row.kind, row.kind)),
            "flags": "; ".join(str(FLAGS.get(f, f)) for f in row.flags),
            "marks": "; ".join(str(MARKS.get(m, m)) for m in row.marks),
        })
        writer.writerow(csv_row(data))
    return response


# -- the file's own totals and the option to leave electronic voting out (issue 11, item 2) ----------

WITHOUT_ELECTRONIC = "without_electronic_voting"


def _without_electronic(request) -> bool:
    """Whether the query string asks to leave the rows of remote electronic voting out (any other value: no)."""
    return request.GET.get(WITHOUT_ELECTRONIC) in ("1", "on", "true")


def _checks_message(request, result_set: ResultSet) -> None:
    """After an import: what the file's own totals say, in one message (the page shows the details)."""
    found = checks.import_checks(result_set)
    if not found["has_totals"]:
        messages.info(request, _("The file carries no totals of its own to check against."))
    elif found["mismatched"]:
        messages.warning(request, ngettext(
            "The file's own totals: %(n)s row does not match the sum of its precincts; see the checks below.",
            "The file's own totals: %(n)s rows do not match the sums of their precincts; see the checks below.",
            found["mismatched"]) % {"n": found["mismatched"]})
    else:
        messages.success(request, ngettext(
            "The file's own totals: %(n)s row checked, it matches the sum of its precincts.",
            "The file's own totals: %(n)s rows checked, each matches the sum of its precincts.",
            len(found["totals"])) % {"n": len(found["totals"])})
