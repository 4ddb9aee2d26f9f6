"""How the audit history names a proposal's changes (``audit.display``): its status and a listing's
by their labels, a member by the name shown today (never the id the entry keeps). Registered in
``SanctionsConfig.ready()``."""

from django.utils.translation import gettext_lazy as _

from svidok.audit import display
from svidok.common.validation import is_uuid
from svidok.sanctions.models import ProposalMember


def _members(ids: set[str]) -> dict[str, str]:
    """Member ids -> the party's name (``display_name`` never holds a protected person's real name)."""
    found = (ProposalMember.objects.filter(uuid__in=[v for v in ids if is_uuid(v)])
             .select_related("person", "organization").only("uuid", "person__display_name", "organization__name"))
    return {str(m.uuid): (m.person or m.organization).display_name for m in found}


def register() -> None:
    display.register_type("people.proposal", models=("sanctions.Proposal", "sanctions.ProposalMember"),
                          sub_records={"listing": "people.listing"})
    display.register_type("people.listing", models=("sanctions.Listing",))
    display.register_reference("member", _members, keys=("member",))
    display.register_labels({"member": _("Member"), "reviewed": _("Reviewed"), "listing": _("Listing"),
                             "reason": _("Reason"), "name": _("Name"), "reference_entity": _("Entry in a reference list")})
