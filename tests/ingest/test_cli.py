"""``svidok news import``: one line per file, bad files refused by name, the rest of the batch stored."""

import json

import pytest

from svidok.incidents.models import Source
from svidok.ingest.models import Article
from tests.ingest import texts
from tests.ingest.commands import news

pytestmark = pytest.mark.django_db


def test_batch_goes_on_past_bad_files_and_names_each(tmp_path):
    files = {
        "001.txt": texts.UKRAINIAN, "002.txt": "", "003.txt": b"\x00\x01\x02binary\xff" * 50,
        "004.html": texts.HTML_NO_ARTICLE, "005.txt": texts.GERMAN, "006.html": texts.HTML_ARTICLE,
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    (tmp_path / "index.jsonl").write_text(json.dumps({"file": "001.txt", "url": "https://news.example/uk/1",
                                                      "published": "2024-03-17", "source": "Новини Криму"}) + "\n", encoding="utf-8")

    out, err, failed = news("import", *(str(tmp_path / name) for name in files))

    assert out == [
        f"{tmp_path / '001.txt'}: stored \u201cОкупаційна влада погрожувала звільненням вчителям у Джанкої\u201d (uk, Новини Криму, 2024-03-17).",
        f"{tmp_path / '006.html'}: stored \u201cTeachers in a Crimean town told to photograph their ballots\u201d (en, 2024-03-18).",
        "2 stored, 0 stored as near-duplicates, 0 already there, 4 refused.",
    ]
    assert err == [
        f"{tmp_path / '002.txt'}: is empty.",
        f"{tmp_path / '003.txt'}: is a binary file, not text or HTML.",
        f"{tmp_path / '004.html'}: is HTML with no article in it.",
        f"{tmp_path / '005.txt'}: is not in Ukrainian, Russian, English or Crimean Tatar.",
    ]
    assert failed == "4 of 6 files refused (see above)."
    assert sorted(Source.objects.values_list("title", flat=True)) == [
        "Teachers in a Crimean town told to photograph their ballots", "Окупаційна влада погрожувала звільненням вчителям у Джанкої"]
    assert Article.objects.count() == 2


def test_second_run_stores_nothing_and_reprint_is_linked(tmp_path):
    (tmp_path / "a.txt").write_text(texts.ENGLISH, encoding="utf-8")
    (tmp_path / "b.txt").write_text(texts.ENGLISH_REPRINT, encoding="utf-8")
    news("import", str(tmp_path / "a.txt"))

    out, err, failed = news("import", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))

    assert out == [
        f"{tmp_path / 'a.txt'}: already stored as \u201cTeachers in a Crimean town told to photograph their ballots\u201d; nothing written.",
        f"{tmp_path / 'b.txt'}: stored \u201cCrimean teachers ordered to send pictures of their ballots\u201d (en), a near-duplicate of "
        "\u201cTeachers in a Crimean town told to photograph their ballots\u201d (95% of its text in common).",
        "0 stored, 1 stored as near-duplicates, 1 already there, 0 refused.",
    ]
    assert (err, failed) == ([], None)
    assert Article.objects.count() == 2


def test_bad_url_in_index_refuses_that_file_only(tmp_path):
    (tmp_path / "a.txt").write_text(texts.ENGLISH, encoding="utf-8")
    (tmp_path / "b.txt").write_text(texts.RUSSIAN, encoding="utf-8")
    (tmp_path / "index.jsonl").write_text(json.dumps({"file": "a.txt", "url": "javascript:alert(1)"}) + "\n", encoding="utf-8")

    out, err, failed = news("import", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))

    assert err == [f"{tmp_path / 'a.txt'}: not stored: url: Enter a valid URL."]
    assert out[-1] == "1 stored, 0 stored as near-duplicates, 0 already there, 1 refused."
    assert list(Source.objects.values_list("language", flat=True)) == ["ru"]
    assert failed == "1 of 2 files refused (see above)."


def test_user_who_may_not_import_is_stopped_before_anything(tmp_path, viewer):
    (tmp_path / "a.txt").write_text(texts.ENGLISH, encoding="utf-8")

    out, err, failed = news("import", "--as", viewer.username, str(tmp_path / "a.txt"))

    assert (out, failed) == ([], "viewer may not import news articles.")
    assert Source.objects.count() == 0


def test_import_of_addresses_fetches_each_and_names_each_refusal(news_site, tmp_path):
    out, err, failed = news("import", news_site.url("/en.html"), news_site.url("/big.html"), news_site.url("/loop"),
                            news_site.url("/missing.html"), "http://")

    assert out == [
        f"{news_site.url('/en.html')}: stored \u201cTeachers in a Crimean town told to photograph their ballots\u201d (en, 127.0.0.1, 2024-03-19).",
        "1 stored, 0 stored as near-duplicates, 0 already there, 4 refused.",
    ]
    assert err == [
        f"{news_site.url('/big.html')}: 127.0.0.1: the page is larger than 5 MB; reading stopped there and nothing was stored.",
        f"{news_site.url('/loop')}: 127.0.0.1: the address redirects too many times.",
        f"{news_site.url('/missing.html')}: 127.0.0.1: the site answered with an error (HTTP 404 Not Found).",
        "http://: This is not a web address (it must start with http:// or https://).",
    ]
    assert failed == "4 of 5 items refused (see above)."
    assert Article.objects.count() == 1


def test_import_of_a_feed_reads_its_articles(news_site):
    out, err, failed = news("import", "--feed", news_site.url("/feed.atom"))

    assert out == [
        f"{news_site.url('/uk.html')}: stored \u201cОкупаційна влада погрожувала звільненням вчителям у Джанкої\u201d (uk, 127.0.0.1, 2024-03-19).",
        f"{news_site.url('/en.html')}: stored \u201cTeachers in a Crimean town told to photograph their ballots\u201d (en, 127.0.0.1, 2024-03-19).",
        "2 stored, 0 stored as near-duplicates, 0 already there, 0 refused.",
    ]
    assert (err, failed) == ([], None)


def test_import_recognises_a_feed_without_the_flag(news_site):
    out, err, failed = news("import", news_site.url("/feed-as-xml"))

    assert [line.split(": ", 1)[0] for line in out] == [news_site.url("/en.html"), "1 stored, 0 stored as near-duplicates, 0 already there, 0 refused."]
    assert (err, failed) == ([], None)


def test_import_of_a_url_list_names_its_bad_lines(news_site, tmp_path):
    listing = tmp_path / "addresses.txt"
    listing.write_text(f"# today\n{news_site.url('/ru.txt')}\n\nnews.example/no-scheme\n{news_site.url('/de.html')}\n", encoding="utf-8")
    (tmp_path / "article.txt").write_text(texts.ENGLISH, encoding="utf-8")

    out, err, failed = news("import", str(listing), str(tmp_path / "article.txt"))

    assert [line.split(": ", 1)[0] for line in out] == [news_site.url("/ru.txt"), str(tmp_path / "article.txt"),
                                                        "2 stored, 0 stored as near-duplicates, 0 already there, 2 refused."]
    assert err == [
        f"{listing}, line 4: not a web address (http:// or https://)",
        f"{news_site.url('/de.html')}: 127.0.0.1: the article is not in Ukrainian, Russian, English or Crimean Tatar.",
    ]
    assert failed == "2 of 4 items refused (see above)."
    assert sorted(Article.objects.values_list("source__language", flat=True)) == ["en", "ru"]
