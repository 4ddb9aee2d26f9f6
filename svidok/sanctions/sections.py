"""What the sanctions app adds to the person and organization pages (``common.extensions``): the
proposals naming them with their listing statuses, and "already listed?" (listing records as facts,
the matcher's name-only guesses per imported list). Registered in ``SanctionsConfig.ready()``."""

from __future__ import annotations

from svidok.accounts import rules
from svidok.common import extensions
from svidok.sanctions import listed
from svidok.sanctions.models import ProposalMember
from svidok.sanctions.services import is_listed


def memberships(user, **party) -> list[ProposalMember]:
    """The proposals naming the party (for those who may read proposals), with their listing statuses."""
    if not rules.can(user, "proposal.view"):
        return []
    members = list(ProposalMember.objects.filter(**party).select_related("proposal").prefetch_related("listings")
                   .order_by("-proposal__created_at"))
    for member in members:
        member.listed = is_listed(member)
    return members


def _person_memberships(request, person, context) -> dict:
    return {"memberships": memberships(request.user, person=person)}


def _organization_memberships(request, organization, context) -> dict:
    return {"memberships": memberships(request.user, organization=organization)}


def _person_listing(request, person, context) -> dict:
    return {"listing": listed.person_listing(request.user, person, [person, *context["source_records"]])}


def register() -> None:
    extensions.add_section("people.person", context=_person_memberships, template="sanctions/_memberships.html", order=20)
    extensions.add_section("people.person", context=_person_listing, template="sanctions/_listed.html", order=30)
    extensions.add_section("people.organization", context=_organization_memberships,
                           template="sanctions/_memberships.html", order=20)
