"""Incident pages: list, detail, create/edit, workflow, review queue; sources, places, elections.

Thin: parse with a form, authorise with ``svidok.accounts.rules``, call a service, render.
Invisible records are 404 (through ``queries``), visible but forbidden actions 403.
"""

import re
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.forms import BaseFormSet
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.audit.display import readable, texts_of
from svidok.audit.services import history
from svidok.common import extensions
from svidok.common.forms import error_items
from svidok.common.views import PAGE_SIZE, add_service_errors, paginate, render_htmx, submit_form
from svidok.incidents import bulk_views, services
from svidok.incidents.forms import (
    DuplicateForm,
    ElectionForm,
    FigureForm,
    IncidentFilterForm,
    IncidentForm,
    InterventionForm,
    InvolvementForm,
    InvolvementFormSet,
    RejectForm,
    ReopenForm,
    SourceFormSet,
    SourceRecordForm,
    VerifyForm,
    filter_with_place_names,
)
from svidok.incidents.models import (
    Election,
    ElectionFigure,
    Incident,
    IncidentSource,
    Intervention,
    Involvement,
    Place,
    Source,
)
from svidok.incidents.queries import (
    SORTS,
    draft_for,
    filter_incidents,
    get_incident_for_user,
    sort_incidents,
    visible_incidents,
)
from svidok.people import consent, freetext, suggest
from svidok.people.queries import get_person_for_user
from svidok.search.api import first_matching, kept_by, matching_ids

LIST_RELATED = ("type", "place", "election")


# A text search counts its matches up to this many ("more than 1,000 incidents: narrow the
# filters"): each match of a common name is one look-up of its incident for the filters and
# visibility, and past a thousand the figure no longer helps anyone choose (docs/search.md).
TEXT_COUNT_CAP = 1_000


def incident_rows(queryset):
    """What the incident tables show, fetched in one query per page."""
    return queryset.select_related(*LIST_RELATED)


def incident_page(request, queryset, count_cap: int | None = None):
    """One page of the incident table for ``queryset`` (filtered and sorted): its ids first, then
    their rows (``common.views.paginate``); at a million incidents the database otherwise joined
    type, place and election for every match before it sorted out the 50 shown."""
    return paginate(request, queryset, rows=lambda ids: incident_rows(Incident.objects.filter(pk__in=ids)), count_cap=count_cap)


def list_page(request, queryset, q: str, sort: str | None):
    """The page of the incident list for ``queryset`` (filtered, but not by the text ``q``).

    With a text in the list's own order (newest first), the matches come newest first from the
    search index (``search.api.first_matching``) and only as many are looked up as the count (up
    to ``TEXT_COUNT_CAP``) and the page need; in another order every match is sorted by the
    database, as without a text.
    """
    if not q:
        return incident_page(request, sort_incidents(queryset, sort))
    if SORTS.get(sort or "-date") != SORTS["-date"]:
        return incident_page(request, sort_incidents(queryset.filter(pk__in=matching_ids("incident", q)), sort),
                             count_cap=TEXT_COUNT_CAP)
    last_page = TEXT_COUNT_CAP // PAGE_SIZE + 1
    try:
        number = min(max(int(request.GET.get("page") or 1), 1), last_page)
    except ValueError:
        number = 1
    ids = first_matching("incident", q, kept_by(queryset), max(TEXT_COUNT_CAP + 1, number * PAGE_SIZE))
    return paginate(request, ids, PAGE_SIZE, rows=lambda page_ids: incident_rows(Incident.objects.filter(pk__in=page_ids)),
                    count_cap=TEXT_COUNT_CAP)


# --- list ---------------------------------------------------------------------------------------


@login_required
def incident_list(request):
    # Deny by default: an account whose role may read no incident gets no page (whose filters
    # name the registry's elections and vocabularies), not an empty one.
    require(request.user, "incident.view")
    queryset = visible_incidents(request.user)
    # A counsel account reads no election of its own (rule 13): the filter offers the elections
    # of the incidents it sees, not the registry's.
    elections = None if rules.can(request.user, "election.view") else Election.objects.filter(incidents__in=queryset).distinct()
    form = IncidentFilterForm(request.GET or None, elections=elections)
    params = request.GET.copy()
    status = 200
    page = None
    try:
        queryset, cleaned = filter_with_place_names(queryset, params, match_text=False)
        page = list_page(request, queryset, cleaned.get("q", ""), params.get("sort"))
        expect_incidents(request, page)
    except ValidationError as exc:
        form.is_valid()
        add_service_errors(form, exc)
        status = 400
    context = {"form": form, "page": page, "can_create": rules.can(request.user, "incident.create"),
               **bulk_views.list_context(request, page)}
    # Apps above add sections (work: saved searches) through common.extensions.
    context = extensions.extend_page("incidents.list", request, None, context)
    return render_htmx(request, "incidents/incident_list.html", "incidents/_incident_results.html", context, status=status)


