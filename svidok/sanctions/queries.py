"""Permission-aware reads of sanctions proposals."""

from django.core.exceptions import ValidationError
from django.http import Http404

from svidok.accounts import rules
from svidok.sanctions.models import Proposal, ProposalMember


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
