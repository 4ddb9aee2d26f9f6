"""Sanctions proposal pages: list, detail, members and their grounds, listings, sign-off, exports.

Thin: parse, authorize, call ``people.proposals`` (the services), render. Reads go through
``people.queries`` (an unknown proposal is 404) and incidents through ``visible_incidents``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.audit.display import readable
from svidok.audit.services import history
from svidok.common import extensions
from svidok.common.ratelimits import limited
from svidok.common.views import add_service_errors, paginate, submit_form
from svidok.incidents.models import Source
from svidok.incidents.queries import visible_incidents
from svidok.people import display
from svidok.sanctions import dossier, listcheck
from svidok.sanctions import services as proposals
from svidok.sanctions.forms import (
    GroundsForm,
    ListingForm,
    MemberForm,
    ProposalForm,
    ReopenProposalForm,
    ReviewForm,
    SubmitForm,
)
from svidok.sanctions.models import Listing, Proposal
from svidok.sanctions.queries import get_member, get_proposal_for_user, visible_proposals

EXPORTS = dossier.EXPORTS


def _url(proposal, view: str = "proposal_detail", *args) -> str:
    return reverse(f"sanctions:{view}", args=[proposal.uuid, *args])


def _shown(member) -> str:
    """The member's name in messages: a person's variant for the reader's language (people.display)."""
    return display.shown_name(member.person) if member.person_id else member.organization.name


def _member_url(member) -> str:
    return _url(member.proposal, "proposal_member", member.uuid)


@login_required
def proposal_list(request):
    require(request.user, "proposal.view")
    queryset = visible_proposals(request.user).annotate(member_count=Count("members")).order_by("-created_at", "id")
    return render(request, "sanctions/proposal_list.html", {
        "page": paginate(request, queryset), "can_create": rules.can(request.user, "proposal.edit"),
    })


def _form_page(request, *, form, proposal=None):
    if proposal is None:
        context = {"title": _("New sanctions proposal"), "cancel_url": reverse("sanctions:proposal_list")}
    else:
        context = {"title": _("Edit proposal"), "back": (_url(proposal), proposal.title), "cancel_url": _url(proposal)}
    return lambda status: render(request, "record_form.html", {"form": form, **context}, status=status)


@login_required
def proposal_create(request):
    require(request.user, "proposal.edit")
    form = ProposalForm(request.POST or None)
    return submit_form(
        request, form,
        save=lambda: proposals.create_proposal(actor=request.user, **form.cleaned_data),
        saved=lambda proposal: (_("Proposal created."), _url(proposal)),
        page=_form_page(request, form=form),
    )


@login_required
def proposal_edit(request, uuid):
    proposal = get_proposal_for_user(request.user, str(uuid))
    require(request.user, "proposal.edit")
    initial = {"title": proposal.title, "description": proposal.description}
    form = ProposalForm(request.POST if request.method == "POST" else None, initial=initial)
    return submit_form(
        request, form,
        save=lambda: proposals.update_proposal(actor=request.user, proposal=proposal, **form.cleaned_data),
        saved=lambda _proposal: (_("Proposal saved."), _url(proposal)),
        page=_form_page(request, form=form, proposal=proposal),
    )


def _members(proposal, user):
    """The members with what the page shows of them: only the incidents ``user`` may see."""
    members = list(proposal.members.select_related("person", "organization__kind", "reviewed_by").prefetch_related(
        "listings", "occupancies", "sources", "person__names",
        Prefetch("incidents", queryset=visible_incidents(user).order_by("date_start", "reference"), to_attr="visible_incidents"),
    ))
    for member in members:
        member.listed = proposals.is_listed(member)
        member.problems = proposals.grounds_problems(member) if proposal.status == Proposal.Status.IN_REVIEW else {}
    return members


