"""Person and organization pages. A protected person is shown by pseudonym unless the viewer may see identities."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.audit.display import readable
from svidok.audit.services import history
from svidok.common import extensions
from svidok.common.ratelimits import limited
from svidok.common.validation import today
from svidok.common.views import add_service_errors, paginate, submit_form
from svidok.people import consent, freetext, search_index, services, suggest
from svidok.people.duplicate_views import linked_verdicts
from svidok.people.forms import ConsentForm, ConsentWithdrawalForm, NameVariantForm, OrganizationForm, PersonForm
from svidok.people.models import Person, PersonIdentity
from svidok.people.queries import (
    can_see_identity,
    get_organization_for_user,
    get_person_for_user,
    organization_posts,
    person_records,
    visible_organizations,
    visible_persons,
)
from svidok.search.api import matching_ids


@login_required
def person_list(request):
    require(request.user, "person.view")
    q = (request.GET.get("q") or "").strip()
    # Canonical persons only: a record linked to another as the same person shows on that one's page.
    queryset = visible_persons(request.user).filter(merged_into__isnull=True)
    if q:
        found = Person.objects.filter(search_index.matching_persons(request.user, q)).values("pk")
        queryset = queryset.filter(Q(pk__in=found) | Q(merged_records__in=found)).distinct()
    # The names are prefetched: each row shows the variant for the reader's language.
    queryset = queryset.order_by("display_name").prefetch_related("names")
    return render(request, "people/person_list.html", {"page": paginate(request, queryset), "q": q})


@login_required
def person_detail(request, uuid):
    return _person_page(request, get_person_for_user(request.user, str(uuid)))


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need to see this identity?"), max_length=services.REVEAL_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Recorded with your name and the time, and shown on this page to those who may see identities."))


@login_required
@require_POST
def person_reveal(request, uuid):
    """A protected person's identity, shown once for the reason given (never on a page load)."""
    person = get_person_for_user(request.user, str(uuid))
    require(request.user, "person.identity")
    form = RevealForm(request.POST)
    if form.is_valid():
        try:
            identity = services.reveal_identity(actor=request.user, person=person, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _person_page(request, person, identity=identity, revealed=True)
    return _person_page(request, person, reveal_form=form, status=400)


def _person_page(request, person, *, identity=None, revealed=False, reveal_form=None, consent_form=None,
                 withdrawal=None, status=200):
    cleared = rules.can(request.user, "person.identity")
    if not person.protected and can_see_identity(request.user, person):
        identity = PersonIdentity.objects.filter(person=person).first()
    context = {
        "person": person,
        "identity": identity,
        "revealed": revealed,
        # A protected identity is shown only after a deliberate reveal with a reason.
        "reveal_form": (reveal_form or RevealForm()) if person.protected and cleared and not revealed else None,
        "reveals": services.identity_reveals(actor=request.user, person=person) if person.protected and cleared else None,
        # The identity's own history (who changed which identity fields when): for those who may see it.
        "identity_changes": (list(person.identity_changes.select_related("actor").defer("values")[:50])
                             if cleared else None),
        # Names and posts; a canonical person's linked records too.
        **person_records(person),
        "can_edit": rules.can(request.user, "person.edit"),
        "history": _history(request, person),
        **_consent_context(request, person, consent_form=consent_form, withdrawal=withdrawal),
    }
    # The records linked to this one (or the record this one is linked to), each with its verdict.
    context["linked_verdicts"] = linked_verdicts(request.user, context["source_records"] or ([person] if person.merged_into_id else []))
    # Incidents, proposals, "already listed?": sections the apps above add (common.extensions).
    return render(request, "people/person_detail.html", extensions.extend_page("people.person", request, person, context),
                  status=status)


# --- consent of protected persons (people.consent) -------------------------------------------------


def _history(request, record):
    """The record's change history, its free texts (descriptions) as this reader may read them."""
    if not rules.can(request.user, "incident.history"):
        return None
    reader = freetext.reader_for(request)
    return readable(history(record), text_filter=None if reader.cleared else reader)


def _withdrawal_prefix(record) -> str:
    return f"withdraw-{record.uuid}"


def _consent_context(request, person, *, consent_form=None, withdrawal=None) -> dict:
    """The consent section of a protected person's page: the consents, with a withdrawal form on
    each one in force and a form for a new one for those who may record them; the sealed notes
    only for those who may see identities. ``withdrawal`` is ``(consent, bound form)`` after a refusal."""
    if not person.protected and consent_form is None and withdrawal is None:
        # Shown anyway after a refused form (a person whose protection was just lifted): with its message.
        return {"consents": None}
    may_record = rules.can(request.user, "person.consent")
    rows = consent.consents_shown(actor=request.user, person=person)
    on = today()
    for row in rows:
        row.now_in_force = row.in_force(on)
        row.withdrawal_form = None
        if withdrawal is not None and withdrawal[0].pk == row.pk:
            row.withdrawal_form = withdrawal[1]
        elif may_record and row.withdrawn_on is None:
            row.withdrawal_form = ConsentWithdrawalForm(prefix=_withdrawal_prefix(row))
    return {
        "consents": rows,
        "consent_notes": rules.can(request.user, "person.identity"),
        "consent_form": (consent_form or ConsentForm(prefix="consent")) if may_record else None,
        "known_partners": consent.known_partners() if may_record else [],
    }


def _consents_url(person) -> str:
    return _url(person, "person_detail") + "#consents"


@login_required
@require_POST
def person_consent(request, uuid):
    """Record a protected person's consent; a refusal shows the person's page again with the field's message."""
    person = get_person_for_user(request.user, str(uuid))
    require(request.user, "person.consent")
    form = ConsentForm(request.POST, prefix="consent")
    return submit_form(
        request, form,
        save=lambda: consent.record_consent(actor=request.user, person=person, **form.service_fields()),
        saved=lambda record: (_("Consent recorded: %(purpose)s.") % {"purpose": record.get_purpose_display()},
                              _consents_url(person)),
        page=lambda status: _person_page(request, person, consent_form=form, status=status),
    )


@login_required
@require_POST
def person_consent_withdraw(request, uuid, consent_uuid):
    """Record that the person withdrew one of their consents."""
    person = get_person_for_user(request.user, str(uuid))
    require(request.user, "person.consent")
    record = consent.get_consent(person=person, public_id=consent_uuid)
    if record is None:
        raise Http404("No such consent")
    form = ConsentWithdrawalForm(request.POST, prefix=_withdrawal_prefix(record))
    return submit_form(
        request, form,
        save=lambda: consent.withdraw_consent(actor=request.user, consent=record, **form.service_fields()),
        saved=lambda withdrawn: (_("Withdrawal recorded: %(purpose)s.") % {"purpose": withdrawn.get_purpose_display()},
                                 _consents_url(person)),
        page=lambda status: _person_page(request, person, withdrawal=(record, form), status=status),
        field_map=ConsentWithdrawalForm.FIELD_MAP,
    )


@login_required
def organization_list(request):
    require(request.user, "organization.view")
    q = (request.GET.get("q") or "").strip()
    queryset = visible_organizations(request.user).select_related("kind").prefetch_related("names")
    if q:
        queryset = queryset.filter(pk__in=matching_ids("organization", q))
    return render(request, "people/organization_list.html", {"page": paginate(request, queryset.order_by("name")), "q": q})


@login_required
def organization_detail(request, uuid):
    organization = get_organization_for_user(request.user, str(uuid))
    organization = (type(organization).objects.select_related("kind", "parent", "place").prefetch_related("names")
                    .get(pk=organization.pk))
    context = {
        "organization": organization,
        "names": organization.names.all(),
        "children": organization.children.order_by("name"),
        "positions": organization_posts(organization),
        "can_edit": rules.can(request.user, "organization.edit"),
        "history": _history(request, organization),
    }
    return render(request, "people/organization_detail.html",
                  extensions.extend_page("people.organization", request, organization, context))


# --- form pages --------------------------------------------------------------------------------------

# The person and organization forms share one template; these are the words that differ.
FORM_WORDS = {
    "person": (gettext_lazy("New person"), gettext_lazy("Edit person"), gettext_lazy("Person")),
    "organization": (gettext_lazy("New organization"), gettext_lazy("Edit organization"), gettext_lazy("Organization")),
}


def _form_page(request, kind, *, record, form, name_form=None):
    """A ``page`` for ``submit_form``: the ``kind`` ("person", "organization") form, new or for ``record``."""
    new, edit, legend = FORM_WORDS[kind]
    context = {"form": form, "name_form": name_form, "legend": legend}
    if record is None:
        context |= {"title": new, "heading": new, "cancel_url": reverse(f"people:{kind}_list")}
    else:
        detail = _url(record, f"{kind}_detail")
        context |= {"title": f"{_('Edit')} {record.display_name}", "heading": edit, "back": (detail, record.display_name),
                    "cancel_url": detail, "add_name_url": _url(record, f"{kind}_add_name")}
    return lambda status: render(request, "people/party_form.html", context, status=status)


def _url(record, view: str) -> str:
    return reverse(f"people:{view}", args=[record.uuid])


# --- persons: create and edit -----------------------------------------------------------------------


@login_required
def person_create(request):
    require(request.user, "person.edit")
    identity = rules.can(request.user, "person.identity")
    # Names that match persons already recorded come back as candidates until the user picks one
    # or confirms a new person (people.suggest).
    form = PersonForm(request.POST or None, identity=identity, check_existing=True)

    def save():
        data = form.identity_fields()
        name = data.pop("full_name")
        return services.record_person(actor=request.user, name=name, identity=data, **form.person_fields())

    return submit_form(
        request, form, save=save,
        saved=lambda person: (_("Person %(name)s recorded.") % {"name": person.display_name}, _url(person, "person_detail")),
        page=_form_page(request, "person", record=None, form=form),
    )


def _person_edit_form(request, person, data=None):
    identity = rules.can(request.user, "person.identity")
    initial = {"protected": person.protected, "gender": person.gender, "description": person.description}
    # A protected identity is never filled into the form (rule 6: shown only when revealed, with a reason).
    if identity and not person.protected:
        record = PersonIdentity.objects.filter(person=person).first()
        if record is not None:
            initial |= {"name": record.full_name} | {k: getattr(record, k) for k in PersonForm.IDENTITY}
    return PersonForm(data, initial=initial, identity=identity, editing=True, protected_locked=person.protected and not identity,
                      sealed=identity and person.protected)


@login_required
def person_edit(request, uuid):
    person = get_person_for_user(request.user, str(uuid))
    require(request.user, "person.edit")
    form = _person_edit_form(request, person, request.POST if request.method == "POST" else None)
    name_form = None if person.protected else NameVariantForm(prefix="variant")
    return submit_form(
        request, form,
        save=lambda: services.update_person(actor=request.user, person=person, fields=form.person_fields(), identity=form.identity_fields()),
        saved=lambda _person: (_("Person %(name)s saved.") % {"name": person.display_name}, _url(person, "person_detail")),
        page=_form_page(request, "person", record=person, form=form, name_form=name_form),
        field_map={"full_name": "name"},
    )


@login_required
@require_POST
def person_add_name(request, uuid):
    person = get_person_for_user(request.user, str(uuid))
    require(request.user, "person.edit")
    name_form = NameVariantForm(request.POST, prefix="variant")
    return submit_form(
        request, name_form,
        save=lambda: services.add_name_variant(actor=request.user, person=person, **name_form.variant()),
        saved=lambda _variant: (_("Name variant added."), _url(person, "person_edit")),
        page=lambda status: _form_page(request, "person", record=person, form=_person_edit_form(request, person), name_form=name_form)(status),
    )


# --- organizations: create and edit ------------------------------------------------------------------


@login_required
def organization_create(request):
    require(request.user, "organization.edit")
    form = OrganizationForm(request.POST or None)
    return submit_form(
        request, form,
        save=lambda: services.record_organization(actor=request.user, names=form.names(), **form.service_fields()),
        saved=lambda organization: (_("Organization %(name)s recorded.") % {"name": organization.name}, _url(organization, "organization_detail")),
        page=_form_page(request, "organization", record=None, form=form),
        field_map={"names": "other_names"},
    )


@login_required
def organization_edit(request, uuid):
    organization = get_organization_for_user(request.user, str(uuid))
    require(request.user, "organization.edit")
    if request.method != "POST":
        form = OrganizationForm(initial=OrganizationForm.initial_for(organization), organization=organization)
    else:
        form = OrganizationForm(request.POST, organization=organization)
    return submit_form(
        request, form,
        save=lambda: services.update_organization(actor=request.user, organization=organization, fields=form.service_fields()),
        saved=lambda _organization: (_("Organization %(name)s saved.") % {"name": form.cleaned_data["name"]},
                                     _url(organization, "organization_detail")),
        page=_form_page(request, "organization", record=organization, form=form, name_form=NameVariantForm(prefix="variant")),
    )


@login_required
@require_POST
def organization_add_name(request, uuid):
    organization = get_organization_for_user(request.user, str(uuid))
    require(request.user, "organization.edit")
    name_form = NameVariantForm(request.POST, prefix="variant")

    def page(status):
        form = OrganizationForm(initial=OrganizationForm.initial_for(organization), organization=organization)
        return _form_page(request, "organization", record=organization, form=form, name_form=name_form)(status)

    return submit_form(
        request, name_form,
        save=lambda: services.add_name_variant(actor=request.user, organization=organization, **name_form.variant()),
        saved=lambda _variant: (_("Name variant added."), _url(organization, "organization_edit")),
        page=page,
    )


# --- likely existing persons under a name field (htmx) ------------------------------------------------

_PREFIX = re.compile(r"^(?:[a-z]+-\d+)?$")


@login_required
@require_POST
def person_suggest(request):
    """The candidates box under a name field, as the user types. A POST: the name stays out of URLs."""
    require(request.user, "person.view")
    require(request.user, "person.match")
    prefix = request.POST.get("prefix", "")
    if not _PREFIX.match(prefix):
        return HttpResponseBadRequest("prefix")
    key = (lambda name: f"{prefix}-{name}") if prefix else (lambda name: name)
    box = suggest.Box(id=f"id_{key('name')}_suggestions", prefix=prefix, pick_url=_pick_url(request.POST.get("pick")))
    box.checked_name = " ".join((request.POST.get(key("name")) or "").split())
    if request.POST.get(key("party_kind"), "person") == "person":
        box.candidates = suggest.candidates(box.checked_name)
        box.list_entries = suggest.list_entries(box.checked_name)  # persons on reference lists, if an app knows any
    return render(request, "people/_suggestions.html", {"box": box})


def _pick_url(value: str | None) -> str:
    """The address of "use this person" sent by the form the box is in: a path of this site only."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return ""
    try:
        resolve(value)
    except Resolver404:
        return ""
    return value


@login_required
@require_POST
@limited("search")
def names_in_text(request):
    """The warning while typing (``freetext.checked`` fields): which words of ``text`` are protected
    persons' names, and the pseudonym readers without clearance see in their place.

    Whether a word is a protected name is itself worth knowing (decision 37 in docs/decisions.md):
    only the roles that write these texts may ask, as a POST (the text stays out of URLs and logs,
    and CSRF applies), counted against the search limit; nothing is audited per keystroke.
    """
    if not (rules.can(request.user, "incident.edit") or rules.can(request.user, "person.edit")):
        raise PermissionDenied
    text = request.POST.get("text", "")
    if len(text) > settings.SVIDOK_MAX_TEXT:
        return JsonResponse({"error": _("The text is too long to check.")}, status=400)
    names = freetext.names_in(text)
    warnings = sorted({_("Readers without clearance will see “%(pseudonym)s” here.") % {"pseudonym": n["pseudonym"]} for n in names})
    return JsonResponse({"names": names, "warnings": warnings})
