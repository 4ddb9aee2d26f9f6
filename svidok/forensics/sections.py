"""What the forensics app adds to the election page of the incidents app (``common.extensions``):
the imported precinct results, the import button, and on each independent estimate a link that
tests the claim against the protocols. Registered in ``ForensicsConfig.ready()``."""

from __future__ import annotations

from django.urls import reverse

from svidok.accounts import rules
from svidok.common import extensions


def _election_results(request, election, context) -> dict:
    # Imported here: the claim tester brings NumPy, which every process would otherwise load at start-up.
    from svidok.forensics.claims import claim_query

    result_sets = list(election.result_sets.order_by("-imported_at")) if rules.can(request.user, "forensics.view") else []
    if result_sets:
        claim_url = reverse("forensics:claim", args=[result_sets[0].uuid])
        for figure in context["figures"]:
            query = claim_query(figure)
            figure.claim_url = f"{claim_url}{query}" if query else ""
    # The results open on the election's territory (Crimea and Sevastopol for a Crimean vote), not on
    # the whole Russian file; a territory the files do not know opens on the default (the occupied regions).
    from svidok.forensics.regions import regions_of_place

    territory = election.territory
    place_query = f"?place={territory.code}" if territory is not None and regions_of_place(territory.code) else ""
    return {"result_sets": result_sets, "can_import_results": rules.can(request.user, "forensics.import"),
            "place_query": place_query}


def register() -> None:
    extensions.add_section("incidents.election", context=_election_results, template="forensics/_election_results.html")