def expect_incidents(request, incidents) -> None:
    """Announce the free texts an incident table shows (people.freetext.Reader): one lookup per page."""
    freetext.reader_for(request).expect(t for i in incidents for t in (i.title, i.place_text))


# --- detail ---------------------------------------------------------------------------------------


def _incident_for_page(user, reference: str) -> Incident:
    incident = get_incident_for_user(user, reference)
    return (
        Incident.objects.select_related("type", "place__parent", "place__raion", "place__region", "election", "duplicate_of", "created_by")
        .prefetch_related(
            Prefetch("involvements", queryset=Involvement.objects.select_related(
                "person__identity", "organization", "role", "perpetrator_type")),
            # What each protected person agreed to, shown beside them (people.consent; no notes loaded).
            consent.consents_prefetch("involvements__person__consents"),
            "involvements__organization__names",  # their names in the reader's language
            Prefetch("source_links", queryset=IncidentSource.objects.select_related("source__kind").order_by("id")),
            Prefetch("interventions", queryset=Intervention.objects.select_related("kind", "by_organization", "by_person")),
            "interventions__by_organization__names",
            "legal_tags",
            "tags",
        )
        .get(pk=incident.pk)
    )


def _page_texts(incident, entries) -> list[str]:
    duplicate = incident.duplicate_of
    return [
        incident.title, incident.narrative, incident.place_text, incident.status_reason, duplicate.title if duplicate else "",
        *(inv.details for inv in incident.involvements.all()),
        *(t for link in incident.source_links.all() for t in (link.source.title, link.note)),
        *(t for i in incident.interventions.all() for t in (i.title, i.description)),
        *texts_of(entries),
    ]


@login_required
def incident_detail(request, reference):
    incident = _incident_for_page(request.user, reference)
    duplicates = visible_incidents(request.user).filter(duplicate_of=incident).only("reference", "title")
    entries = list(history(incident)) if rules.can(request.user, "incident.history") else None
    # Protected persons' names typed into free text (the narrative, the title, notes, their history)
    # read as their pseudonym for readers without clearance (people.freetext): every text of the
    # page is announced here, so that the blind index is read once for the whole page.
    reader = freetext.reader_for(request).expect(_page_texts(incident, entries))
    context = {
        "incident": incident,
        "involvements": [
            # A protected person's identity is never shown on a page load: it is revealed on the
            # person's page, with a reason (docs/permissions.md, rule 6).
            {"involvement": inv,
             "consents": consent.in_force_labels(inv.person) if inv.person_id and inv.person.protected else ()}
            for inv in incident.involvements.all()
        ],
        "duplicates": list(duplicates),
        "narrative": reader(incident.narrative),
        "history": readable(entries, text_filter=None if reader.cleared else reader) if entries is not None else None,
        "can_edit": rules.can_edit_incident(request.user, incident),
        "can_submit": rules.can_submit_incident(request.user, incident),
        "can_review": rules.can_review_incident(request.user, incident),
        "can_reopen": _can_reopen(request.user, incident),
        "can_intervene": rules.can(request.user, "intervention.edit"),
    }
    if context["can_reopen"]:
        context["reopen_form"] = ReopenForm()
    if context["can_review"]:
        context.update(_review_forms(incident), verify_refusal=services.verification_refusal(request.user, incident))
    # Apps above add sections (evidence: web captures) through common.extensions.
    return render(request, "incidents/incident_detail.html", extensions.extend_page("incidents.incident", request, incident, context))


def _detail_url(incident) -> str:
    return reverse("incidents:detail", args=[incident.reference])


# --- create and edit ------------------------------------------------------------------------------


# The protection choice of a new person's row; ``None`` leaves it to the service (victims and
# witnesses are protected).
_PROTECTION = {"auto": None, "yes": True, "no": False}
# The buttons of the form that are no fields: "add another" (without JavaScript) and "use this person".
_ADD_BUTTONS = {"add_involvement": "involvement", "add_source": "source"}


def _involvement_row(row) -> dict:
    """A filled involvement row of the formset as the services take it."""
    data = row.cleaned_data
    party = data.get("party")
    if party is not None:
        named = {party._meta.model_name: party}  # "person" or "organization"
    elif data["party_kind"] == "organization":
        named = {"new_organization": {"name": data["name"]}}  # its kind: the row's perpetrator type
    else:
        named = {"new_person": {"name": data["name"], "protected": _PROTECTION.get(data.get("protected"))}}
    return named | {"role": data["role"], "perpetrator_type": data.get("perpetrator_type"), "details": data.get("details", "")}


