"""Use cases of the news reader: the only writers of ``ingest`` records (issue 12, docs/news.md).

Reading a file (``reading.py``) touches no database; ``import_article`` takes what was read and
stores it in one transaction: the incidents ``Source`` (through ``incidents.services.record_source``,
so a source is written one way only), the ``Article`` with its text, and the audit entry. An
article already stored is not stored again; a near-duplicate is stored linked to the first copy.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from svidok.accounts.rules import can, require
from svidok.audit.services import record, record_each
from svidok.incidents import services as incident_services
from svidok.incidents.models import Place, Term
from svidok.ingest import fetching, reading
from svidok.ingest.extraction import pipeline
from svidok.ingest.models import Article, Candidate, FetchRun

logger = logging.getLogger(__name__)
# The most addresses (pages and feeds) one fetch may be asked to read.
MAX_ADDRESSES = 200
# Why a whole run stopped (``FetchRun.reason``).
RUN_STOPPED = {
    "unexpected": gettext_lazy("Reading stopped on an unexpected error; the administrators can see it in the worker's log."),
    "interrupted": gettext_lazy("Reading was interrupted (the worker stopped); the addresses not listed below were not read. Ask for them again."),
}

# How many recent articles of the same language a new one is compared with. Enough for a news
# desk's months; past that, a MinHash index would take the place of the scan (docs/news.md).
COMPARE_WITH = 2000
# Fingerprints of stored texts, by the text's SHA-256 (a stored text never changes, and the hash
# names exactly one text), so a batch reads and cuts each stored article once per process.
_FINGERPRINTS: dict[str, frozenset[int]] = {}
_FINGERPRINTS_KEPT = 2 * COMPARE_WITH


@dataclass(frozen=True)
class Imported:
    """What ``import_article`` did: ``stored`` (new), ``linked`` (new, a near-duplicate of
    ``original``) or ``already`` (not stored: the same article is there, as ``article``)."""

    article: Article
    outcome: str
    original: Article | None = None
    resemblance: float | None = None


def _validate(read: reading.ReadArticle) -> None:
    errors = {}
    if not read.title.strip():
        errors["title"] = _("A title is required.")
    if sum(1 for ch in read.text if ch.isalpha()) < reading.MIN_LETTERS:
        errors["text"] = _("The article has no text.")
    if read.language not in (*reading.LANGUAGES, reading.CRIMEAN_TATAR):
        errors["language"] = _("Only articles in Ukrainian, Russian, English or Crimean Tatar are read.")
    if errors:
        raise ValidationError(errors)


def find_near_duplicate(text: str, language: str) -> tuple[Article | None, float]:
    """The stored first copy that ``text`` most resembles, if it resembles one enough, with the
    resemblance (share of five-word runs in common, ``reading.resemblance``)."""
    mine = reading.fingerprint(text)
    candidates = list(Article.objects.filter(duplicate_of__isnull=True, source__language=language)
                      .order_by("-imported_at").values_list("pk", "text_sha256")[:COMPARE_WITH])
    prints = {digest: _FINGERPRINTS[digest] for _pk, digest in candidates if digest in _FINGERPRINTS}
    missing = [pk for pk, digest in candidates if digest not in prints]
    for start in range(0, len(missing), 500):  # under SQLite's bound on query parameters
        for digest, stored_text in Article.objects.filter(pk__in=missing[start:start + 500]).values_list("text_sha256", "text"):
            prints[digest] = reading.fingerprint(stored_text)
            if len(_FINGERPRINTS) >= _FINGERPRINTS_KEPT:
                _FINGERPRINTS.pop(next(iter(_FINGERPRINTS)))
            _FINGERPRINTS[digest] = prints[digest]
    best_pk, best_score = None, 0.0
    for pk, digest in candidates:
        score = reading.resemblance(mine, prints[digest])
        if score > best_score:
            best_pk, best_score = pk, score
    if best_score >= reading.SAME_ARTICLE:
        return Article.objects.select_related("source").get(pk=best_pk), round(best_score, 3)
    return None, 0.0


@transaction.atomic
def import_article(*, actor, article: reading.ReadArticle) -> Imported:
    """Store an article that was read, with its Source, unless it is there already."""
    require(actor, "news.import")
    _validate(article)
    digest = article.sha256
    same = Article.objects.select_related("source").filter(text_sha256=digest).first()
    if same is not None:
        return Imported(article=same, outcome="already", original=same)
    original, score = find_near_duplicate(article.text, article.language)
    if original is not None and article.url and original.source.url == article.url:
        # The same address fetched again, edited a little: one article, not a reprint.
        return Imported(article=original, outcome="already", original=original, resemblance=score)
    try:
        # A savepoint: the same text stored meanwhile by another import (a worker reading a feed
        # while a documenter uploads the page) breaks the unique hash; then nothing of this one stays.
        with transaction.atomic():
            source = incident_services.record_source(actor=actor, fields={
                "kind": incident_services.term("source_type", "article"),
                "title": article.title, "publisher": article.outlet, "url": article.url,
                "published_on": article.published, "accessed_on": timezone.localdate(), "language": article.language,
            })
            stored = Article.objects.create(
                source=source, text=reading.normalize_text(article.text), text_sha256=digest, duplicate_of=original,
                resemblance=score if original else None, imported_by=actor if getattr(actor, "pk", None) else None,
            )
            record(actor=actor, action="create", obj=stored, object_repr=article.title, changes={
                "source": source.public_id, "language": article.language, "text_sha256": digest,
                "duplicate_of": original.public_id if original else None,
            })
    except IntegrityError:
        same = Article.objects.select_related("source").filter(text_sha256=digest).first()
        if same is None:
            raise
        return Imported(article=same, outcome="already", original=same)
    if original is not None:
        return Imported(article=stored, outcome="linked", original=original, resemblance=score)
    return Imported(article=stored, outcome="stored")


def iso_to_date(value: str | None, precision: str | None) -> tuple[dt.date | None, str]:
    """A proposal's ISO date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) as the first day it covers
    and the incidents' date precision."""
    if not value:
        return None, ""
    parts = [int(part) for part in value.split("-")]
    if len(parts) == 3:
        return dt.date(*parts), "day"
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], 1), "month"
    return dt.date(parts[0], 1, 1), "year"


