"""Bulk work on incidents: one action on many selected incidents, all or nothing (issue 13, item 5).

Each bulk use case calls, for every incident, the same service as the incident's own page
(``verify_incident``, ``update_incident``), inside one transaction: each incident gets its own
audit entry, the rules (permissions, four eyes) are asked per incident exactly as on its page, and
one refusal rolls every change back and names the incidents that stood in the way.

Verifying in bulk is never blind: :func:`verification_plan` is what the confirmation page shows
(each incident in brief, and apart, the ones the actor may not verify and why), and
:func:`bulk_verify` verifies only what the person confirmed, checked again at that moment.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.incidents import services
from svidok.incidents.models import Incident
from svidok.incidents.queries import visible_incidents

# The most incidents one bulk action takes: one transaction holds a lock on each of them.
LIMIT = 1000


def selected(actor, references) -> list[Incident]:
    """The incidents named by ``references`` that ``actor`` may see, in the list's order (newest
    first); references the actor may not see are left out as if they did not exist (deny by default).
    More than :data:`LIMIT` is refused with a sentence."""
    references = list(dict.fromkeys(r for r in references if r))
    if not references:
        raise ValidationError({"incidents": _("Select at least one incident.")})
    if len(references) > LIMIT:
        raise ValidationError({"incidents": _("At most %(limit)s incidents at once: narrow the filters.") % {"limit": LIMIT}})
    found = list(
        visible_incidents(actor).filter(reference__in=references)
        .select_related("type", "place", "created_by")
        .annotate(source_count=Count("source_links", distinct=True), party_count=Count("involvements", distinct=True))
        .order_by("-date_start", "-id")
    )
    if not found:
        raise ValidationError({"incidents": _("Select at least one incident.")})
    return found


@dataclass
class VerificationPlan:
    """What a bulk verification would do: the incidents to verify, and apart those it would not,
    grouped by why (each reason a sentence for the person)."""

    verifiable: list
    recorded_by_you: list
    not_submitted: list

    @property
    def refused(self) -> list:
        return self.recorded_by_you + self.not_submitted


def verification_plan(actor, incidents) -> VerificationPlan:
    """Split ``incidents`` by whether ``actor`` may verify each now (the rules of the incident's
    page: a lead, a submitted incident, and four eyes: not one the actor recorded)."""
    require(actor, "incident.review")
    plan = VerificationPlan([], [], [])
    for incident in incidents:
        if incident.status != Incident.Status.SUBMITTED:
            plan.not_submitted.append(incident)
        elif services.verification_refusal(actor, incident):
            plan.recorded_by_you.append(incident)
        else:
            plan.verifiable.append(incident)
    return plan


@transaction.atomic
def bulk_verify(*, actor, incidents, reason: str = "") -> list[Incident]:
    """Verify every one of ``incidents`` through :func:`services.verify_incident` (one audit entry
    each), or none: a single refusal (four eyes, a status changed meanwhile) rolls all back and the
    ``ValidationError`` names the incidents refused."""
    require(actor, "incident.review")
    incidents = list(incidents)
    if not incidents:
        raise ValidationError({"incidents": _("Select at least one incident.")})
    refused, done = [], []
    for incident in incidents:
        try:
            done.append(services.verify_incident(actor=actor, incident=incident, reason=reason))
        except ValidationError:
            refused.append(incident.reference)
    if refused:
        raise ValidationError({"incidents": ngettext(
            "Nothing was verified: %(references)s cannot be verified by you now.",
            "Nothing was verified: %(references)s cannot be verified by you now.",
            len(refused)) % {"references": ", ".join(refused)}})
    return done


def _tag_name(tag: str) -> str:
    name = " ".join((tag or "").split()).lower()
    if not name:
        raise ValidationError({"tag": _("Enter a tag.")})
    return name


@transaction.atomic
def bulk_tag(*, actor, incidents, tag: str, remove: bool = False) -> int:
    """Add ``tag`` to (or, with ``remove``, take it off) every one of ``incidents`` through
    :func:`services.update_incident`, which checks the tag and audits each change; returns how many
    incidents changed. All or nothing: an incident the actor may not edit refuses the whole action,
    naming it."""
    require(actor, "incident.edit")
    name = _tag_name(tag)
    try:
        services.check_tags([name])
    except ValidationError as exc:
        raise ValidationError({"tag": exc.messages}) from None
    incidents = list(incidents)
    if not incidents:
        raise ValidationError({"incidents": _("Select at least one incident.")})
    not_editable = [i.reference for i in incidents if not rules.can_edit_incident(actor, i)]
    if not_editable:
        raise ValidationError({"incidents": _("Nothing was changed: you may not edit %(references)s.")
                               % {"references": ", ".join(not_editable)}})
    changed = 0
    for incident in incidents:
        names = set(incident.tags.values_list("name", flat=True))
        wanted = names - {name} if remove else names | {name}
        if wanted == names:
            continue
        try:
            services.update_incident(actor=actor, incident=incident, fields={}, tags=sorted(wanted))
        except PermissionDenied:
            raise ValidationError({"incidents": _("Nothing was changed: you may not edit %(references)s.")
                                   % {"references": incident.reference}}) from None
        except ValidationError as exc:
            # The record's own fields fail today's checks (an old record): name the incident.
            raise ValidationError({"incidents": [f"{incident.reference}: {m}" for m in exc.messages]}) from None
        changed += 1
    return changed