def _detail(request, proposal, *, status=200, errors=None, member_form=None, submit_form_=None, reopen_form=None):
    user = request.user
    editable = proposal.status in proposals.EDITABLE
    members = _members(proposal, user)
    reference_lists = listcheck.loaded_lists()
    checks = listcheck.check_members(members, lists=reference_lists)
    context = {
        "proposal": proposal,
        "members": members,
        "reference_lists": reference_lists,
        "possible": [c for c in checks if c.state == listcheck.State.POSSIBLE],
        "not_found": [c.member for c in checks if c.state == listcheck.State.NOT_FOUND],
        "unchecked": [c.member for c in checks if c.state == listcheck.State.NO_LIST],
        "errors": errors or [],
        "can_edit": rules.can(user, "proposal.edit") and editable,
        "can_sign": rules.can(user, "proposal.signoff"),
        "sign_refusal": proposals.sign_off_refusal(user, members, _shown) if proposal.status == Proposal.Status.IN_REVIEW else None,
        "can_export": rules.can(user, "proposal.export"),
        "member_form": member_form or MemberForm(),
        "submit_form": submit_form_ or SubmitForm(),
        "reopen_form": reopen_form or ReopenProposalForm(),
        "exports": list(EXPORTS),
        # The history names every incident ever cited, whoever may see it: for leads, who see them all.
        "history": readable(history(proposal)) if rules.can(user, "proposal.signoff") else None,
    }
    # Apps above add sections (work: assignment, comments) through common.extensions.
    return render(request, "sanctions/proposal_detail.html", extensions.extend_page("sanctions.proposal", request, proposal, context),
                  status=status)


@login_required
def proposal_detail(request, uuid):
    return _detail(request, get_proposal_for_user(request.user, str(uuid)))


def _errors(error: ValidationError) -> list[str]:
    return [m for messages_ in error.message_dict.values() for m in messages_] if hasattr(error, "error_dict") else error.messages


@login_required
@require_POST
def proposal_add_member(request, uuid):
    proposal = get_proposal_for_user(request.user, str(uuid))
    require(request.user, "proposal.edit")
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            member = proposals.add_member(actor=request.user, proposal=proposal, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error, {"person": "party", "organization": "party"})
        else:
            messages.success(request, _("%(name)s added. Now set the grounds.") % {"name": _shown(member)})
            return redirect(_member_url(member))
    return _detail(request, proposal, status=400, member_form=form)


@login_required
@require_POST
def proposal_action(request, uuid, action):
    """Send for review, sign off, reopen or submit: one POST each, the service decides."""
    proposal = get_proposal_for_user(request.user, str(uuid))
    forms = {}
    try:
        if action == "send-for-review":
            require(request.user, "proposal.edit")
            proposals.send_for_review(actor=request.user, proposal=proposal)
            done = _("Sent for review.")
        elif action == "sign-off":
            require(request.user, "proposal.signoff")
            proposals.sign_off_proposal(actor=request.user, proposal=proposal,
                                        matches_checked=request.POST.get("matches_checked") == "on")
            done = _("Proposal signed off.")
        elif action == "reopen":
            require(request.user, "proposal.signoff")
            form = forms["reopen_form"] = ReopenProposalForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors)
            proposals.reopen_proposal(actor=request.user, proposal=proposal, reason=form.cleaned_data["reason"])
            done = _("Proposal reopened for review.")
        elif action == "submit":
            require(request.user, "proposal.signoff")
            form = forms["submit_form_"] = SubmitForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors)
            proposals.submit_proposal(actor=request.user, proposal=proposal, jurisdictions=form.cleaned_data["jurisdictions"],
                                      date=form.cleaned_data["date"])
            done = _("Proposal marked as submitted.")
        else:
            raise Http404("No such action")
    except ValidationError as error:
        proposal.refresh_from_db()
        return _detail(request, proposal, status=400, errors=_errors(error), **forms)
    messages.success(request, done)
    return redirect(_url(proposal))


# --- one member: grounds, listings, review ------------------------------------------------------------


def _grounds_form(request, member, data=None):
    user = request.user
    incidents = proposals.candidate_incidents(member, user)
    occupancies = proposals.candidate_occupancies(member)
    # The sources worth offering: those behind the member's posts and incidents, and those chosen.
    source_ids = set(member.sources.values_list("pk", flat=True))
    source_ids |= set(occupancies.exclude(source=None).values_list("source_id", flat=True))
    source_ids |= set(Source.objects.filter(incident_links__incident__in=incidents).values_list("pk", flat=True))
    sources = Source.objects.filter(pk__in=source_ids).order_by("-published_on", "title")
    initial = {
        "grounds": member.grounds,
        "occupancies": list(member.occupancies.all()),
        "incidents": list(member.incidents.filter(pk__in=incidents.values("pk"))),
        "sources": list(member.sources.all()),
    }
    return GroundsForm(data, initial=initial, occupancies=occupancies, incidents=incidents, sources=sources)