def extraction_input(article: Article) -> pipeline.Article:
    return pipeline.Article(text=article.text, language=article.language, published=article.published_on,
                            outlet=article.outlet or "", title=article.title)


@transaction.atomic
def propose_candidates(*, actor, article: Article, resources: pipeline.Resources | None = None) -> list[Candidate]:
    """Read the incidents an article reports and store them as candidates for review (once per
    article: an article read before keeps its candidates). A near-duplicate proposes nothing of
    its own (its first copy did), nor does an article in a language extraction does not read."""
    require(actor, "news.import")
    if article.duplicate_of_id or article.language not in reading.LANGUAGES:
        return []
    existing = list(article.candidates.all())
    if existing:
        return existing
    resources = resources or pipeline.Resources.shared()
    proposals = pipeline.extract(extraction_input(article), resources)
    if not proposals:
        return []
    types = {term.code: term for term in Term.objects.filter(vocabulary__code="incident_type")}
    codes = {p.place.code for p in proposals if p.place and p.place.code}
    places = {place.code: place for place in Place.objects.filter(code__in=codes)}
    rows = []
    for position, proposal in enumerate(proposals):
        shown = proposal.as_json()
        date_start, precision = iso_to_date(proposal.date, proposal.date_precision)
        rows.append(Candidate(
            article=article, position=position, type=types.get(proposal.type) or types["other"],
            date_start=date_start, date_precision=precision,
            place=places.get(proposal.place.code) if proposal.place and proposal.place.code else None,
            place_as_written=proposal.place.as_written[:300] if proposal.place else "",
            victims=shown["victims"], victim_count=proposal.victim_count,
            perpetrators=[{"as_written": party.as_written, "kind": party.kind, "match": party.match} for party in proposal.perpetrators],
            reported_by=shown["reported_by"], evidence_quote=proposal.evidence_quote,
            quote_start=proposal.quote_start, quote_end=proposal.quote_end, confidence=round(proposal.confidence, 3),
            proposed=shown, lexicon_version=resources.lexicon.version,
        ))
    created = Candidate.objects.bulk_create(rows)
    if not all(row.pk for row in created):  # backends that do not return keys from a bulk insert
        created = list(article.candidates.all())
    record_each(actor=actor, action="create", objects=created,
                changes={"article": article.public_id, "lexicon": resources.lexicon.version})
    return created