def _source_row(row) -> dict:
    """A filled source row of the formset as the services take it."""
    source = row.cleaned_data.get("source")
    named = {"source": source} if source is not None else {"new_source": row.service_fields()}
    return named | {"note": row.cleaned_data.get("note", "")}


def _existing_rows(incident) -> tuple[list, list]:
    """The incident's involvements and source links, in the order the form lists them."""
    if incident is None:
        return [], []
    involvements = list(incident.involvements.select_related("person", "organization", "role", "perpetrator_type").order_by("id"))
    links = list(incident.source_links.select_related("source").order_by("id"))
    return involvements, links


def _involvement_initial(involvement) -> dict:
    # The party by the name pages show (a protected person's pseudonym), its id hidden: the row
    # keeps naming that party while the name is left as it is (docs/wording.md).
    party = involvement.party
    return {"row": str(involvement.uuid), "existing": party.display_name, "picked": party.public_id,
            "party_kind": party._meta.model_name, "role": involvement.role.code,
            "perpetrator_type": involvement.perpetrator_type.code if involvement.perpetrator_type_id else None,
            "details": involvement.details}


def _row_forms(data, incident):
    """The form and its two lists of rows, bound to ``data`` (None: as the incident is)."""
    involvements, links = _existing_rows(incident)
    form = IncidentForm(data) if data is not None else IncidentForm(initial=IncidentForm.initial_for(incident) if incident else None)
    involvement_rows = InvolvementFormSet(data, prefix="inv", initial=[_involvement_initial(i) for i in involvements])
    source_rows = SourceFormSet(data, prefix="src", initial=[{"row": str(link.pk), "note": link.note} for link in links])
    by_pk = {str(link.pk): link for link in links}
    for row in source_rows:
        # An existing link's row shows its source's title (read as the page reads it) and edits its note.
        row.link = by_pk.get((row["row"].value() or "").strip()) if row.is_existing else None
    return form, involvement_rows, source_rows


def _quiet(*forms_and_sets) -> None:
    """Show bound forms as typed without checking them: a restored draft, or a row just added."""
    for item in forms_and_sets:
        if isinstance(item, BaseFormSet):
            item._errors, item._non_form_errors = [], item.error_class()
            for row in item.forms:
                row._errors = ErrorDict()
        else:
            item._errors = ErrorDict()


def _error_summary(form, *row_sets) -> list[dict]:
    """Every error of the page, in the page's order, each naming its field by its label (after its
    row's legend) and linking to it."""
    items = error_items(form)
    for row_set, legend in row_sets:
        items.extend({"where": "", "message": message, "anchor": f"{row_set.prefix}-rows"} for message in row_set.non_form_errors())
        for row in row_set.forms:
            if not row._delete_ticked() or row.is_existing:
                items.extend(error_items(row, legend % {"number": row.number}))
    return items


def _form_page(request, *, incident, form, involvement_rows, source_rows, status=200, draft_saved_at=None):
    summary = _error_summary(form, (involvement_rows, _("Involvement %(number)s")), (source_rows, _("Source %(number)s")))
    context = {
        "incident": incident, "form": form, "involvement_rows": involvement_rows, "source_rows": source_rows,
        "error_summary": summary, "draft_saved_at": draft_saved_at, "freetext_reader": freetext.reader_for(request),
        # The page's own token: a draft saved from it after the form was saved is dropped (services.save_draft).
        "draft_token": secrets.token_urlsafe(16),
        "draft_url": reverse("incidents:draft", args=[incident.reference]) if incident else reverse("incidents:draft_new"),
        "draft_discard_url": (reverse("incidents:draft_discard", args=[incident.reference]) if incident
                              else reverse("incidents:draft_discard_new")),
    }
    return render(request, "incidents/incident_form.html", context, status=status)


def _show_form(request, incident):
    """The form of a GET: the author's draft when there is one, else the incident as it is (or a blank one)."""
    draft = draft_for(request.user, incident)
    if draft is None:
        form, involvement_rows, source_rows = _row_forms(None, incident)
        return _form_page(request, incident=incident, form=form, involvement_rows=involvement_rows, source_rows=source_rows)
    values, saved_at = draft
    data = QueryDict(mutable=True)
    for key, items in values.items():
        data.setlist(key, items)
    form, involvement_rows, source_rows = _row_forms(data, incident)
    _quiet(form, involvement_rows, source_rows)
    return _form_page(request, incident=incident, form=form, involvement_rows=involvement_rows, source_rows=source_rows,
                      draft_saved_at=saved_at)


# A service's name for a row field -> the row form's field, per argument of the use case (a field
# the row does not show becomes an error of the row as a whole).
_ROW_FIELDS = {"involvements": {"party": "existing"}, "add_involvements": {"party": "existing"},
               "change_involvements": {"party": "existing"}, "sources": {"source": "existing"},
               "add_sources": {"source": "existing"}}


