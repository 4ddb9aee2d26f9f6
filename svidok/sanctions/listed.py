"""Is a registry person already listed? For the person page: each imported reference list, and the
listing records of the proposals naming the person.

Two kinds of answer, kept apart on the page:

* **facts** — ``Listing`` records (a proposal member's status per jurisdiction; one may point at
  an entry of an imported list, ``reference_entity``), written by a person who checked;
* **possible matches** — entries of an imported list whose names the matcher scores at or above its
  threshold against the person's name variants: a name-only suggestion, never confirmed.

A protected person gets neither: their names are not matched and their listings are not shown.
The matcher's indexes are cached per process (``sanctions_matching.get_index``), so the page pays for one
query per name variant and list, not for an index build.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from svidok.accounts import rules
from svidok.people.models import NameVariant, PersonIdentity
from svidok.sanctions.listcheck import Suggestion, match_names
from svidok.sanctions.models import Listing, ReferenceList

FACT_STATUSES = (Listing.Status.LISTED, Listing.Status.DELISTED)


@dataclass
class ListStatus:
    """One imported list: the listing records pointing at its entries, else the matcher's guesses."""

    reference_list: ReferenceList
    facts: list[Listing] = field(default_factory=list)
    possible: list[Suggestion] = field(default_factory=list)

    @property
    def since(self):
        """When the person was listed, by the recorded listings (their date, else the entry's own)."""
        dates = [f.date or f.reference_entity.listed_since for f in self.facts
                 if f.status == Listing.Status.LISTED and (f.date or f.reference_entity.listed_since)]
        return min(dates) if dates else None


def person_listing(user, person, records=None) -> dict:
    """``{"listings": [...], "lists": [ListStatus...]}`` for the page of ``person``, with
    ``"no_list": True`` when no reference list is loaded (nothing was checked).

    ``records`` are the person records shown together (a canonical person and the records linked
    to it); their listings and names count. Listings need the right to read proposals; a birth
    date takes part in matching only for users who may see identities.
    """
    records = [r for r in (records or [person]) if not r.protected]
    if person.protected or not records:
        return {"listings": [], "lists": []}
    listings = []
    if rules.can(user, "proposal.view"):
        listings = list(
            Listing.objects.filter(member__person__in=records, status__in=FACT_STATUSES)
            .select_related("member__proposal", "reference_entity__reference_list", "source")
            .order_by("date", "jurisdiction", "id")
        )
    lists = {rl.pk: ListStatus(reference_list=rl) for rl in ReferenceList.objects.order_by("name")}
    if not lists:
        # Nothing to look in: the page says so rather than "not listed".
        return {"listings": listings, "lists": [], "no_list": True}
    for listing in listings:
        entity = listing.reference_entity
        if entity is not None and entity.reference_list_id in lists:
            lists[entity.reference_list_id].facts.append(listing)
    unconfirmed = [s for s in lists.values() if not s.facts]
    if unconfirmed:
        names = list(NameVariant.objects.filter(person__in=records).order_by("-primary", "id").values_list("name", flat=True))
        birth = None
        if rules.can(user, "person.identity"):
            birth = getattr(PersonIdentity.objects.filter(person=person).only("person_id", "birth_date").first(), "birth_date", None)
        for suggestion in match_names(names, birth_date=birth, persons=True, lists=[s.reference_list for s in unconfirmed]):
            lists[suggestion.reference_list.pk].possible.append(suggestion)
    return {"listings": listings, "lists": list(lists.values())}
