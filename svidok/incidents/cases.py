"""Cases and named access as use cases (docs/permissions.md, rules 12 and 13).

A case groups incidents worked on together; sharing it with an account lets that account see its
incidents within what the account's role sees — for external counsel, the only incidents it sees.
A restricted incident is seen by the roles that see restricted incidents, its author, and the
users named on it. Every change is audited on the case or the incident.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from svidok.accounts import rules
from svidok.accounts.models import User
from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.common.validation import check_text, is_uuid
from svidok.incidents.models import Case, CaseShare, Incident, IncidentAccess
from svidok.incidents.queries import visible_incidents

# --- reading ---------------------------------------------------------------------------------------


def visible_cases(user):
    """Leads see every case; everyone else the cases shared with them."""
    role = rules.role_of(user)
    if role is None or not rules.can(user, "case.view"):
        return Case.objects.none()
    if role in rules.LEADS:
        return Case.objects.all()
    return Case.objects.filter(shares__user=user).distinct()


def get_case_for_user(user, case_id) -> Case:
    case = visible_cases(user).filter(uuid=case_id).first() if is_uuid(str(case_id)) else None
    if case is None:
        raise Http404("No such case")
    return case


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    check_text("name", name)
    if not name:
        raise ValidationError({"name": _("Give the case a name.")})
    if len(name) > Case._meta.get_field("name").max_length:
        raise ValidationError({"name": _("A case name is at most 200 characters.")})
    return name


def _account(username: str) -> User:
    user = User.objects.filter(username=(username or "").strip(), is_active=True).first()
    if user is None:
        raise ValidationError({"user": _("There is no active account with this username.")})
    return user


# --- cases -----------------------------------------------------------------------------------------


@transaction.atomic
def create_case(*, actor, name: str, description: str = "") -> Case:
    require(actor, "case.edit")
    check_text("description", description or "", long=True)
    case = Case.objects.create(name=_clean_name(name), description=(description or "").strip(), created_by=actor)
    record(actor=actor, action="create", obj=case, changes={"name": [None, case.name]})
    return case


@transaction.atomic
def update_case(*, actor, case: Case, name: str, description: str = "") -> Case:
    require(actor, "case.edit")
    case = Case.objects.select_for_update().get(pk=case.pk)
    before = {"name": case.name, "description": case.description}
    check_text("description", description or "", long=True)
    case.name, case.description = _clean_name(name), (description or "").strip()
    case.save(update_fields=["name", "description"])
    changes = {k: [v, getattr(case, k)] for k, v in before.items() if v != getattr(case, k)}
    if changes:
        record(actor=actor, action="update", obj=case, changes=changes)
    return case


@transaction.atomic
def add_incident(*, actor, case: Case, reference: str) -> Incident:
    """Put the incident ``reference`` in ``case``; the actor must see it (an invisible one is
    reported as unknown, like a reference that does not exist)."""
    require(actor, "case.edit")
    incident = visible_incidents(actor).filter(reference=(reference or "").strip().upper()).first()
    if incident is None:
        raise ValidationError({"reference": _("No incident with this reference.")})
    if case.incidents.filter(pk=incident.pk).exists():
        raise ValidationError({"reference": _("This incident is in the case already.")})
    case.incidents.add(incident)
    record(actor=actor, action="link", obj=case, changes={"incident": [None, incident.reference]})
    return incident


@transaction.atomic
def remove_incident(*, actor, case: Case, incident: Incident) -> None:
    require(actor, "case.edit")
    if case.incidents.filter(pk=incident.pk).exists():
        case.incidents.remove(incident)
        record(actor=actor, action="unlink", obj=case, changes={"incident": [incident.reference, None]})


@transaction.atomic
def share_case(*, actor, case: Case, username: str) -> CaseShare:
    require(actor, "case.edit")
    user = _account(username)
    if case.shares.filter(user=user).exists():
        raise ValidationError({"user": _("The case is shared with this account already.")})
    share = CaseShare.objects.create(case=case, user=user, shared_by=actor)
    record(actor=actor, action="link", obj=case, changes={"shared_with": [None, user.username]})
    return share


@transaction.atomic
def unshare_case(*, actor, case: Case, user) -> None:
    require(actor, "case.edit")
    deleted, _rows = CaseShare.objects.filter(case=case, user=user).delete()
    if deleted:
        record(actor=actor, action="unlink", obj=case, changes={"shared_with": [user.username, None]})


# --- named access to restricted incidents ----------------------------------------------------------


@transaction.atomic
def grant_access(*, actor, incident: Incident, username: str) -> IncidentAccess:
    require(actor, "incident.grant")
    user = _account(username)
    if incident.named_access.filter(user=user).exists():
        raise ValidationError({"user": _("This account is named on the incident already.")})
    access = IncidentAccess.objects.create(incident=incident, user=user, granted_by=actor)
    record(actor=actor, action="link", obj=incident, changes={"named_access": [None, user.username]})
    return access


@transaction.atomic
def revoke_access(*, actor, incident: Incident, user) -> None:
    require(actor, "incident.grant")
    deleted, _rows = IncidentAccess.objects.filter(incident=incident, user=user).delete()
    if deleted:
        record(actor=actor, action="unlink", obj=incident, changes={"named_access": [user.username, None]})
