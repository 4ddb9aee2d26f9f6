"""The map on the pages of the apps below (``common.extensions``): the incident list (with its
filters, following them as they change), an election's page and a place's page. Registered in
``ReportsConfig.ready()``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from svidok.accounts import rules
from svidok.common import extensions
from svidok.incidents.queries import FILTERS


def points_url(filters: dict) -> str:
    """The map points of the incidents matching ``filters`` (the incident list's names)."""
    query = urlencode({key: value for key, value in filters.items() if key in FILTERS and value})
    return reverse("reports:map_points") + (f"?{query}" if query else "")


def _list_map(request, _obj, context):
    if not rules.can(request.user, "incident.view"):
        return None
    return {"map_points_url": points_url(request.GET), "map_follows_list": True}


def _election_map(request, election, context):
    if not rules.can(request.user, "incident.view"):
        return None
    return {"map_points_url": points_url({"election": str(election.uuid)}), "map_follows_list": False}


def _place_map(request, place, context):
    if not rules.can(request.user, "incident.view"):
        return None
    return {"map_points_url": points_url({"place": place.code}), "map_follows_list": False}


def register() -> None:
    extensions.add_section("incidents.list", context=_list_map, template="reports/_map_section.html", order=5)
    extensions.add_section("incidents.election", context=_election_map, template="reports/_map_section.html", order=5)
    extensions.add_section("incidents.place", context=_place_map, template="reports/_map_section.html", order=5)