def _new_rows(involvement_rows, source_rows) -> dict:
    """The rows of a new incident: ``{argument of record_incident: [(row form, value)]}``."""
    return {
        "involvements": [(row, _involvement_row(row)) for row in involvement_rows.filled()],
        "sources": [(row, _source_row(row)) for row in source_rows.filled()],
    }


def _edit_rows(incident, involvement_rows, source_rows) -> dict:
    """The rows of an edit: ``{argument of edit_incident: [(row form, value)]}``. A row naming a
    record that is no longer part of the incident (removed by someone else meanwhile, or a draft
    older than that) is an error on the row: what it says is not silently dropped."""
    involvements = {str(i.uuid): i for i in incident.involvements.select_related("person", "organization", "role", "perpetrator_type")}
    links = {str(link.pk): link for link in incident.source_links.select_related("source")}

    def existing(row, records):
        return records.get((row.cleaned_data.get("row") or "").strip())

    for row_set, records in ((involvement_rows, involvements), (source_rows, links)):
        for row in row_set.forms:
            if row.is_existing and existing(row, records) is None and not row_set._should_delete_form(row):
                row.add_error(None, _("This row is no longer part of the incident (changed by someone else meanwhile): "
                                      "tick “Remove this row”, or add it again as a new row."))

    filled_inv, filled_src = involvement_rows.filled(), source_rows.filled()
    return {
        "add_involvements": [(row, _involvement_row(row)) for row in filled_inv if not row.is_existing],
        "change_involvements": [(row, (existing(row, involvements), _involvement_row(row)))
                                for row in filled_inv if row.is_existing and existing(row, involvements)],
        "remove_involvements": [(row, existing(row, involvements)) for row in involvement_rows.removed() if existing(row, involvements)],
        "add_sources": [(row, _source_row(row)) for row in filled_src if not row.is_existing],
        "change_sources": [(row, (existing(row, links), row.cleaned_data.get("note") or ""))
                           for row in filled_src if row.is_existing and existing(row, links)],
        "remove_sources": [(row, existing(row, links)) for row in source_rows.removed() if existing(row, links)],
    }


def _save_incident(request, *, incident, save, done):
    """The POST of the incident form: parse the form and its rows, call ``save`` (one use case), render.

    "Add another person/source" (a submit button without JavaScript) shows the form again with one
    more row and everything typed kept, unchecked. Otherwise every part is checked at once (the
    incident's fields, each row, the rules across fields) and ``save(form, rows)`` gets the rows
    in the use case's arguments. The use case writes everything or nothing; its
    :class:`~svidok.incidents.services.RowErrors` are put on the form and on the rows they name,
    and the page comes back (400) with every error listed at its top.
    """
    form, involvement_rows, source_rows = _row_forms(request.POST, incident)
    for button, kind in _ADD_BUTTONS.items():
        if button in request.POST:
            rows = involvement_rows if kind == "involvement" else source_rows
            form, involvement_rows, source_rows = _row_forms(rows.with_row_added(request.POST), incident)
            _quiet(form, involvement_rows, source_rows)
            return _form_page(request, incident=incident, form=form, involvement_rows=involvement_rows, source_rows=source_rows)
    valid = form.is_valid() & involvement_rows.is_valid() & source_rows.is_valid()
    if valid:
        rows = _new_rows(involvement_rows, source_rows) if incident is None else _edit_rows(incident, involvement_rows, source_rows)
        valid = involvement_rows.is_valid() and source_rows.is_valid()  # _edit_rows may have found stale rows
    if valid:
        try:
            saved = save(form, {argument: [value for _row, value in pairs] for argument, pairs in rows.items()})
        except services.RowErrors as exc:
            if exc.incident_error is not None:
                add_service_errors(form, exc.incident_error)
            for (argument, index), error in exc.rows.items():
                pairs = rows.get(argument)
                if pairs is None or index >= len(pairs):
                    add_service_errors(form, error)
                else:
                    add_service_errors(pairs[index][0], error, _ROW_FIELDS.get(argument, {}))
        else:
            services.discard_draft(actor=request.user, incident=incident, form_token=_draft_token(request))
            messages.success(request, done % {"ref": saved.reference})
            # The warning while typing, for a page sent without JavaScript: said once saved.
            freetext.notice(request, *(form.cleaned_data.get(k) for k in ("title", "place_text", "narrative")),
                            *(row.cleaned_data.get(k) for row_set in (involvement_rows, source_rows) for row in row_set.filled()
                              for k in ("details", "title", "excerpt", "note")))
            return redirect("incidents:detail", reference=saved.reference)
    return _form_page(request, incident=incident, form=form, involvement_rows=involvement_rows, source_rows=source_rows, status=400)


