"""Evidence pages: the upload form, an item's page, the only ways out for its bytes (download,
thumbnail) and the court bundle of an incident. Thin like every view here: parse, authorise, call a
service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.audit.display import readable, texts_of
from svidok.audit.services import history
from svidok.common.ratelimits import limited
from svidok.evidence import services, serving
from svidok.evidence.bundle_download import bundle_response
from svidok.evidence.forms import UploadForm
from svidok.evidence.models import EvidenceItem
from svidok.evidence.queries import get_item_for_user
from svidok.evidence.words import type_in_words
from svidok.incidents.queries import visible_incidents
from svidok.people import freetext


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages in error.message_dict.values() for m in messages]
    return list(error.messages)


@login_required
def upload(request):
    """Several files at once, no JavaScript needed. Each file is its own item: one refused file
    does not undo the others, and the page says which were stored and which were not."""
    require(request.user, "evidence.add")
    initial = {"incident": request.GET.get("incident", "").strip()[:20]}
    form = UploadForm(request.POST or None, request.FILES or None, initial=initial)
    stored, failed, status = [], [], 200
    if request.method == "POST":
        status = 400
        refused = getattr(request, "too_large_uploads", [])
        for name in refused:
            failed.append((name, _("The file is larger than the limit of %(limit)s: nothing was stored.")
                           % {"limit": services.human_size(services.storage.max_bytes())}))
        if form.is_valid():
            incident = None
            reference = form.cleaned_data["incident"].strip()
            if reference:
                incident = visible_incidents(request.user).filter(reference=reference).first()
                if incident is None:
                    form.add_error("incident", _("No such incident."))
            if not form.cleaned_data["files"] and not refused:
                form.add_error("files", _("Choose at least one file."))
            if not form.errors:
                for upload_file in form.cleaned_data["files"]:
                    try:
                        item = services.add_item(
                            actor=request.user, file=upload_file, name=upload_file.name, incident=incident,
                            description=form.cleaned_data["description"], method=EvidenceItem.Method.UPLOAD,
                            collected_by=form.cleaned_data["collected_by"], origin=form.cleaned_data["origin"],
                            claimed_type=upload_file.content_type or "")
                    except ValidationError as error:
                        failed.append((services.safe_name(upload_file.name), " ".join(_messages(error))))
                    else:
                        stored.append(item)
                if stored:
                    freetext.notice(request, form.cleaned_data["description"])
                    status = 201 if not failed else 200
                    form = UploadForm(initial={"incident": reference})
    if request.method == "POST" and _wants_json(request):
        return _upload_outcome(request, form, stored, failed)
    incident_reference = form["incident"].value() or ""
    back = visible_incidents(request.user).filter(reference=incident_reference.strip()).first() if incident_reference else None
    return render(request, "evidence/upload.html", {"form": form, "stored": stored, "failed": failed, "back": back,
                                                    "stored_rows": [(item, type_in_words(item.blob.media_type)) for item in stored],
                                                    "limit": services.human_size(services.storage.max_bytes())},
                  status=status)


def _wants_json(request) -> bool:
    """The upload page's script sends each file on its own and asks for the outcome as JSON."""
    return request.headers.get("Accept", "").startswith("application/json")


def _upload_outcome(request, form, stored, failed) -> JsonResponse:
    """Each file's outcome in words: stored (as a new original, or the same bytes already held and
    recorded again), or refused with the reason; form errors with their field's label."""
    rows = []
    for item in stored:
        link = next((link for link in item.links.all() if link.incident_id), None)
        again = item.blob.items.exclude(pk=item.pk).exists()
        rows.append({"name": item.original_name, "url": reverse("evidence:item", args=[item.uuid]),
                     "exhibit": link.exhibit if link else "", "already_held": again,
                     "type": type_in_words(item.blob.media_type), "size": filesizeformat(item.blob.size),
                     "sha256": item.blob.sha256})
    errors = [f"{form[name].label}: {' '.join(messages_)}" if name in form.fields else " ".join(messages_)
              for name, messages_ in form.errors.items()]
    # A refusal is an outcome the script shows, not a failed request (the browser would log a 4xx
    # as an error): 201 when the file was stored, 200 with the reasons otherwise.
    status = 201 if stored else 200
    return JsonResponse({"stored": rows, "failed": [{"name": name, "message": message} for name, message in failed],
                         "errors": errors}, status=status)


@login_required
@require_POST
@limited("export")
def bundle(request, reference):
    """The court bundle of one incident, as a ZIP to save; what went wrong is said on the incident page."""
    require(request.user, "evidence.bundle")
    incident = visible_incidents(request.user).filter(reference=reference).first()
    back = (reverse("incidents:detail", args=[incident.reference]) if incident else reverse("incidents:list")) + "#evidence"
    try:
        return bundle_response(actor=request.user, references=[reference],
                               purpose=request.POST.get("purpose") or "litigation", partner=request.POST.get("partner", ""))
    except ValidationError as error:
        messages.error(request, _("The court bundle was not made: %(reason)s") % {"reason": " ".join(_messages(error))})
    except OSError:
        messages.error(request, _("The court bundle could not be written on the server (disk full or not writable). "
                                  "Nothing was exported. Tell the administrator."))
    return redirect(back)


@login_required
def item_detail(request, uuid):
    item = get_item_for_user(request.user, uuid)
    services.record_view(actor=request.user, item=item)
    links = list(item.links.select_related("incident", "source"))
    entries = list(history(item))
    # Free texts (description, what each link shows, their history) read as the reader sees them.
    reader = freetext.reader_for(request).expect([
        item.description, item.status_reason, *(t for link in links for t in (link.description, link.source.title if link.source else "")),
        *texts_of(entries)])
    return render(request, "evidence/item_detail.html", {
        "item": item,
        "type_words": type_in_words(item.blob.media_type),
        "links": links,
        "near": services.near_duplicates(item, user=request.user),
        "may_download": rules.can(request.user, "evidence.download") and item.blob.purged_at is None,
        "history": readable(entries, text_filter=None if reader.cleared else reader),
    })


def _gone(request, item, message, status=410):
    return render(request, "evidence/gone.html", {"item": item, "message": message}, status=status)


@login_required
def download(request, uuid):
    """The original, always as a file to save (see ``serving``); each download is a custody event."""
    item = get_item_for_user(request.user, uuid)
    require(request.user, "evidence.download")
    if item.blob.purged_at is not None or item.status == EvidenceItem.Status.PURGED:
        return _gone(request, item, _("The original was erased (legal takedown): %(reason)s") % {"reason": freetext.reader_for(request)(item.status_reason)})
    try:
        response = serving.original_response(item)
    except FileNotFoundError:
        return _gone(request, item, _("The original is missing from the evidence storage. Tell the administrator."),
                     status=503)
    services.record_download(actor=request.user, item=item)
    return response


@login_required
def thumbnail(request, uuid):
    item = get_item_for_user(request.user, uuid)
    if not item.thumbnail:
        return _gone(request, item, _("This item has no preview."), status=404)
    try:
        return serving.thumbnail_response(item)
    except FileNotFoundError:
        return _gone(request, item, _("This item has no preview."), status=404)
