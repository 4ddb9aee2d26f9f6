"""Sanctions proposals: a named list of persons and organizations, each with its grounds.

A proposal goes draft -> in review -> signed off -> submitted. While it is a draft or in review,
editors add and remove members and set their grounds: the posts a person held (occupancies), the
incidents where the member is recorded as perpetrator or instigator, and further sources. A lead
reviews each member (the grounds must be complete and cited) and then signs the proposal off; a
signed-off proposal is frozen until a lead reopens it. Listing statuses per jurisdiction (proposed,
submitted, listed, delisted, refused) are recorded at any stage.

Every function here that writes is a service: keyword-only ``actor``, one transaction, the
permission checked, an audit entry on the proposal, and a field-keyed ValidationError (nothing
written) for bad input. The read helpers at the bottom are shared by the pages and the exports.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts.rules import require, second_pair_of_eyes_needed
from svidok.audit.services import diff, record
from svidok.common.validation import check_not_future, check_required, check_text, check_text_size, collect, today
from svidok.incidents.models import Incident, Involvement, Source
from svidok.incidents.queries import visible_incidents
from svidok.people.merging import canonical, source_records
from svidok.people.models import PROTECTED_ROLES, Occupancy, Organization, Person
from svidok.sanctions.listcheck import State, check_members
from svidok.sanctions.models import Listing, Proposal, ProposalMember, ReferenceEntity

# Roles that make an incident a ground for sanctions. Employer, commission and "other" describe a
# party's place in the story, not that it did the act: such an incident is cited through a source.
RESPONSIBLE_ROLES = ("perpetrator", "instigator")
EDITABLE = (Proposal.Status.DRAFT, Proposal.Status.IN_REVIEW)
# Statuses that close the case for good or mean the incident is recorded elsewhere.
UNCITABLE_INCIDENTS = (Incident.Status.REJECTED, Incident.Status.DUPLICATE)
DATED_LISTING = (Listing.Status.LISTED, Listing.Status.DELISTED)
# A listing that means the member is on a list now (one without a record of the list also counts).
CURRENT = (Listing.Status.LISTED,)


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _check_editable(proposal: Proposal) -> None:
    if proposal.status == Proposal.Status.SUBMITTED:
        raise ValidationError({"status": _("A submitted proposal is not changed; record listing statuses instead.")})
    if proposal.status not in EDITABLE:
        raise ValidationError({"status": _("A signed-off proposal is not changed; reopen it first.")})


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    check_required("title", title, _("A proposal needs a title."))
    check_text("title", title)
    if len(title) > 300:
        raise ValidationError({"title": _("A title is at most 300 characters long.")})
    return title


def _audit(actor, proposal: Proposal, action: str, changes: dict) -> None:
    record(actor=actor, action=action, obj=proposal, object_repr=proposal.title, changes=changes)


def member_label(member: ProposalMember) -> str:
    party = member.person or member.organization
    return party.display_name


def _audit_label(member: ProposalMember) -> str:
    """How the audit log names a member: a person never by name (the log cannot forget, and a person
    may be protected later: docs/identity-vault.md), an organization by name."""
    return member.person.audit_repr if member.person_id else member.organization.display_name


# --- the proposal --------------------------------------------------------------------------------------


@transaction.atomic
def create_proposal(*, actor, title: str, description: str = "") -> Proposal:
    """A new, empty draft proposal."""
    require(actor, "proposal.edit")
    title = _title(title)
    check_text_size("description", description)
    proposal = Proposal.objects.create(title=title, description=description or "", created_by=_user(actor))
    _audit(actor, proposal, "create", diff({}, {"title": title, "description": proposal.description, "status": proposal.status}))
    return proposal


@transaction.atomic
def update_proposal(*, actor, proposal: Proposal, title: str | None = None, description: str | None = None) -> Proposal:
    """Change the title or description of a draft or in-review proposal."""
    require(actor, "proposal.edit")
    proposal = _locked(proposal)
    _check_editable(proposal)
    before = {"title": proposal.title, "description": proposal.description}
    if title is not None:
        proposal.title = _title(title)
    if description is not None:
        check_text_size("description", description)
        proposal.description = description
    proposal.save(update_fields=["title", "description"])
    changes = diff(before, {"title": proposal.title, "description": proposal.description})
    if changes:
        _audit(actor, proposal, "update", changes)
    return proposal


def _set_status(actor, proposal: Proposal, status: str, reason: str = "", noted: dict | None = None, **extra) -> Proposal:
    before = proposal.status
    proposal.status = status
    for key, value in extra.items():
        setattr(proposal, key, value)
    proposal.save(update_fields=["status", *extra])
    changes = {"status": [before, status]} | {key: [None, value] for key, value in (noted or {}).items()}
    if reason:
        changes["reason"] = [None, reason]
    _audit(actor, proposal, "status", changes)
    return proposal


@transaction.atomic
def send_for_review(*, actor, proposal: Proposal) -> Proposal:
    """Draft -> in review: the members are there; leads now review each one."""
    require(actor, "proposal.edit")
    proposal = _locked(proposal)
    if proposal.status != Proposal.Status.DRAFT:
        raise ValidationError({"status": _("Only a draft is sent for review.")})
    if not proposal.members.exists():
        raise ValidationError({"members": _("Add at least one person or organization first.")})
    return _set_status(actor, proposal, Proposal.Status.IN_REVIEW)


def sign_off_refusal(user, members, name=member_label) -> str | None:
    """Why ``user`` may not sign off a proposal of ``members`` under the four-eyes rule
    (``SVIDOK_FOUR_EYES``): who reviewed a member's grounds does not also sign the proposal off.
    None when nothing stands in the way. ``name(member)`` names the members (a page: in the reader's language)."""
    own = [name(m) for m in members if second_pair_of_eyes_needed(user, [m.reviewed_by_id])]
    if own:
        return _("You reviewed %(names)s, so another coordinator signs the proposal off: a second pair of eyes checks "
                 "every proposal.") % {"names": ", ".join(own)}
    return None


@transaction.atomic
def sign_off_proposal(*, actor, proposal: Proposal, matches_checked: bool = False) -> Proposal:
    """In review -> signed off, once every member has been reviewed, by a lead who reviewed none of
    them (:func:`sign_off_refusal`). The audit entry notes whether the sign-off was a second person's.

    When a member not listed by a record matches an entry of a loaded reference list (a possible
    match, ``listcheck.check_members``), the signer must say they checked the matches
    (``matches_checked``); the audit entry then names the members whose matches were checked."""
    require(actor, "proposal.signoff")
    proposal = _locked(proposal)
    if proposal.status != Proposal.Status.IN_REVIEW:
        raise ValidationError({"status": _("Only a proposal in review is signed off.")})
    members = list(proposal.members.select_related("person", "organization"))
    if not members:
        raise ValidationError({"members": _("A proposal without members cannot be signed off.")})
    waiting = [member_label(m) for m in members if m.reviewed_at is None]
    if waiting:
        raise ValidationError({"members": _("Not reviewed yet: %(names)s.") % {"names": ", ".join(waiting)}})
    refusal = sign_off_refusal(actor, members)
    if refusal:
        raise ValidationError({"signed_off_by": refusal})
    matched = [member_label(c.member) for c in check_members(proposal.members.select_related("person", "organization")
                                                             .prefetch_related("listings"))
               if c.state == State.POSSIBLE]
    if matched and not matches_checked:
        raise ValidationError({"matches_checked": _(
            "Possibly already on a reference list: %(names)s. Check the matches, then confirm that you have checked them."
        ) % {"names": ", ".join(matched)}})
    second = all(m.reviewed_by_id is not None and m.reviewed_by_id != getattr(actor, "pk", None) for m in members)
    noted = {"second_person": second} | ({"matches_checked": matched} if matched else {})
    return _set_status(actor, proposal, Proposal.Status.SIGNED_OFF, noted=noted,
                       signed_off_by=_user(actor), signed_off_at=timezone.now())


@transaction.atomic
def reopen_proposal(*, actor, proposal: Proposal, reason: str = "") -> Proposal:
    """Signed off -> in review, to change it again (the member reviews stay until their grounds change)."""
    require(actor, "proposal.signoff")
    proposal = _locked(proposal)
    if proposal.status != Proposal.Status.SIGNED_OFF:
        raise ValidationError({"status": _("Only a signed-off proposal is reopened.")})
    check_text_size("reason", reason)
    return _set_status(actor, proposal, Proposal.Status.IN_REVIEW, reason=reason, signed_off_by=None, signed_off_at=None)


@transaction.atomic
def submit_proposal(*, actor, proposal: Proposal, jurisdictions=(), date=None) -> Proposal:
    """Signed off -> submitted. For each of ``jurisdictions`` (eu, uk, us, ua) every member's listing
    there becomes "submitted" on ``date`` (today by default), unless it already says "listed"."""
    require(actor, "proposal.signoff")
    proposal = _locked(proposal)
    if proposal.status != Proposal.Status.SIGNED_OFF:
        raise ValidationError({"status": _("Only a signed-off proposal is submitted.")})
    jurisdictions = list(dict.fromkeys(jurisdictions or ()))
    named = [j for j in Listing.Jurisdiction.values if j != Listing.Jurisdiction.OTHER]
    unknown = [j for j in jurisdictions if j not in named]
    if unknown:
        raise ValidationError({"jurisdictions": _("Unknown jurisdiction %(code)r: use %(codes)s; record others one by one.")
                               % {"code": unknown[0], "codes": ", ".join(named)}})
    date = date or today()
    check_not_future("date", date)
    for member in proposal.members.all():
        for jurisdiction in jurisdictions:
            listing = Listing.objects.filter(member=member, jurisdiction=jurisdiction, jurisdiction_other="").first()
            if listing is not None and listing.status == Listing.Status.LISTED:
                continue
            listing = listing or Listing(member=member, jurisdiction=jurisdiction)
            listing.status, listing.date = Listing.Status.SUBMITTED, date
            listing.save()
    return _set_status(actor, proposal, Proposal.Status.SUBMITTED, noted={"jurisdictions": jurisdictions, "date": date})


# --- members -------------------------------------------------------------------------------------------


def _check_person_may_be_listed(person: Person) -> None:
    """A victim or witness never goes on a sanctions list; a linked record stands for its canonical one."""
    if person.merged_into_id is not None:
        root = canonical(person)
        raise ValidationError({"person": _("This record is linked to %(name)s as the same person; add that person instead.")
                               % {"name": root.display_name}})
    records = source_records(person)
    if any(p.protected for p in records):
        raise ValidationError({"person": _("A protected person (a victim or witness) is never put on a sanctions list.")})
    if Involvement.objects.filter(person__in=records, role__code__in=PROTECTED_ROLES).exists():
        raise ValidationError({"person": _("This person is recorded as a victim or witness and is never put on a sanctions list.")})


@transaction.atomic
def add_member(*, actor, proposal: Proposal, person: Person | None = None, organization: Organization | None = None,
               grounds: str = "") -> ProposalMember:
    """Put a person or an organization on a draft or in-review proposal (grounds are set afterwards)."""
    require(actor, "proposal.edit")
    proposal = _locked(proposal)
    _check_editable(proposal)
    if (person is None) == (organization is None):
        raise ValidationError({"party": _("Name exactly one person or one organization.")})
    check_text_size("grounds", grounds)
    if person is not None:
        person = Person.objects.get(pk=person.pk)  # the protection and link as stored now
        _check_person_may_be_listed(person)
        if proposal.members.filter(person=person).exists():
            raise ValidationError({"person": _("%(name)s is already on this proposal.") % {"name": person.display_name}})
    elif proposal.members.filter(organization=organization).exists():
        raise ValidationError({"organization": _("%(name)s is already on this proposal.") % {"name": organization.name}})
    order = (proposal.members.aggregate(last=Max("order"))["last"] or 0) + 1
    member = ProposalMember.objects.create(proposal=proposal, person=person, organization=organization,
                                           grounds=grounds or "", order=order)
    _audit(actor, proposal, "link", {"member": [None, {"member": member.public_id, "name": _audit_label(member),
                                                       "kind": "person" if person else "organization"}]})
    return member


@transaction.atomic
def remove_member(*, actor, member: ProposalMember) -> None:
    """Take a member (with its grounds and listing statuses) off a draft or in-review proposal."""
    require(actor, "proposal.edit")
    proposal = _locked(member.proposal)
    _check_editable(proposal)
    name, public_id = _audit_label(member), member.public_id
    member.delete()
    _audit(actor, proposal, "unlink", {"member": [{"member": public_id, "name": name}, None]})


def member_parties(member: ProposalMember) -> dict:
    """The records a member's grounds may come from: ``{"person__in": [...]}`` (the person and every
    record linked to it) or ``{"organization": org}``; usable as Involvement/Occupancy filters."""
    if member.person_id:
        return {"person__in": source_records(member.person)}
    return {"organization": member.organization}


def responsible_involvements(member: ProposalMember):
    """The member's involvements as perpetrator or instigator (every incident, visible or not)."""
    return Involvement.objects.filter(role__code__in=RESPONSIBLE_ROLES, **member_parties(member))


def candidate_incidents(member: ProposalMember, user):
    """Incidents ``user`` may see where the member is perpetrator or instigator: the possible grounds."""
    ids = responsible_involvements(member).values("incident_id")
    return (visible_incidents(user).filter(pk__in=ids).exclude(status__in=UNCITABLE_INCIDENTS)
            .select_related("type").order_by("-date_start", "reference"))


def candidate_occupancies(member: ProposalMember):
    """The posts held by the member's person (and the records linked to it)."""
    if not member.person_id:
        return Occupancy.objects.none()
    return (Occupancy.objects.filter(**member_parties(member))
            .select_related("position__organization", "source").order_by("-start_date", "id"))


def _occupancy_repr(occupancy: Occupancy) -> str:
    period = f"{occupancy.start_date or '?'}–{occupancy.end_date or ''}"
    return f"{occupancy.position.title}, {occupancy.position.organization.name} ({period})"


def _grounds_snapshot(member: ProposalMember) -> dict:
    return {
        "grounds": member.grounds,
        "occupancies": sorted(_occupancy_repr(o) for o in member.occupancies.select_related("position__organization")),
        "incidents": sorted(member.incidents.values_list("reference", flat=True)),
        "sources": sorted(str(u) for u in member.sources.values_list("uuid", flat=True)),
    }


@transaction.atomic
def set_grounds(*, actor, member: ProposalMember, grounds: str | None = None, occupancies=None, incidents=None,
                sources=None) -> ProposalMember:
    """Set a member's grounds; each given list replaces the one stored (``None`` keeps it).

    ``incidents`` replaces the incidents the actor may see; those already cited that the actor may
    not see stay. Refused, nothing changed: posts that the member's person did not hold (or any
    post for an organization), incidents that the actor may not see, where the member is not
    recorded as perpetrator or instigator, or that were rejected or marked duplicate. Any change
    withdraws the member's review: the reviewer signed off on the grounds as they were.
    """
    require(actor, "proposal.edit")
    proposal = _locked(member.proposal)
    _check_editable(proposal)
    member = ProposalMember.objects.select_for_update().get(pk=member.pk)
    errors: dict[str, list[str]] = {}
    if grounds is not None:
        try:
            check_text_size("grounds", grounds)
        except ValidationError as error:
            errors.update(error.message_dict)
    if occupancies is not None:
        occupancies = list(occupancies)
        if occupancies and not member.person_id:
            errors["occupancies"] = [_("Posts held are grounds for persons; cite an organization's incidents and sources.")]
        elif occupancies:
            allowed = set(candidate_occupancies(member).values_list("pk", flat=True))
            foreign = [o for o in occupancies if o.pk not in allowed]
            if foreign:
                errors["occupancies"] = [_("%(post)s was not held by this person.") % {"post": _occupancy_repr(foreign[0])}]
    if incidents is not None:
        # Incidents already cited that the actor may not see stay: one cannot drop what one is not shown.
        hidden = list(member.incidents.exclude(pk__in=visible_incidents(actor).values("pk")))
        incidents = [i for i in incidents if i.pk not in {h.pk for h in hidden}]
        visible = set(visible_incidents(actor).filter(pk__in=[i.pk for i in incidents]).values_list("pk", flat=True))
        responsible = set(responsible_involvements(member).filter(incident__in=[i.pk for i in incidents])
                          .values_list("incident_id", flat=True))
        for incident in incidents:
            if incident.pk not in visible:
                # Worded like an unknown reference, so that it reveals nothing about the incident.
                errors.setdefault("incidents", []).append(_("No such incident: %(ref)s.") % {"ref": incident.reference})
            elif incident.status in UNCITABLE_INCIDENTS:
                errors.setdefault("incidents", []).append(
                    _("%(ref)s is %(status)s and cannot be a ground.") % {"ref": incident.reference, "status": incident.get_status_display()})
            elif incident.pk not in responsible:
                errors.setdefault("incidents", []).append(
                    _("%(ref)s: %(name)s is not recorded as perpetrator or instigator of this incident.")
                    % {"ref": incident.reference, "name": member_label(member)})
    if sources is not None:
        sources = list(sources)
        missing = [s for s in sources if not isinstance(s, Source) or s.pk is None]
        if missing:
            errors["sources"] = [_("Unknown source.")]
    if errors:
        raise ValidationError(errors)

    before = _grounds_snapshot(member)
    if grounds is not None:
        member.grounds = grounds
    if occupancies is not None:
        member.occupancies.set(occupancies)
    if incidents is not None:
        member.incidents.set(incidents + hidden)
    if sources is not None:
        member.sources.set(sources)
    changes = diff(before, _grounds_snapshot(member))
    if changes and member.reviewed_at is not None:
        changes["review"] = [{"by": getattr(member.reviewed_by, "username", ""), "at": member.reviewed_at}, None]
        member.reviewed_by, member.reviewed_at, member.review_note = None, None, ""
    member.save()
    if changes:
        _audit(actor, proposal, "update", {"member": f"{_audit_label(member)} ({member.public_id})", **changes})
    return member


def grounds_problems(member: ProposalMember) -> dict[str, list[str]]:
    """What keeps a member's grounds from being signed off (empty when none): a statement of
    reasons, at least one cited ground, a source for every post, verified and sourced incidents."""
    problems: dict[str, list[str]] = {}
    if not member.grounds.strip():
        problems["grounds"] = [_("Write the statement of reasons.")]
    occupancies = list(member.occupancies.select_related("position__organization"))
    incidents = list(member.incidents.prefetch_related("source_links"))
    if not (occupancies or incidents or member.sources.exists()):
        problems.setdefault("grounds", []).append(_("Cite at least one post held, incident or source."))
    for occupancy in occupancies:
        if occupancy.source_id is None:
            problems.setdefault("occupancies", []).append(
                _("%(post)s has no source.") % {"post": _occupancy_repr(occupancy)})
    for incident in incidents:
        if incident.status != Incident.Status.VERIFIED:
            problems.setdefault("incidents", []).append(_("%(ref)s is not verified.") % {"ref": incident.reference})
        if not incident.source_links.all():
            problems.setdefault("incidents", []).append(_("%(ref)s has no source.") % {"ref": incident.reference})
    return problems


@transaction.atomic
def review_member(*, actor, member: ProposalMember, note: str = "") -> ProposalMember:
    """A lead's sign-off on one member's grounds (the proposal must be in review; see :func:`grounds_problems`)."""
    require(actor, "proposal.signoff")
    proposal = _locked(member.proposal)
    if proposal.status != Proposal.Status.IN_REVIEW:
        raise ValidationError({"status": _("Members are reviewed while the proposal is in review.")})
    member = ProposalMember.objects.select_for_update().get(pk=member.pk)
    if member.reviewed_at is not None:
        raise ValidationError({"member": _("%(name)s was already reviewed.") % {"name": member_label(member)}})
    check_text_size("note", note)
    problems = grounds_problems(member)
    if problems:
        raise ValidationError(problems)
    member.reviewed_by, member.reviewed_at, member.review_note = _user(actor), timezone.now(), note or ""
    member.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    _audit(actor, proposal, "update", {"member": f"{member_label(member)} ({member.public_id})", "reviewed": [None, note or True]})
    return member


# --- listings --------------------------------------------------------------------------------------------


def _listing_snapshot(listing: Listing | None) -> dict | None:
    if listing is None or listing.pk is None:
        return None
    return {"jurisdiction": listing.jurisdiction_other or listing.jurisdiction, "status": listing.status,
            "date": listing.date, "legal_act": listing.legal_act,
            "reference_entity": listing.reference_entity.record_id if listing.reference_entity_id else None,
            "source": listing.source.public_id if listing.source_id else None}


def check_listing(*, jurisdiction: str, status: str, jurisdiction_other: str = "", date=None, legal_act: str = "",
                  note: str = "") -> None:
    """A listing's own fields, without reading or writing anything (the rules of :func:`record_listing`,
    for forms that show them with their fields' errors). One field-keyed ValidationError."""
    jurisdiction_other = " ".join((jurisdiction_other or "").split())
    legal_act = " ".join((legal_act or "").split())

    def check_jurisdiction():
        if jurisdiction not in Listing.Jurisdiction.values:
            raise ValidationError({"jurisdiction": _("Unknown jurisdiction %(code)r.") % {"code": jurisdiction}})
        if jurisdiction == Listing.Jurisdiction.OTHER and not jurisdiction_other:
            raise ValidationError({"jurisdiction_other": _("Name the jurisdiction.")})
        if len(jurisdiction_other) > 100:
            raise ValidationError({"jurisdiction_other": _("At most 100 characters.")})

    def check_status():
        if status not in Listing.Status.values:
            raise ValidationError({"status": _("Unknown status %(status)r.") % {"status": status}})
        if status in DATED_LISTING and date is None:
            raise ValidationError({"date": _("A listing or delisting needs its date.")})

    def check_legal_act():
        if len(legal_act) > 300:
            raise ValidationError({"legal_act": _("At most 300 characters.")})
        check_text("legal_act", legal_act)
        check_text("jurisdiction_other", jurisdiction_other)

    collect(check_jurisdiction, check_status, lambda: check_not_future("date", date), check_legal_act,
            lambda: check_text_size("note", note))


@transaction.atomic
def record_listing(*, actor, member: ProposalMember, jurisdiction: str, status: str, jurisdiction_other: str = "",
                   date=None, legal_act: str = "", reference_entity: ReferenceEntity | None = None,
                   source: Source | None = None, note: str = "") -> Listing:
    """Where a member stands in one jurisdiction (one record per jurisdiction, replaced on each call).

    The date of the status and the legal act are separate fields; "listed" and "delisted" need the
    date. ``reference_entity`` is the member's entry in an imported list of that jurisdiction.
    """
    require(actor, "proposal.edit")
    proposal = _locked(member.proposal)
    jurisdiction_other = " ".join((jurisdiction_other or "").split())
    legal_act = " ".join((legal_act or "").split())

    def check_reference():
        if reference_entity is None:
            return
        listed = reference_entity.reference_list.jurisdiction
        if listed and jurisdiction in Listing.Jurisdiction.values and listed != jurisdiction:
            raise ValidationError({"reference_entity": _("That entry belongs to a list of another jurisdiction (%(code)s).")
                                   % {"code": listed}})
        is_person = reference_entity.schema == "Person"
        if (member.person_id and reference_entity.schema not in ("Person", "LegalEntity")) or (member.organization_id and is_person):
            raise ValidationError({"reference_entity": _("That entry is a %(schema)s, not a %(kind)s.")
                                   % {"schema": reference_entity.schema, "kind": _("person") if member.person_id else _("organization")}})

    collect(lambda: check_listing(jurisdiction=jurisdiction, status=status, jurisdiction_other=jurisdiction_other, date=date,
                                  legal_act=legal_act, note=note),
            check_reference)
    if jurisdiction != Listing.Jurisdiction.OTHER:
        jurisdiction_other = ""
    listing = Listing.objects.select_for_update().filter(
        member=member, jurisdiction=jurisdiction, jurisdiction_other=jurisdiction_other).first()
    before = _listing_snapshot(listing)
    listing = listing or Listing(member=member, jurisdiction=jurisdiction, jurisdiction_other=jurisdiction_other)
    listing.status, listing.date, listing.legal_act = status, date, legal_act
    listing.reference_entity, listing.source, listing.note = reference_entity, source, note or ""
    listing.save()
    after = _listing_snapshot(listing)
    if before != after:
        _audit(actor, proposal, "update", {"member": f"{member_label(member)} ({member.public_id})", "listing": [before, after]})
    return listing


# --- reads ---------------------------------------------------------------------------------------------


def is_listed(member: ProposalMember) -> bool:
    """Whether the member is on some list now: a listing that says "listed", or one that names the
    member's entry in an imported list (and was not since delisted or refused)."""
    return any(
        listing.status in CURRENT
        or (listing.reference_entity_id is not None and listing.status not in (Listing.Status.DELISTED, Listing.Status.REFUSED))
        for listing in member.listings.all()
    )


def unlisted_members(proposal: Proposal) -> list[ProposalMember]:
    """The members listed nowhere yet, by the listing records (see :func:`is_listed`).

    Matching the members' names against imported reference lists is a separate, suggested step
    (the matching module's job); a match becomes a listing once somebody records it here.
    """
    members = proposal.members.select_related("person", "organization").prefetch_related("listings")
    return [m for m in members if not is_listed(m)]