@login_required
def incident_create(request):
    require(request.user, "incident.create")
    if request.method != "POST":
        return _show_form(request, None)

    def save(form, rows):
        return services.record_incident(actor=request.user, fields=form.service_fields(), legal_tags=form.cleaned_data["legal_tags"],
                                        tags=form.cleaned_data["tags"], **rows)

    return _save_incident(request, incident=None, save=save, done=_("Incident %(ref)s recorded as a draft."))


@login_required
def incident_edit(request, reference):
    incident = get_incident_for_user(request.user, reference)
    require(request.user, "incident.edit", incident)
    if request.method != "POST":
        return _show_form(request, incident)

    def save(form, rows):
        return services.edit_incident(
            actor=request.user, incident=incident, fields=form.service_fields(), legal_tags=form.cleaned_data["legal_tags"],
            tags=form.cleaned_data["tags"], **rows,
        )

    return _save_incident(request, incident=incident, save=save, done=_("Incident %(ref)s saved."))


@login_required
def incident_form_row(request, kind):
    """One blank row of the incident form, for "add another" (htmx): appended to its list, with
    the list's count of rows raised out of band. Nothing is saved."""
    require(request.user, "incident.create")
    if kind not in ("involvement", "source"):
        raise Http404
    formset_class, prefix = {"involvement": (InvolvementFormSet, "inv"), "source": (SourceFormSet, "src")}[kind]
    count = request.GET.get(f"{prefix}-TOTAL_FORMS", "")
    if not count.isdigit():
        return HttpResponseBadRequest("count")
    rows = formset_class(prefix=prefix)
    index = int(count)
    if index >= rows.max_num:
        return HttpResponse(status=204)  # the list is full: the form says so when saved
    row = rows.form(prefix=rows.add_prefix(index), auto_id=rows.auto_id, empty_permitted=True, use_required_attribute=False)
    rows.add_fields(row, index)
    row.link = None
    template = "incidents/_involvement_row.html" if kind == "involvement" else "incidents/_source_row.html"
    return render(request, "incidents/_new_row.html", {"row": row, "row_template": template, "prefix": prefix, "count": index + 1})


def _draft_incident(request, reference):
    if reference is None:
        return None
    incident = get_incident_for_user(request.user, reference)
    require(request.user, "incident.edit", incident)
    return incident


# Fields of the form that are no content: not kept in a draft.
_NOT_KEPT = {"csrfmiddlewaretoken", "draft_token", *_ADD_BUTTONS}


def _draft_token(request) -> str:
    return (request.POST.get("draft_token") or "")[:40]


@login_required
@require_POST
def incident_draft(request, reference=None):
    """Keep the form as typed (htmx, a few seconds after the last change): the author's draft."""
    incident = _draft_incident(request, reference)
    data = {key: values for key, values in request.POST.lists() if key not in _NOT_KEPT and not key.endswith(f"-{suggest.USE}")}
    try:
        draft = services.save_draft(actor=request.user, incident=incident, data=data, form_token=_draft_token(request))
    except ValidationError as exc:
        return render(request, "incidents/_draft_status.html", {"draft_error": exc.messages[0]})
    if draft is None:
        return HttpResponse(status=204)  # the page's form was saved meanwhile: nothing to keep
    return render(request, "incidents/_draft_status.html", {"draft_saved_at": draft.saved_at})


@login_required
@require_POST
def incident_draft_discard(request, reference=None):
    """Forget the author's draft and show the form as the incident is (or blank)."""
    incident = _draft_incident(request, reference)
    if services.discard_draft(actor=request.user, incident=incident, form_token=_draft_token(request)):
        messages.success(request, _("The draft was discarded."))
    return redirect(reverse("incidents:edit", args=[incident.reference]) if incident else reverse("incidents:create"))


# --- workflow ---------------------------------------------------------------------------------------


@login_required
@require_POST
def incident_submit(request, reference):
    incident = get_incident_for_user(request.user, reference)
    require(request.user, "incident.edit", incident)
    try:
        services.submit_incident(actor=request.user, incident=incident)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Incident %(ref)s submitted for review.") % {"ref": incident.reference})
    return redirect("incidents:detail", reference=incident.reference)


def _review_forms(incident, bound=None, data=None) -> dict:
    prefix = incident.reference
    forms = {
        "verify_form": VerifyForm(prefix=f"verify-{prefix}"),
        "reject_form": RejectForm(prefix=f"reject-{prefix}"),
        "duplicate_form": DuplicateForm(prefix=f"duplicate-{prefix}"),
    }
    if bound:
        forms[f"{bound}_form"] = {"verify": VerifyForm, "reject": RejectForm, "duplicate": DuplicateForm}[bound](data, prefix=f"{bound}-{prefix}")
    return forms


