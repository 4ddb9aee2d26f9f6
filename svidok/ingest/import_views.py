"""Pages of news import: the "Import news" page (files read now, addresses fetched in the background)
and the page of a fetch, refreshed while it runs. Parse, call the use case, render."""

from __future__ import annotations

import logging
from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from svidok.accounts.models import Role
from svidok.accounts.rules import require
from svidok.common.views import add_service_errors, render_htmx
from svidok.ingest import fetching, reading, services
from svidok.ingest.import_forms import ImportForm
from svidok.ingest.models import FetchRun

logger = logging.getLogger(__name__)

# Why an uploaded file was not stored, in people's words (``reading.ReadError.code``).
FILE_REASONS = {
    "empty": gettext_lazy("The file is empty."),
    "binary": gettext_lazy("The file is not text or a web page (a binary file)."),
    "encoding": gettext_lazy("The file is not UTF-8 text and declares no encoding that fits it."),
    "too_big": gettext_lazy("The file is larger than 5 MB; an article is smaller."),
    "no_article": gettext_lazy("The web page has no article in it."),
    "too_short": gettext_lazy("The text is too short to be an article."),
    "no_title": gettext_lazy("The file has no title (the first line of a text file is the title)."),
    "language": gettext_lazy("The article is not in Ukrainian, Russian, English or Crimean Tatar."),
    "unexpected": gettext_lazy("The file was not stored: an unexpected error stopped it; the administrators can see it in the log."),
}
OUTCOMES = {
    "stored": gettext_lazy("Stored"),
    "linked": gettext_lazy("Stored as a near-duplicate"),
    "already": gettext_lazy("Already stored; nothing written"),
    "refused": gettext_lazy("Not stored"),
}


def article_url(public_id: str | None) -> str | None:
    """The article's page, when the review pages that have it are installed."""
    if not public_id:
        return None
    try:
        return reverse("ingest:article", args=[public_id])
    except NoReverseMatch:
        return None


def describe(item: dict) -> dict:
    """One item of a fetch or an upload as the page shows it: the outcome in words, the reason
    of a refusal, the article and the first copy of a near-duplicate."""
    row = {"name": item.get("name") or item["url"], "outcome": item["outcome"], "outcome_text": OUTCOMES[item["outcome"]],
           "title": item.get("title", ""), "article_url": article_url(item.get("article"))}
    if item.get("reason"):
        row["reason"] = item["reason_text"] if "reason_text" in item else fetching.reason_text(item["reason"])
    if item["outcome"] == "linked":
        row.update(original_title=item.get("original_title", ""), original_url=article_url(item.get("original")),
                   resemblance=round((item.get("resemblance") or 0) * 100))
    return row


def get_run_for_user(user, public_id) -> FetchRun:
    """A fetch its requester sees, and admins and coordinators; anyone else gets 404."""
    require(user, "news.import")
    runs = FetchRun.objects.select_related("requested_by")
    if user.role not in (Role.ADMIN, Role.COORDINATOR):
        runs = runs.filter(requested_by=user)
    run = runs.filter(uuid=public_id).first()
    if run is None:
        raise Http404("No such fetch")
    return run


def _store_upload(actor, upload) -> dict:
    name = PurePath(upload.name or "").name[:200] or "?"
    if upload.size > reading.MAX_BYTES:
        return {"name": name, "outcome": "refused", "reason": {"code": "too_big"}, "reason_text": FILE_REASONS["too_big"]}
    try:
        read = reading.read_bytes(upload.read(), html=PurePath(name).suffix.lower() in reading.HTML_SUFFIXES or None)
        imported = services.store_article(actor=actor, article=read)
    except reading.ReadError as error:
        text = FILE_REASONS.get(error.code, gettext_lazy("The file could not be read."))
        return {"name": name, "outcome": "refused", "reason": {"code": error.code}, "reason_text": text}
    except ValidationError as error:
        return {"name": name, "outcome": "refused", "reason": {"code": "not_stored"}, "reason_text": " ".join(error.messages)}
    except Exception:
        # One file's failure (in extraction, say) does not undo the others.
        logger.exception("importing an uploaded news file failed")
        return {"name": name, "outcome": "refused", "reason": {"code": "unexpected"}, "reason_text": FILE_REASONS["unexpected"]}
    return {"name": name, **services.imported_item(name, imported)}


@login_required
@require_http_methods(["GET", "POST"])
def import_news(request):
    require(request.user, "news.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    results, run, status = [], None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            if data["url_list"] or data["feed"]:
                try:
                    run = services.start_fetch(actor=request.user, urls=data["url_list"], feeds=[data["feed"]] if data["feed"] else [])
                except ValidationError as error:
                    add_service_errors(form, error)
            if not form.errors:
                results = [describe(_store_upload(request.user, upload)) for upload in data["files"]]
                if run is not None and not results:
                    return redirect("ingest:run", run.uuid)
                status = 200
    recent = FetchRun.objects.filter(requested_by=request.user).order_by("-created_at")[:10]
    return render(request, "ingest/import.html", {
        "form": form, "results": results, "run": run, "recent": recent,
        "stored_count": sum(1 for r in results if r["outcome"] != "refused"),
    }, status=status)


@login_required
@require_GET
def run_detail(request, public_id):
    run = get_run_for_user(request.user, public_id)
    context = {"run": run, "rows": [describe(item) for item in run.items],
               "waiting": len(run.pages) + len(run.feeds) if run.status == FetchRun.Status.QUEUED else 0,
               "run_reason": services.run_reason_text(run)}
    return render_htmx(request, "ingest/run.html", "ingest/_run.html", context)