def store_article(*, actor, article: reading.ReadArticle) -> Imported:
    """``import_article``, then candidate incidents for an article stored as a first copy (a
    near-duplicate is not proposed twice), all in one transaction: an article is never left without
    the candidates its extraction gave. Every importer (files, fetches, the command) stores through
    here, so the extraction is called in one place."""
    with transaction.atomic():
        imported = import_article(actor=actor, article=article)
        if imported.outcome == "stored":
            propose_candidates(actor=actor, article=imported.article)
    return imported


def _addresses(values: Iterable[str]) -> list[str]:
    found = []
    for value in values:
        value = (value or "").strip()
        if value and value not in found:
            found.append(value)
    return found


@transaction.atomic
def start_fetch(*, actor, urls: Iterable[str] = (), feeds: Iterable[str] = ()) -> FetchRun:
    """Queue the reading of pages (``urls``) and feeds: a ``FetchRun`` read by the worker
    (``tasks.fetch_news``) once this transaction commits. A bad address is not refused here but
    by the run, as one of its items: the rest of the batch goes on."""
    require(actor, "news.import")
    pages, feeds = _addresses(urls), _addresses(feeds)
    if not pages and not feeds:
        raise ValidationError({"urls": _("Give at least one web address.")})
    if len(pages) + len(feeds) > MAX_ADDRESSES:
        raise ValidationError({"urls": _("At most %(count)s addresses at once.") % {"count": MAX_ADDRESSES}})
    run = FetchRun.objects.create(requested_by=actor, pages=pages, feeds=feeds)
    record(actor=actor, action="fetch_queued", obj=run, changes={"pages": pages, "feeds": feeds})
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_pk: int) -> None:
    from svidok.ingest.tasks import fetch_news

    result = fetch_news.enqueue(run_pk)
    FetchRun.objects.filter(pk=run_pk).update(task_id=str(result.id)[:64])


def _refused(url: str, reason: dict) -> dict:
    return {"url": url, "outcome": FetchRun.Outcome.REFUSED.value, "reason": reason}


def imported_item(url: str, imported: Imported) -> dict:
    """What ``import_article`` did, as an item of ``FetchRun.items``."""
    item = {"url": url, "outcome": imported.outcome, "article": imported.article.public_id, "title": imported.article.title}
    if imported.outcome == "stored":
        item["proposed"] = imported.article.candidates.count()
    if imported.outcome == "linked":
        item.update(original=imported.original.public_id, original_title=imported.original.title,
                    resemblance=imported.resemblance)
    return item


def read_addresses(*, actor, pages: Iterable[str] = (), feeds: Iterable[str] = (),
                   policy: fetching.Policy | None = None) -> Iterator[dict]:
    """Fetch, read and store each page, and each article of each feed, one item (``FetchRun.items``)
    at a time. A page whose bytes turn out to be a feed is read as one. A refused address gives
    a ``refused`` item and the rest go on; nothing of it is stored. The caller may stop between
    items (the command, the task)."""
    require(actor, "news.import")
    return _read_addresses(actor, list(pages), list(feeds), policy or fetching.policy_from_settings())