def _member_page(request, member, *, status=200, grounds_form=None, listing_form=None, review_form=None):
    proposal = member.proposal
    user = request.user
    editable = proposal.status in proposals.EDITABLE
    can_edit = rules.can(user, "proposal.edit")
    context = {
        "proposal": proposal,
        "member": member,
        "party_url": (reverse("people:person_detail", args=[member.person.uuid]) if member.person_id
                      else reverse("people:organization_detail", args=[member.organization.uuid])),
        "listings": member.listings.select_related("reference_entity__reference_list", "source"),
        "incidents": member.incidents.filter(pk__in=visible_incidents(user).values("pk")).order_by("date_start"),
        "problems": proposals.grounds_problems(member),
        "grounds_form": (grounds_form or _grounds_form(request, member)) if can_edit and editable else None,
        "listing_form": (listing_form or ListingForm(initial={"status": Listing.Status.PROPOSED})) if can_edit else None,
        "review_form": (review_form or ReviewForm()) if (rules.can(user, "proposal.signoff")
                                                         and proposal.status == Proposal.Status.IN_REVIEW
                                                         and member.reviewed_at is None) else None,
        "can_remove": can_edit and editable,
        # Matching against imported lists only suggests; a listing record is the fact.
        "suggestions": [] if proposals.is_listed(member) else listcheck.suggestions(member),
        # With nothing to match against, the page says so (never "not listed").
        "no_list": not proposals.is_listed(member) and not listcheck.loaded_lists(),
    }
    return render(request, "sanctions/proposal_member.html", context, status=status)


def _get_member(request, uuid, member_uuid):
    proposal = get_proposal_for_user(request.user, str(uuid))
    member = get_member(proposal, str(member_uuid))
    member.proposal = proposal
    return member


@login_required
def proposal_member(request, uuid, member_uuid):
    """A member's page; a POST saves the grounds."""
    member = _get_member(request, uuid, member_uuid)
    if request.method != "POST":
        return _member_page(request, member)
    require(request.user, "proposal.edit")
    form = _grounds_form(request, member, request.POST)
    if form.is_valid():
        # Incidents the editor may not see stay among the grounds (the service keeps them).
        try:
            proposals.set_grounds(
                actor=request.user, member=member, grounds=form.cleaned_data["grounds"],
                occupancies=form.cleaned_data.get("occupancies", []),
                incidents=list(form.cleaned_data["incidents"]), sources=form.chosen_sources(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Grounds saved."))
            return redirect(_member_url(member))
    return _member_page(request, member, status=400, grounds_form=form)


@login_required
@require_POST
def proposal_member_listing(request, uuid, member_uuid):
    member = _get_member(request, uuid, member_uuid)
    require(request.user, "proposal.edit")
    form = ListingForm(request.POST)
    if form.is_valid():
        try:
            proposals.record_listing(actor=request.user, member=member, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Listing status recorded."))
            return redirect(_member_url(member))
    return _member_page(request, member, status=400, listing_form=form)


@login_required
@require_POST
def proposal_member_review(request, uuid, member_uuid):
    member = _get_member(request, uuid, member_uuid)
    require(request.user, "proposal.signoff")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            proposals.review_member(actor=request.user, member=member, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s reviewed.") % {"name": _shown(member)})
            return redirect(_url(member.proposal))
    return _member_page(request, member, status=400, review_form=form)


@login_required
@require_POST
def proposal_member_remove(request, uuid, member_uuid):
    member = _get_member(request, uuid, member_uuid)
    require(request.user, "proposal.edit")
    name = _shown(member)
    try:
        proposals.remove_member(actor=request.user, member=member)
    except ValidationError as error:
        return _detail(request, member.proposal, status=400, errors=_errors(error))
    messages.success(request, _("%(name)s taken off the proposal.") % {"name": name})
    return redirect(_url(member.proposal))


# --- exports -------------------------------------------------------------------------------------------


@login_required
@limited("export")
def proposal_export(request, uuid, fmt):
    """The proposal as a file, with what the requesting user may see (an attachment named by its
    members and the day, docs/wording.md)."""
    proposal = get_proposal_for_user(request.user, str(uuid))
    if fmt not in EXPORTS:
        raise Http404("No such format")
    require(request.user, "proposal.export")
    content_type, _extension = EXPORTS[fmt]
    body = dossier.export_bytes(proposal, request.user, fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, dossier.file_name(proposal, fmt))
    return response
