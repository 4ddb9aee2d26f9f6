"""Which proposal members may already be on an imported reference list (a suggestion, never a fact).

The facts are Listing records (``proposals.is_listed``); this module only suggests entries of the
imported lists (``svidok people import-list``) whose names match a member not yet listed, through
the matcher (``svidok.people.matching``). Somebody confirms a suggestion by recording a listing
with that entry; nothing here writes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from svidok.people.models import NameVariant, PersonIdentity
from svidok.sanctions.models import ProposalMember, ReferenceEntity, ReferenceList

PER_LIST = 3  # suggestions per member and list


@dataclass(frozen=True)
class Suggestion:
    reference_list: ReferenceList
    record_id: str
    caption: str
    score: float
    listed_since: str | None
    entity: ReferenceEntity | None

    @property
    def reference(self) -> str:
        """How the listing form names the entry: ``list-name:record-id``."""
        return f"{self.reference_list.name}:{self.record_id}"


def suggestions(member: ProposalMember, *, lists=None) -> list[Suggestion]:
    """Entries of the imported lists (all, or ``lists``) that match the member's names, best first.

    Each of the member's name variants is matched (the list may spell the name in any script); an
    entry counts once, with its best score. Only matches at or above the matcher's threshold.
    """
    if member.person_id and member.person.protected:
        return []
    party = member.person or member.organization
    names = list(NameVariant.objects.filter(**({"person": party} if member.person_id else {"organization": party}))
                 .values_list("name", flat=True)) or [party.display_name]
    birth = None
    if member.person_id:
        birth = getattr(PersonIdentity.objects.filter(person=party).only("person_id", "birth_date").first(), "birth_date", None)
    return match_names(names, birth_date=birth, persons=bool(member.person_id), lists=lists)


def match_names(names, *, birth_date=None, persons: bool = True, lists=None, per_list: int = PER_LIST) -> list[Suggestion]:
    """Entries of the imported lists (all, or ``lists``) matching any of ``names`` at or above the
    threshold, best first; an entry counts once, with its best score. The caller decides whether a
    birth date may take part (it is an identity field)."""
    from svidok.sanctions import matching as sanctions_matching

    found: dict[tuple[int, str], Suggestion] = {}
    names = list(dict.fromkeys(n for n in names if n))
    for reference_list in lists if lists is not None else ReferenceList.objects.order_by("name"):
        try:
            index = sanctions_matching.get_index(reference_list.name)
        except LookupError:
            continue
        for name in names:
            try:
                result = index.match(name, birth_date=birth_date.isoformat() if birth_date else None, limit=per_list,
                                     persons=persons)
            except ValueError:  # MatchError: a variant the matcher cannot use (initials only, ...)
                continue
            for scored in result.results:
                if not scored.match:
                    continue
                key = (reference_list.pk, scored.entry.record_id or scored.entry.id)
                if key in found and found[key].score >= scored.score:
                    continue
                found[key] = Suggestion(
                    reference_list=reference_list, record_id=key[1], caption=scored.entry.caption, score=round(scored.score, 3),
                    listed_since=scored.entry.listed_since, entity=None,
                )
    entities = {(e.reference_list_id, e.record_id): e for e in ReferenceEntity.objects.filter(
        reference_list__in={k[0] for k in found}, record_id__in={k[1] for k in found})}
    return sorted((dataclasses.replace(s, entity=entities.get(k)) for k, s in found.items()),
                  key=lambda s: (-s.score, s.reference_list.name, s.record_id))


# -- the members of a proposal, checked: what the proposal page and sign-off say ----------------------

class State:
    LISTED = "listed"            # a listing record says so (``proposals.is_listed``)
    POSSIBLE = "possible"        # not listed by a record, but an imported list holds a matching name
    NOT_FOUND = "not_found"      # no record, and no match in the loaded lists
    NO_LIST = "no_list"          # no record, and no reference list is loaded to check against
    NOT_CHECKED = "not_checked"  # a protected person: never matched against anything


@dataclass
class MemberCheck:
    member: ProposalMember
    state: str
    possible: list[Suggestion]


def loaded_lists() -> list[ReferenceList]:
    return list(ReferenceList.objects.order_by("name"))


def check_members(members, *, lists=None) -> list[MemberCheck]:
    """Each member's state against the listing records and the loaded reference lists (all, or
    ``lists``). ``members`` need their ``listings`` (prefetched, or read here). A member listed by a
    record is not matched again; "not found" is only said when there is a list to look in."""
    from svidok.sanctions.services import is_listed

    lists = loaded_lists() if lists is None else list(lists)
    checks = []
    for member in members:
        if is_listed(member):
            checks.append(MemberCheck(member, State.LISTED, []))
        elif member.person_id and member.person.protected:
            checks.append(MemberCheck(member, State.NOT_CHECKED, []))
        elif not lists:
            checks.append(MemberCheck(member, State.NO_LIST, []))
        else:
            found = suggestions(member, lists=lists)
            checks.append(MemberCheck(member, State.POSSIBLE if found else State.NOT_FOUND, found))
    return checks