@login_required
def review_queue(request):
    """The submitted incidents, oldest first. No decision is taken here: each opens on its own page,
    where the reviewer reads it whole before verifying (four eyes, docs/permissions.md)."""
    require(request.user, "incident.review")
    queryset = incident_rows(visible_incidents(request.user).filter(status=Incident.Status.SUBMITTED)).order_by("updated_at", "id")
    page = paginate(request, queryset.annotate(involvement_count=Count("involvements", distinct=True),
                                               source_count=Count("source_links", distinct=True)))
    expect_incidents(request, page)
    items = [{"incident": incident, "own": bool(services.verification_refusal(request.user, incident))} for incident in page]
    return render(request, "incidents/review_queue.html", {"page": page, "items": items})


def _review_page(request, incident, forms: dict, status: int = 200, error: str = ""):
    """The review forms again, with the errors of a refused decision (a decision is taken on the incident's page)."""
    return render(request, "incidents/review.html", {"incident": incident, **forms, "error": error,
                                                     "verify_refusal": services.verification_refusal(request.user, incident)},
                  status=status)


@login_required
def incident_review(request, reference):
    """One submitted incident's review: verify, reject (with a reason) or mark as a duplicate."""
    incident = get_incident_for_user(request.user, reference)
    require(request.user, "incident.review")
    if request.method != "POST":
        # Decisions are taken on the incident's page, with the whole record in view.
        return redirect(_detail_url(incident) + "#review")
    action = request.POST.get("action")
    if action not in {"verify", "reject", "duplicate"}:
        return _review_page(request, incident, _review_forms(incident), 400, _("Choose verify, reject or mark as duplicate."))
    forms = _review_forms(incident, action, request.POST)
    form = forms[f"{action}_form"]

    def save():
        """The decision; returns its success message."""
        if action == "verify":
            services.verify_incident(actor=request.user, incident=incident, reason=form.cleaned_data["reason"])
            return _("Incident %(ref)s verified.")
        if action == "reject":
            services.reject_incident(actor=request.user, incident=incident, reason=form.cleaned_data["reason"])
            return _("Incident %(ref)s rejected.")
        original = visible_incidents(request.user).filter(reference=form.cleaned_data["original"]).first()
        if original is None:
            raise ValidationError({"original": _("No incident has this reference.")})
        services.mark_duplicate(actor=request.user, incident=incident, original=original, reason=form.cleaned_data["reason"])
        return _("Incident %(ref)s marked as a duplicate.")

    after = _detail_url(incident)
    return submit_form(
        request, form, save=save, saved=lambda done: (done % {"ref": incident.reference}, after),
        page=lambda status: _review_page(request, incident, forms, status),
        field_map={"duplicate_of": "original", "status": "__all__"},
    )


REOPENABLE = {Incident.Status.VERIFIED, Incident.Status.REJECTED, Incident.Status.DUPLICATE}


def _can_reopen(user, incident) -> bool:
    return rules.can(user, "incident.review") and incident.status in REOPENABLE


@login_required
@require_POST
def incident_reopen(request, reference):
    """Send a verified, rejected or duplicate incident back to the review queue, with a reason."""
    incident = get_incident_for_user(request.user, reference)
    require(request.user, "incident.review")
    form = ReopenForm(request.POST)
    return submit_form(
        request, form,
        save=lambda: services.reopen_incident(actor=request.user, incident=incident, reason=form.cleaned_data["reason"]),
        saved=lambda _incident: (_("Incident %(ref)s reopened: it is back in the review queue.") % {"ref": incident.reference},
                                 _detail_url(incident)),
        page=lambda status: render(request, "incidents/reopen.html", {"incident": incident, "form": form}, status=status),
        field_map={"status": "__all__"},
    )


# --- sources ---------------------------------------------------------------------------------------


def _record_form_page(request, *, title, form, cancel_url, back=None):
    """A ``page`` for ``submit_form``: the one-form page of a source, intervention, election or figure."""
    context = {"title": title, "form": form, "cancel_url": cancel_url, "back": back}
    return lambda status: render(request, "record_form.html", context, status=status)


def _source_url(source) -> str:
    return reverse("incidents:source_detail", args=[source.uuid])


def _noticed(request, form, outcome):
    """``outcome`` of a saved form, having said if its free texts name a protected person."""
    freetext.notice(request, *(v for name, v in form.cleaned_data.items()
                               if isinstance(v, str) and form.fields[name].widget.attrs.get("data-names-check")))
    return outcome


@login_required
def source_create(request):
    require(request.user, "source.edit")
    form = SourceRecordForm(request.POST or None)
    return submit_form(
        request, form,
        save=lambda: services.record_source(actor=request.user, fields=form.service_fields()),
        saved=lambda source: _noticed(request, form, (_("Source recorded."), _source_url(source))),
        page=_record_form_page(request, title=_("New source"), form=form, cancel_url=reverse("incidents:source_list")),
    )


