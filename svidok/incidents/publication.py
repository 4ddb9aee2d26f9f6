"""Putting incidents on the public site, and taking them off (issue 14, item 4).

Coordinators choose what is published (``incident.publish``): only an incident that is verified
and whose sensitivity is public, one at a time from its page or many at once from the list (all or
nothing, like the other bulk actions). Each publication and each withdrawal is one audit entry in
the same transaction as the change. A withdrawal needs a reason, kept in the audit log only.

Publishing is a choice that holds only while its grounds hold: the public site reads
``public.records.published_incidents``, which also asks for verified and public, and the
incident services clear the publication (audited with the change) when an incident stops being
verified or public (reopened, rejected, made internal). So nothing comes back to the public site by
a later change back: only by a coordinator publishing it again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.incidents.models import Incident

REASON_MAX = 2000


def publication_refusal(incident: Incident) -> str:
    """Why ``incident`` cannot be published now, as a sentence in the reader's language ("" when it can)."""
    if incident.status != Incident.Status.VERIFIED and incident.sensitivity != Incident.Sensitivity.PUBLIC:
        return _("Only a verified incident whose sensitivity is public can be published: this one is %(status)s "
                 "and %(sensitivity)s.") % {"status": incident.get_status_display(),
                                            "sensitivity": incident.get_sensitivity_display()}
    if incident.status != Incident.Status.VERIFIED:
        return _("Only a verified incident can be published: this one is %(status)s.") % {
            "status": incident.get_status_display()}
    if incident.sensitivity != Incident.Sensitivity.PUBLIC:
        return _("Only an incident whose sensitivity is public can be published: this one is %(sensitivity)s.") % {
            "sensitivity": incident.get_sensitivity_display()}
    return ""


def is_on_public_site(incident: Incident) -> bool:
    """True when the public site shows ``incident`` now (the same condition as ``published_incidents``)."""
    return (incident.published_at is not None and incident.status == Incident.Status.VERIFIED
            and incident.sensitivity == Incident.Sensitivity.PUBLIC)


def _on_site(incidents):
    return Incident.objects.filter(pk__in=[i.pk for i in incidents], published_at__isnull=False,
                                   status=Incident.Status.VERIFIED, sensitivity=Incident.Sensitivity.PUBLIC)


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def publish(actor, incident: Incident) -> Incident:
    """Put ``incident`` on the public site. Refused (``PermissionDenied``) to anybody but a lead;
    a ``ValidationError`` (key ``published_at``) when it is not verified and public, or already published."""
    require(actor, "incident.publish")
    incident = _locked(incident)
    refusal = publication_refusal(incident)
    if refusal:
        raise ValidationError({"published_at": refusal})
    if is_on_public_site(incident):
        raise ValidationError({"published_at": _("This incident is already on the public site.")})
    incident.published_at, incident.published_by = timezone.now(), actor
    incident.save(update_fields=["published_at", "published_by", "updated_at"])
    record(actor=actor, action="publish", obj=incident,
           changes={"published_at": [None, timezone.localdate(incident.published_at).isoformat()]})
    return incident


@transaction.atomic
def withdraw(actor, incident: Incident, reason: str) -> Incident:
    """Take ``incident`` off the public site, saying why (kept in the audit entry)."""
    require(actor, "incident.publish")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the incident is withdrawn from the public site.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("Keep the reason under %(limit)d characters.") % {"limit": REASON_MAX}})
    incident = _locked(incident)
    if incident.published_at is None:
        raise ValidationError({"published_at": _("This incident is not on the public site.")})
    since = timezone.localdate(incident.published_at).isoformat()
    incident.published_at, incident.published_by = None, None
    incident.save(update_fields=["published_at", "published_by", "updated_at"])
    record(actor=actor, action="unpublish", obj=incident,
           changes={"published_at": [since, None], "withdrawal_reason": reason})
    return incident


def _refused(incidents, one) -> tuple[list[Incident], list[str]]:
    refused, done = [], []
    for incident in incidents:
        try:
            done.append(one(incident))
        except ValidationError as exc:
            refused.append(f"{incident.reference} ({' '.join(exc.messages)})")
    return done, refused


@transaction.atomic
def publish_many(actor, incidents) -> list[Incident]:
    """Publish every one of ``incidents`` (each through :func:`publish`, one audit entry each), or
    none: one that cannot be published rolls all back, and the error names it and why. Incidents
    already on the public site are left as they are (not refused: the list's filter may hold both)."""
    require(actor, "incident.publish")
    incidents = list(incidents)
    # Read again: the objects may be older than the last publication.
    shown = set(_on_site(incidents).values_list("pk", flat=True))
    incidents = [i for i in incidents if i.pk not in shown]
    if not incidents:
        raise ValidationError({"incidents": _("Every chosen incident is already on the public site.")})
    done, refused = _refused(incidents, lambda i: publish(actor, i))
    if refused:
        raise ValidationError({"incidents": ngettext(
            "Nothing was published, because of %(references)s. Leave it out and apply the action again.",
            "Nothing was published, because of %(references)s. Leave them out and apply the action again.",
            len(refused)) % {"references": "; ".join(refused[:20])}})
    return done


@transaction.atomic
def withdraw_many(actor, incidents, reason: str) -> list[Incident]:
    """Withdraw every published one of ``incidents`` (each through :func:`withdraw`), or none."""
    require(actor, "incident.publish")
    if not " ".join((reason or "").split()):
        raise ValidationError({"reason": _("Say why the incidents are withdrawn from the public site.")})
    incidents = list(incidents)
    published = set(Incident.objects.filter(pk__in=[i.pk for i in incidents], published_at__isnull=False)
                    .values_list("pk", flat=True))
    incidents = [i for i in incidents if i.pk in published]
    if not incidents:
        raise ValidationError({"incidents": _("None of the chosen incidents is on the public site.")})
    done, refused = _refused(incidents, lambda i: withdraw(actor, i, reason))
    if refused:
        raise ValidationError({"incidents": ngettext(
            "Nothing was withdrawn, because of %(references)s. Leave it out and apply the action again.",
            "Nothing was withdrawn, because of %(references)s. Leave them out and apply the action again.",
            len(refused)) % {"references": "; ".join(refused[:20])}})
    return done
