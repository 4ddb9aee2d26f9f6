"""``ingest.services.import_article``: one Source and one Article per article, audited; the same
text never stored twice; near-duplicates linked; refusals write nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from svidok.audit.models import AuditEntry
from svidok.incidents.models import Source
from svidok.ingest import reading, services
from svidok.ingest.models import Article
from tests.ingest import texts

pytestmark = pytest.mark.django_db


def read(text, **meta):
    title, _blank, body = text.partition("\n\n")
    return reading.ReadArticle(title=title.strip(), text=reading.normalize_text(body), language=reading.detect_language(body), **meta)


def written():
    return Source.objects.count(), Article.objects.count(), AuditEntry.objects.filter(object_type="ingest.article").count()


def test_import_stores_source_article_and_audit_entry(documenter):
    result = services.import_article(actor=documenter, article=read(
        texts.UKRAINIAN, published=dt.date(2024, 3, 17), outlet="Новини Криму", url="https://news.example/uk/1"))

    article = Article.objects.get()
    assert result.outcome == "stored"
    assert result.article == article
    assert (article.title, article.outlet, article.url, article.published_on, article.language) == (
        "Окупаційна влада погрожувала звільненням вчителям у Джанкої", "Новини Криму", "https://news.example/uk/1",
        dt.date(2024, 3, 17), "uk")
    assert article.source.kind.code == "article"
    assert article.source.created_by == documenter
    assert article.text == reading.normalize_text(texts.UKRAINIAN.partition("\n\n")[2])
    assert article.text_sha256 == reading.text_sha256(article.text)
    assert (article.duplicate_of, article.imported_by) == (None, documenter)
    entry = AuditEntry.objects.get(object_type="ingest.article")
    assert (entry.action, entry.object_id, entry.actor_id) == ("create", article.public_id, documenter.pk)
    assert entry.changes["source"] == article.source.public_id
    assert AuditEntry.objects.filter(object_type="incidents.source", object_id=article.source.public_id).count() == 1


def test_same_text_is_not_stored_twice(documenter):
    first = services.import_article(actor=documenter, article=read(texts.RUSSIAN, url="https://news.example/ru/1"))
    before = written()

    again = services.import_article(actor=documenter, article=read(texts.RUSSIAN, url="https://other.example/copy"))

    assert (again.outcome, again.article) == ("already", first.article)
    assert written() == before == (1, 1, 1)


def test_reprint_by_another_outlet_is_stored_and_linked_to_the_first(documenter):
    first = services.import_article(actor=documenter, article=read(texts.ENGLISH, outlet="First Outlet", url="https://one.example/a"))

    second = services.import_article(actor=documenter, article=read(texts.ENGLISH_REPRINT, outlet="Second Outlet", url="https://two.example/b"))

    assert second.outcome == "linked"
    assert second.original == first.article
    assert second.article.duplicate_of == first.article
    assert second.article.resemblance == pytest.approx(0.95, abs=0.02)
    assert second.article.outlet == "Second Outlet"
    assert list(first.article.duplicates.all()) == [second.article]
    assert written() == (2, 2, 2)


def test_reprint_is_found_among_several_and_with_fingerprints_already_cut(documenter):
    first = services.import_article(actor=documenter, article=read(texts.ENGLISH, url="https://one.example/a"))
    services.import_article(actor=documenter, article=read(texts.ENGLISH_OTHER, url="https://one.example/b"))
    services.import_article(actor=documenter, article=read(texts.RUSSIAN, url="https://one.example/c"))

    reprint = services.import_article(actor=documenter, article=read(texts.ENGLISH_REPRINT, url="https://two.example/a"))

    assert (reprint.outcome, reprint.original) == ("linked", first.article)


def test_same_address_fetched_again_with_edits_is_not_stored(documenter):
    first = services.import_article(actor=documenter, article=read(texts.ENGLISH, url="https://one.example/a"))

    again = services.import_article(actor=documenter, article=read(texts.ENGLISH_REPRINT, url="https://one.example/a"))

    assert (again.outcome, again.article) == ("already", first.article)
    assert written() == (1, 1, 1)


def test_other_story_is_not_linked(documenter):
    services.import_article(actor=documenter, article=read(texts.ENGLISH))

    other = services.import_article(actor=documenter, article=read(texts.ENGLISH_OTHER))

    assert (other.outcome, other.article.duplicate_of) == ("stored", None)


@pytest.mark.parametrize("role_fixture", ["viewer", "analyst"])
def test_import_refused_to_readers_writes_nothing(request, role_fixture):
    with pytest.raises(PermissionDenied):
        services.import_article(actor=request.getfixturevalue(role_fixture), article=read(texts.ENGLISH))

    assert written() == (0, 0, 0)


def test_bad_url_is_a_field_error_and_writes_nothing(documenter):
    with pytest.raises(ValidationError) as raised:
        services.import_article(actor=documenter, article=read(texts.ENGLISH, url="not an address"))

    assert list(raised.value.message_dict) == ["url"]
    assert written() == (0, 0, 0)


@pytest.mark.parametrize(("change", "field"), [
    ({"title": " "}, "title"), ({"text": "Too short."}, "text"), ({"language": "de"}, "language"),
])
def test_invalid_article_is_a_field_error_and_writes_nothing(documenter, change, field):
    article = read(texts.ENGLISH)
    bad = reading.ReadArticle(**{**article.__dict__, **change})

    with pytest.raises(ValidationError) as raised:
        services.import_article(actor=documenter, article=bad)

    assert list(raised.value.message_dict) == [field]
    assert written() == (0, 0, 0)


def test_same_text_stored_meanwhile_by_another_import_is_already_there(documenter, monkeypatch):
    """Two imports of one text at once: the second finds no copy when it looks, the first stores it
    before the second writes; the second then says "already" and leaves nothing of its own."""
    other = services.import_article  # the competing import, run between the look and the write
    looked = services.find_near_duplicate

    def look_then_lose_the_race(text, language):
        monkeypatch.setattr(services, "find_near_duplicate", looked)
        other(actor=documenter, article=read(texts.RUSSIAN, url="https://news.example/ru/first"))
        return None, 0.0

    monkeypatch.setattr(services, "find_near_duplicate", look_then_lose_the_race)
    result = services.import_article(actor=documenter, article=read(texts.RUSSIAN, url="https://news.example/ru/second"))

    first = Article.objects.get()
    assert (result.outcome, result.article) == ("already", first)
    assert first.url == "https://news.example/ru/first"
    assert written() == (1, 1, 1)
