"""The review pages of the news reader (docs/news.md "Review"): the queue of proposed incidents
grouped by article, one article with its proposals beside the text, and the acceptance rates.

Every page needs ``news.review`` (the roles that record incidents); the decisions are the
services of ``ingest.review``. The pages work without JavaScript: each proposal's form posts to
the proposal's address and comes back to the article.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from svidok.accounts.rules import can_edit_incident, require
from svidok.common.validation import is_uuid
from svidok.common.views import add_service_errors, paginate
from svidok.incidents.forms import terms
from svidok.incidents.queries import visible_incidents
from svidok.ingest import review
from svidok.ingest.models import Article, Candidate
from svidok.ingest.review_forms import CandidateForm, MergeForm, RejectForm
from svidok.people import freetext, suggest

QUEUE_PAGE = 20
# Lazy: translated when a page shows them, in its reader's language.
LANGUAGES = (("uk", gettext_lazy("Ukrainian")), ("ru", gettext_lazy("Russian")), ("en", gettext_lazy("English")),
             ("crh", gettext_lazy("Crimean Tatar")))


def _article(uuid) -> Article:
    article = Article.objects.select_related("source", "duplicate_of__source").filter(uuid=uuid).first() if is_uuid(str(uuid)) else None
    if article is None:
        raise Http404("No such article")
    return article


def _candidate(uuid) -> Candidate:
    candidate = Candidate.objects.select_related("article__source", "type", "place").filter(uuid=uuid).first() if is_uuid(str(uuid)) else None
    if candidate is None:
        raise Http404("No such proposal")
    return candidate


@login_required
def queue(request):
    """Articles with proposals, newest first, each with its proposals that pass the filter
    (pending ones unless another status is asked for)."""
    require(request.user, "news.review")
    types = list(terms("incident_type"))
    chosen = {
        "type": request.GET.get("type", ""), "status": request.GET.get("status", Candidate.Status.PENDING),
        "language": request.GET.get("language", ""),
    }
    candidates = Candidate.objects.all()
    if chosen["type"] in {t.code for t in types}:
        candidates = candidates.filter(type__code=chosen["type"])
    else:
        chosen["type"] = ""
    if chosen["status"] in Candidate.Status.values:
        candidates = candidates.filter(status=chosen["status"])
    else:
        chosen["status"] = ""
    if chosen["language"] in dict(LANGUAGES):
        candidates = candidates.filter(article__source__language=chosen["language"])
    else:
        chosen["language"] = ""
    articles = (Article.objects.filter(pk__in=candidates.values("article_id")).select_related("source")
                .prefetch_related(Prefetch("candidates", queryset=candidates.select_related("type", "place", "incident"),
                                           to_attr="shown")).order_by("-imported_at", "-id"))
    page = paginate(request, articles, QUEUE_PAGE)
    freetext.reader_for(request).expect([article.title for article in page])
    return render(request, "ingest/review_queue.html", {
        "page": page, "types": types, "statuses": Candidate.Status.choices, "languages": LANGUAGES, "chosen": chosen,
        "languages_named": dict(LANGUAGES),
    })


def highlighted(text: str, candidates) -> list[tuple[str, int | None]]:
    """The article's text cut into ``(piece, number)``: ``number`` the 1-based index of the
    proposal whose evidence the piece is, or None. The stored span is used when it still cuts
    the quote out of the text; otherwise the quote's first occurrence; overlapping spans keep
    the first proposal's mark."""
    spans = []
    for number, candidate in enumerate(candidates, start=1):
        quote, start, end = candidate.evidence_quote, candidate.quote_start, candidate.quote_end
        if start is None or end is None or end > len(text) or text[start:end] != quote:
            start = text.find(quote) if quote else -1
            end = start + len(quote)
        if start >= 0 and end > start:
            spans.append((start, end, number))
    pieces, at = [], 0
    for start, end, number in sorted(spans):
        if start < at:
            continue
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], number))
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


def _mergeable(user, incidents) -> list:
    """The incidents a proposal may be merged into by ``user``: citing the article changes the
    incident, which only those who may edit it do (documenters: their own, before verification)."""
    return [i for i in incidents if can_edit_incident(user, i)]


def _perpetrators(candidate: Candidate) -> list[dict]:
    """Each perpetrator as the form shows it: in the registry (accepting links it), or not, with
    the registry's persons the name may mean (typing one of their names links it on saving)."""
    shown = []
    for entry in candidate.perpetrators:
        in_registry = review.registry_party(entry) is not None
        suggestions = [] if in_registry else [c.person.display_name for c in suggest.candidates(entry.get("as_written", ""), limit=3)]
        shown.append({"label": review.perpetrator_label(entry), "in_registry": in_registry, "suggestions": suggestions})
    return shown