def _read_addresses(actor, pages: list[str], feeds: list[str], policy: fetching.Policy) -> Iterator[dict]:
    queue: deque[tuple[str, bool, dict]] = deque([(url, True, {}) for url in feeds] + [(url, False, {}) for url in pages])
    seen = set()
    while queue:
        url, as_feed, meta = queue.popleft()
        if (url, as_feed) in seen:
            continue
        seen.add((url, as_feed))
        host = fetching.host_of(url)
        if not can(actor, "news.import"):
            yield _refused(url, {"code": "not_allowed", "host": host})
            continue
        try:
            fetched = fetching.fetch_url(url, policy=policy)
            if as_feed or (not meta and fetched.is_feed):
                # Feeds' articles are read after the pages asked for, each once.
                entries = fetching.feed_from(fetched, limit=settings.SVIDOK_NEWS_FEED_ITEMS)
                queue.extend((entry.url, False, {"published": entry.published}) for entry in entries)
                continue
            imported = store_article(actor=actor, article=fetching.article_from(fetched, meta))
        except fetching.FetchFailed as error:
            yield _refused(url, error.reason)
        except reading.ReadError as error:
            yield _refused(url, {"code": error.code, "host": host})
        except ValidationError as error:
            yield _refused(url, {"code": "not_stored", "host": host, "detail": " ".join(error.messages)[:500]})
        except PermissionDenied:
            yield _refused(url, {"code": "not_allowed", "host": host})
        except Exception:
            logger.exception("reading a news address failed")
            yield _refused(url, {"code": "unexpected", "host": host})
        else:
            yield imported_item(url, imported)


def run_fetch(run_pk: int) -> str:
    """Read a run's addresses (called by the worker); returns the final status. Runs once even if
    its task runs twice; each item is saved as it is read, so its page shows the progress."""
    with transaction.atomic():
        run = FetchRun.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=run_pk)
        if run.status != FetchRun.Status.QUEUED:
            return run.status
        run.status, run.started_at = FetchRun.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    try:
        try:
            items = read_addresses(actor=run.requested_by, pages=run.pages, feeds=run.feeds)
        except PermissionDenied:
            items = (_refused(url, {"code": "not_allowed", "host": fetching.host_of(url)}) for url in run.feeds + run.pages)
        for item in items:
            run.items.append(item)
            setattr(run, item["outcome"], getattr(run, item["outcome"]) + 1)
            run.save(update_fields=["items", "stored", "linked", "already", "refused"])
    except Exception:
        logger.exception("news fetch %s stopped", run.uuid)
        _finish_run(run, FetchRun.Status.FAILED, {"code": "unexpected"})
    else:
        _finish_run(run, FetchRun.Status.DONE)
    return run.status


def longest_fetch(run: FetchRun) -> dt.timedelta:
    """A generous upper bound of a run: every address and every article of every feed within the
    deadline, plus as long again for reading and extraction."""
    addresses = len(run.pages) + len(run.feeds) * (1 + settings.SVIDOK_NEWS_FEED_ITEMS)
    return dt.timedelta(seconds=2 * settings.SVIDOK_NEWS_DEADLINE * addresses + 60)


def fail_interrupted_fetches() -> int:
    """Periodic job: runs still "reading" long after they could have ended were cut off (the worker
    was killed, the machine stopped). Marked stopped, so that nobody waits for them; what they
    stored stays stored (each article was stored whole)."""
    count, now = 0, timezone.now()
    for run in FetchRun.objects.filter(status=FetchRun.Status.RUNNING).select_related("requested_by"):
        if run.started_at and run.started_at < now - longest_fetch(run):
            _finish_run(run, FetchRun.Status.FAILED, {"code": "interrupted"})
            count += 1
    return count


def run_reason_text(run: FetchRun) -> str:
    """Why the run stopped, in the current language; empty when it did not."""
    if not run.reason:
        return ""
    return str(RUN_STOPPED.get(run.reason.get("code"), RUN_STOPPED["unexpected"]))


def _finish_run(run: FetchRun, status: str, reason: dict | None = None) -> None:
    run.status, run.reason, run.finished_at = status, reason or {}, timezone.now()
    with transaction.atomic():
        run.save(update_fields=["status", "reason", "finished_at"])
        changes = {"status": [FetchRun.Status.RUNNING.value, status], "stored": run.stored, "linked": run.linked,
                   "already": run.already, "refused": run.refused}
        if reason:
            with translation.override("en"):
                changes["reason"] = run_reason_text(run)
        record(actor=run.requested_by, action="fetch_finished", obj=run, changes=changes)