@login_required
def source_edit(request, uuid):
    require(request.user, "source.view")
    source = get_object_or_404(Source.objects.select_related("kind"), uuid=uuid)
    require(request.user, "source.edit")
    if request.method != "POST":
        form = SourceRecordForm(initial=SourceRecordForm.initial_for(source))
    else:
        form = SourceRecordForm(request.POST)
    back = (_source_url(source), freetext.reader_for(request)(source.title))
    return submit_form(
        request, form,
        save=lambda: services.update_source(actor=request.user, source=source, fields=form.service_fields()),
        saved=lambda _source: _noticed(request, form, (_("Source saved."), _source_url(source))),
        page=_record_form_page(request, title=_("Edit source"), form=form, back=back, cancel_url=back[0]),
    )


@login_required
def source_list(request):
    require(request.user, "source.view")
    q = (request.GET.get("q") or "").strip()
    queryset = Source.objects.select_related("kind").order_by("-published_on", "title")
    reader = freetext.reader_for(request)
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(publisher__icontains=q) | Q(author__icontains=q))
        if not reader.cleared:
            # A reader without clearance sees titles pseudonymized: a title found by a protected
            # person's name (and by nothing else) would tell that the name is in it.
            found = list(queryset.values_list("pk", "title", "publisher", "author"))
            reader.expect(title for _pk, title, _publisher, _author in found)
            folded = q.casefold()
            queryset = queryset.filter(pk__in=[pk for pk, title, publisher, author in found
                                               if any(folded in t.casefold() for t in (reader(title), publisher, author))])
    page = paginate(request, queryset)
    reader.expect(source.title for source in page)
    return render(request, "incidents/source_list.html", {"page": page, "q": q})


@login_required
def source_detail(request, uuid):
    require(request.user, "source.view")
    source = get_object_or_404(Source.objects.select_related("kind", "created_by"), uuid=uuid)
    links = list(IncidentSource.objects.filter(source=source, incident__in=visible_incidents(request.user))
                 .select_related("incident__type").order_by("-incident__date_start"))
    entries = list(history(source)) if rules.can(request.user, "incident.history") else None
    # The title, excerpt and notes may name a protected person: read as the reader sees them.
    reader = freetext.reader_for(request).expect([
        source.title, source.excerpt, source.notes, *(t for link in links for t in (link.incident.title, link.note)),
        *texts_of(entries)])
    return render(request, "incidents/source_detail.html", {
        "source": source, "links": links, "can_edit": rules.can(request.user, "source.edit"),
        "history": readable(entries, text_filter=None if reader.cleared else reader) if entries is not None else None,
    })


# --- interventions ---------------------------------------------------------------------------------


@login_required
def intervention_list(request):
    require(request.user, "intervention.view")
    queryset = Intervention.objects.select_related("kind", "by_organization", "by_person", "election").prefetch_related(
        # Only the incidents this user may see are named on the list.
        Prefetch("incidents", queryset=visible_incidents(request.user).only("reference", "title").order_by("reference"))
    ).order_by("-date", "title")
    page = paginate(request, queryset)
    freetext.reader_for(request).expect(t for i in page for t in (i.title, i.description))
    return render(request, "incidents/intervention_list.html",
                  {"page": page, "can_create": rules.can(request.user, "intervention.edit")})


@login_required
def intervention_create(request):
    require(request.user, "intervention.edit")
    visible = visible_incidents(request.user)
    origin = visible.filter(reference=(request.GET.get("incident") or "").upper()).first()
    initial = {"incidents": origin.reference} if origin else {}
    form = InterventionForm(request.POST or None, initial=initial, visible_incidents=visible)
    # Recorded from an incident's page, it goes back there; otherwise to the list.
    cancel = _detail_url(origin) if origin else reverse("incidents:intervention_list")
    back = (cancel, origin.reference) if origin else None
    return submit_form(
        request, form,
        save=lambda: services.record_intervention(actor=request.user, fields=form.service_fields(), incidents=form.cleaned_data["incidents"]),
        saved=lambda _intervention: _noticed(request, form, (_("Intervention recorded."), cancel)),
        page=_record_form_page(request, title=_("Record an intervention"), form=form, cancel_url=cancel, back=back),
    )


# --- places ---------------------------------------------------------------------------------------


