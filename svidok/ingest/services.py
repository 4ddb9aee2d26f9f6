"""Use cases of the news reader: the only writers of ``ingest`` records (issue 12, docs/news.md).

Reading a file (``reading.py``) touches no database; ``import_article`` takes what was read and
stores it in one transaction: the incidents ``Source`` (through ``incidents.services.record_source``,
so a source is written one way only), the ``Article`` with its text, and the audit entry. An
article already stored is not stored again; a near-duplicate is stored linked to the first copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts.rules import require
from svidok.audit.services import record, record_each
from svidok.incidents import services as incident_services
from svidok.incidents.models import Place, Term
from svidok.ingest import reading
from svidok.ingest.extraction import pipeline
from svidok.ingest.models import Article, Candidate

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
