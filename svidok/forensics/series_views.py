"""The series of votes in Crimea (or Sevastopol, or both) as a page, a plot and a CSV.

Thin like the other forensics views: a form parses the territory, ``forensics.view`` authorises,
:mod:`svidok.forensics.series` computes. Everything shown is official numbers and published
estimates; the same rules apply as to the other forensics pages.
"""

import csv
import hashlib

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from svidok.accounts.rules import require
from svidok.common.cells import csv_row
from svidok.forensics import series
from svidok.forensics.views import plot_response
from svidok.people import freetext

CACHE_SECONDS = 3600


class SeriesForm(forms.Form):
    territory = forms.ChoiceField(label=_("Territory"), required=False,
                                  choices=[(t.slug, t.label) for t in series.TERRITORIES.values()])

    def slug(self) -> str:
        return self.cleaned_data["territory"] or series.DEFAULT_TERRITORY


@login_required
def series_page(request):
    require(request.user, "forensics.view")
    form = SeriesForm(request.GET)
    if not form.is_valid():
        if request.GET.get("format") == "csv":
            return HttpResponse("; ".join(form.errors["territory"]), status=400, content_type="text/plain; charset=utf-8")
        return render(request, "forensics/series.html", {"form": form, "votes": None}, status=400)
    where, votes = series.series(form.slug())
    # Sources' titles are free text: read as the reader sees them, looked up once for the page.
    reader = freetext.reader_for(request).expect([f.figure.source.title for v in votes for f in v.figures
                                                  if f.figure.source_id])
    if request.GET.get("format") == "csv":
        return _csv(where, votes, reader)
    query = f"?territory={where.slug}"
    return render(request, "forensics/series.html", {
        "form": form, "territory": where, "votes": votes, "territories": series.TERRITORIES.values(),
        "plot_svg": reverse("forensics:series_plot", args=["svg"]) + query,
        "plot_png": reverse("forensics:series_plot", args=["png"]) + query,
        "csv_url": reverse("forensics:series") + query + "&format=csv",
        "has_turnout": any((v.official or {}).get("turnout") is not None
                           or any(f.figure.metric == "turnout" for f in v.figures) for v in votes),
    })


@login_required
def series_plot(request, fmt):
    require(request.user, "forensics.view")
    form = SeriesForm(request.GET)
    if fmt not in ("svg", "png") or not form.is_valid():
        raise Http404("No such plot")
    where, votes = series.series(form.slug())
    from svidok.forensics import series_plots  # matplotlib loads on the first plot, not with every page

    # Keyed by what the plot shows, so a new figure or import draws it again.
    shown = [(v.election.pk, v.election.date, (v.official or {}).get("turnout"),
              [(f.figure.pk, str(f.figure.value), f.figure.comparator, f.figure.metric) for f in v.figures])
             for v in votes]
    key = "forensics:series-plot:" + hashlib.sha256(repr((where.slug, fmt, get_language(), shown)).encode()).hexdigest()
    content = cache.get(key)
    if content is None:
        try:
            content = series_plots.turnout_series(votes, fmt=fmt, scope=str(where.label))
        except ValueError as exc:
            return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
        cache.set(key, content, CACHE_SECONDS)
    return plot_response(request, content, fmt, filename=f"series-{where.slug}", max_age=600)


def _csv(where, votes, read) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="series-{where.slug}.csv"'
    writer = csv.DictWriter(response, fieldnames=["territory_scope", *series.CSV_COLUMNS])
    writer.writeheader()
    for row in series.as_rows(votes, read=read):
        writer.writerow(csv_row({"territory_scope": where.slug, **{c: row.get(c, "") for c in series.CSV_COLUMNS}}))
    return response
