"""One search box over incidents, persons, organizations and places, in any spelling."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from svidok.common.ratelimits import limited
from svidok.search import api


@login_required
@limited("search")
def search(request):
    q = (request.GET.get("q") or "").strip()[:200]
    results = api.search(request.user, q, limit=50) if q else None
    total = sum(len(v) for v in results.values()) if results else 0
    return render(request, "search/search.html", {"q": q, "results": results, "total": total})
