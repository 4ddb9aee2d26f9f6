"""Evidence pages: the upload form, an item's page, and the only ways out for its bytes (download,
thumbnail). Thin like every view here: parse, authorise, call a service, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.audit.display import readable
from svidok.audit.services import history
from svidok.evidence import services, serving
from svidok.evidence.forms import UploadForm
from svidok.evidence.models import EvidenceItem
from svidok.evidence.queries import get_item_for_user
from svidok.incidents.queries import visible_incidents


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages in error.message_dict.values() for m in messages]
    return list(error.messages)


@login_required
def upload(request):
    """Several files at once, no JavaScript needed. Each file is its own item: one refused file
    does not undo the others, and the page says which were stored and which were not."""
    require(request.user, "evidence.add")
    form = UploadForm(request.POST or None, request.FILES or None)
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
                    status = 201 if not failed else 200
                    form = UploadForm()
    return render(request, "evidence/upload.html", {"form": form, "stored": stored, "failed": failed,
                                                    "limit": services.human_size(services.storage.max_bytes())},
                  status=status)


@login_required
def item_detail(request, uuid):
    item = get_item_for_user(request.user, uuid)
    services.record_view(actor=request.user, item=item)
    return render(request, "evidence/item_detail.html", {
        "item": item,
        "links": item.links.select_related("incident", "source"),
        "near": services.near_duplicates(item, user=request.user),
        "may_download": rules.can(request.user, "evidence.download") and item.blob.purged_at is None,
        "history": readable(history(item)),
    })


def _gone(request, item, message, status=410):
    return render(request, "evidence/gone.html", {"item": item, "message": message}, status=status)


@login_required
def download(request, uuid):
    """The original, always as a file to save (see ``serving``); each download is a custody event."""
    item = get_item_for_user(request.user, uuid)
    require(request.user, "evidence.download")
    if item.blob.purged_at is not None or item.status == EvidenceItem.Status.PURGED:
        return _gone(request, item, _("The original was erased (legal takedown): %(reason)s") % {"reason": item.status_reason})
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
