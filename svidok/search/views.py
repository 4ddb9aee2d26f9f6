"""One search box over incidents, persons, organizations and places, in any spelling."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from svidok.search import api

LIMIT = 50


def _search(user, q: str) -> dict:
    # ``api.search`` is the search module's permission-aware entry point; until it exists the
    # per-type ids are combined here with the same visibility rules.
    if hasattr(api, "search"):
        return api.search(user, q)
    from svidok.incidents.models import Place
    from svidok.incidents.queries import visible_incidents
    from svidok.people.queries import visible_organizations, visible_persons

    return {
        "incidents": list(visible_incidents(user).filter(pk__in=api.matching_ids("incident", q)).select_related("type")[:LIMIT]),
        "persons": list(visible_persons(user).filter(pk__in=api.matching_ids("person", q))[:LIMIT]),
        "organizations": list(visible_organizations(user).filter(pk__in=api.matching_ids("organization", q))[:LIMIT]),
        "places": list(Place.objects.filter(pk__in=api.matching_ids("place", q)).select_related("region")[:LIMIT]),
    }


@login_required
def search(request):
    q = (request.GET.get("q") or "").strip()[:200]
    results = _search(request.user, q) if q else None
    total = sum(len(v) for v in results.values()) if results else 0
    return render(request, "search/search.html", {"q": q, "results": results, "total": total})
