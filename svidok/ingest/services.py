"""Use cases of the news reader: the only writers of ``ingest`` records (issue 12, docs/news.md).

Reading a file (``reading.py``) touches no database; ``import_article`` takes what was read and
stores it in one transaction: the incidents ``Source`` (through ``incidents.services.record_source``,
so a source is written one way only), the ``Article`` with its text, and the audit entry. An
article already stored is not stored again; a near-duplicate is stored linked to the first copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.incidents import services as incident_services
from svidok.ingest import reading
from svidok.ingest.models import Article

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
