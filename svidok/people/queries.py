"""Permission-aware reads of persons and organizations."""

from django.core.exceptions import ValidationError
from django.http import Http404

from svidok.accounts import rules
from svidok.people.models import Organization, Person, Proposal, ProposalMember


def visible_persons(user):
    return Person.objects.all() if rules.can(user, "person.view") else Person.objects.none()


def get_person_for_user(user, public_id: str) -> Person:
    try:
        return visible_persons(user).get(uuid=public_id)
    except (Person.DoesNotExist, ValidationError):
        raise Http404("No such person") from None


def get_organization_for_user(user, public_id: str) -> Organization:
    try:
        return visible_organizations(user).get(uuid=public_id)
    except (Organization.DoesNotExist, ValidationError):
        raise Http404("No such organization") from None


def visible_organizations(user):
    return Organization.objects.all() if rules.can(user, "organization.view") else Organization.objects.none()


def can_see_identity(user, person: Person) -> bool:
    """The real name behind a pseudonym: coordinators and admins only."""
    return not person.protected or rules.can(user, "person.identity")


def visible_proposals(user):
    """Sanctions proposals; what each shows of its incidents is narrowed by ``visible_incidents``."""
    return Proposal.objects.all() if rules.can(user, "proposal.view") else Proposal.objects.none()


def get_proposal_for_user(user, public_id: str):
    try:
        return visible_proposals(user).get(uuid=public_id)
    except (Proposal.DoesNotExist, ValidationError):
        raise Http404("No such proposal") from None


def get_member(proposal, public_id: str):
    """A member of a proposal the user already may see (from ``get_proposal_for_user``)."""
    try:
        return proposal.members.select_related("person", "organization").get(uuid=public_id)
    except (ProposalMember.DoesNotExist, ValidationError):
        raise Http404("No such member") from None