@login_required
def place_list(request):
    require(request.user, "place.view")
    q = (request.GET.get("q") or "").strip()
    if q:
        queryset = Place.objects.filter(pk__in=matching_ids("place", q))
    else:
        # Without a query: the regions and raions, the levels people browse by.
        queryset = Place.objects.filter(category__in=[Place.Category.REGION, Place.Category.SPECIAL_CITY, Place.Category.RAION])
    queryset = queryset.select_related("raion", "region").order_by("region__name_uk", "name_uk")
    return render(request, "incidents/place_list.html", {"page": paginate(request, queryset), "q": q})


@login_required
def place_detail(request, code):
    require(request.user, "place.view")
    place = get_object_or_404(Place, code=code)
    chain = []
    parent = place.parent
    while parent is not None and len(chain) < 6:
        chain.insert(0, parent)
        parent = parent.parent
    incidents, _cleaned = filter_incidents(visible_incidents(request.user), {"place": place.code})
    page = incident_page(request, sort_incidents(incidents, "-date"))
    expect_incidents(request, page)
    children = place.children.order_by("name_uk")[:200]
    # Apps above add sections (reports: the map) through common.extensions.
    context = {"place": place, "chain": chain, "page": page, "children": children}
    return render(request, "incidents/place_detail.html", extensions.extend_page("incidents.place", request, place, context))


# --- elections ---------------------------------------------------------------------------------------


@login_required
def election_list(request):
    require(request.user, "election.view")
    elections = Election.objects.select_related("territory").annotate(
        incident_count=Count("incidents", filter=Q(incidents__in=visible_incidents(request.user)))
    )
    return render(request, "incidents/election_list.html", {"elections": elections})


@login_required
def election_detail(request, uuid):
    require(request.user, "election.view")
    try:
        election = Election.objects.select_related("territory").get(uuid=uuid)
    except (Election.DoesNotExist, ValidationError):
        raise Http404("No such election") from None
    figures = list(election.figures.select_related("territory", "source"))
    incidents = incident_rows(sort_incidents(visible_incidents(request.user).filter(election=election), "-date"))
    interventions = election.interventions.select_related("kind", "by_organization", "by_person")
    page = paginate(request, incidents)
    expect_incidents(request, page)
    # Precinct results and "test against the protocols" links come from the forensics app above.
    return render(request, "incidents/election_detail.html", extensions.extend_page("incidents.election", request, election, {
        "election": election,
        "figures": figures,
        "official": [f for f in figures if f.official],
        "estimates": [f for f in figures if not f.official],
        "page": page,
        "interventions": interventions,
        "metrics": ElectionFigure.Metric,
        "can_edit": rules.can(request.user, "election.edit"),
        "history": (readable(history(election), text_filter=None if freetext.reader_for(request).cleared else freetext.reader_for(request))
                    if rules.can(request.user, "incident.history") else None),
    }))


@login_required
def election_create(request):
    require(request.user, "election.edit")
    form = ElectionForm(request.POST or None)
    return submit_form(
        request, form,
        save=lambda: services.record_election(actor=request.user, fields=form.service_fields()),
        saved=lambda election: (_("Election recorded."), _election_url(election)),
        page=_record_form_page(request, title=_("New election"), form=form, cancel_url=reverse("incidents:election_list")),
    )


def _election_url(election) -> str:
    return reverse("incidents:election_detail", args=[election.uuid])


@login_required
def figure_create(request, uuid):
    require(request.user, "election.view")
    election = get_object_or_404(Election, uuid=uuid)
    require(request.user, "election.edit")
    form = FigureForm(request.POST or None)
    back = (_election_url(election), election.display_name)
    return submit_form(
        request, form,
        save=lambda: services.record_election_figure(actor=request.user, election=election, fields=form.service_fields()),
        saved=lambda _figure: (_("Figure added."), back[0]),
        page=_record_form_page(request, title=_("Add a figure"), form=form, cancel_url=back[0], back=back),
    )


_PREFIX = re.compile(r"^[a-z]+-\d+$")


@login_required
def person_pick(request):
    """The "use this person" button of an incident row: the row's existing-party field gets the
    person's name (its id goes to a hidden field) and its new-name field is emptied (both swapped in out of band); the box says who
    was picked. Nothing is saved: the incident form's Save does that."""
    require(request.user, "person.view")
    prefix = request.GET.get("prefix", "")
    if not _PREFIX.match(prefix):
        return HttpResponseBadRequest("prefix")
    person = get_person_for_user(request.user, (request.GET.get(f"{prefix}-{suggest.USE}") or "").strip())
    row = InvolvementForm(prefix=prefix, initial={"existing": person.display_name, "picked": person.public_id, "name": ""})
    oob = {"hx-swap-oob": "true"}
    return render(request, "people/_picked.html", {
        "person": person, "existing_input": row["existing"].as_widget(attrs=oob), "name_input": row["name"].as_widget(attrs=oob),
        "picked_input": row["picked"].as_widget(attrs={**oob, "id": row["picked"].auto_id}),
    })