def _panels(request, article: Article, candidates, bound: dict | None = None) -> list[dict]:
    """What each proposal shows beside the text: its form (bound to the POST that failed, if
    it is that one), the incidents it may repeat, its decision."""
    panels = []
    for number, candidate in enumerate(candidates, start=1):
        mine = bound if bound and bound["candidate"].pk == candidate.pk else {}
        similar = review.similar_incidents(candidate, request.user) if candidate.status == Candidate.Status.PENDING else []
        panels.append({
            "number": number, "candidate": candidate,
            "form": mine.get("form") or CandidateForm(candidate=candidate, initial=CandidateForm.initial_for(candidate)),
            "merge_form": mine.get("merge_form") or MergeForm(incidents=_mergeable(request.user, similar), prefix=f"m{candidate.position}"),
            "reject_form": mine.get("reject_form") or RejectForm(prefix=f"r{candidate.position}"),
            "similar": similar, "error": mine.get("error", ""),
            "perpetrators": _perpetrators(candidate) if candidate.status == Candidate.Status.PENDING else [],
        })
    return panels


def _article_page(request, article: Article, bound: dict | None = None, status: int = 200):
    candidates = list(article.candidates.select_related("type", "place", "incident", "decided_by"))
    # The article's words as the reader may see them: a protected person's name reads as the
    # pseudonym without clearance (people.freetext), one lookup for the whole page. Each piece is
    # read on its own, so the marks stay where the quotes are.
    reader = freetext.reader_for(request).expect([
        article.title, article.text, *(c.evidence_quote for c in candidates), *(c.reason for c in candidates),
        article.duplicate_of.title if article.duplicate_of_id else ""])
    pieces = [(reader(piece), number) for piece, number in highlighted(article.text, candidates)]
    return render(request, "ingest/article.html", {
        "article": article, "pieces": pieces, "panels": _panels(request, article, candidates, bound),
        "language_name": dict(LANGUAGES).get(article.language, ""),
    }, status=status)


@login_required
def article_detail(request, uuid):
    require(request.user, "news.review")
    return _article_page(request, _article(uuid))


@login_required
@require_http_methods(["GET", "POST"])
def candidate_decide(request, uuid):
    """One proposal's form: ``action`` is save (the corrections only), accept, merge or reject.
    Accept saves the corrections with the decision, in one transaction. A GET shows the
    proposal where it is: beside its article."""
    require(request.user, "news.review")
    candidate = _candidate(uuid)
    article = _article(candidate.article.uuid)
    if request.method == "GET":
        return redirect(reverse("ingest:article", args=[article.uuid]) + f"#proposal-{candidate.position}")
    action = request.POST.get("action", "")
    # Only the form that was sent is bound: the others show the proposal as stored.
    form = CandidateForm(request.POST if action in {"save", "accept"} else None, candidate=candidate,
                         initial=CandidateForm.initial_for(candidate))
    similar = _mergeable(request.user, review.similar_incidents(candidate, request.user))
    merge_form = MergeForm(request.POST if action == "merge" else None, incidents=similar, prefix=f"m{candidate.position}")
    reject_form = RejectForm(request.POST if action == "reject" else None, prefix=f"r{candidate.position}")
    bound = {"candidate": candidate, "form": form, "merge_form": merge_form, "reject_form": reject_form}
    back = reverse("ingest:article", args=[article.uuid]) + f"#proposal-{candidate.position}"
    try:
        if action == "save" and form.is_valid():
            review.update_candidate(actor=request.user, candidate=candidate, fields=form.service_fields())
            messages.success(request, _("Proposal %(n)s saved.") % {"n": _number(article, candidate)})
            return redirect(back)
        if action == "accept" and form.is_valid():
            incident = review.accept_candidate(actor=request.user, candidate=candidate, fields=form.service_fields())
            messages.success(request, _("Accepted: draft incident %(ref)s recorded.") % {"ref": incident.reference})
            return redirect(back)
        if action == "merge" and merge_form.is_valid():
            incident = visible_incidents(request.user).filter(reference=merge_form.cleaned_data["incident"]).first()
            if incident is None:
                raise ValidationError({"incident": _("No such incident.")})
            review.merge_candidate(actor=request.user, candidate=candidate, incident=incident)
            messages.success(request, _("Merged: the article is cited on %(ref)s.") % {"ref": incident.reference})
            return redirect(back)
        if action == "reject" and reject_form.is_valid():
            review.reject_candidate(actor=request.user, candidate=candidate, reason=reject_form.cleaned_data["reason"])
            messages.success(request, _("Proposal %(n)s rejected.") % {"n": _number(article, candidate)})
            return redirect(back)
        if action not in {"save", "accept", "merge", "reject"}:
            bound["error"] = _("Choose save, accept, merge or reject.")
    except ValidationError as exc:
        target = {"merge": merge_form, "reject": reject_form}.get(action, form)
        add_service_errors(target, exc, {"status": "__all__"})
    return _article_page(request, article, bound, status=400)


def _number(article: Article, candidate: Candidate) -> int:
    return list(article.candidates.values_list("pk", flat=True)).index(candidate.pk) + 1


@login_required
def rates(request):
    require(request.user, "news.review")
    return render(request, "ingest/rates.html", {"rates": review.rates()})
