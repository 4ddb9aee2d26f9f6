"""Reading article files: text and HTML, language, index.jsonl, bad input, near-duplicate fingerprints."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings

from svidok.ingest import reading
from tests.ingest import texts

# The project's seed article, copied into data/news/ (data/NOTICE).
SEED = Path(settings.DATA_DIR) / "news" / "seed-article.txt"


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def body(text):
    return text.split("\n", 2)[2]


def test_text_file_title_is_first_line_and_body_the_rest(tmp_path):
    article = reading.read_article(write(tmp_path, "a.txt", texts.ENGLISH))

    assert article.title == "Teachers in a Crimean town told to photograph their ballots"
    assert article.text.startswith("Staff at a secondary school in a small Crimean town were told at a morning meeting")
    assert article.text.count("\n\n") == 1
    assert (article.language, article.published, article.outlet, article.url) == ("en", None, "", "")


@pytest.mark.parametrize(("name", "language"), [("UKRAINIAN", "uk"), ("RUSSIAN", "ru"), ("ENGLISH", "en"), ("CRIMEAN_TATAR", "crh")])
def test_language_is_detected(tmp_path, name, language):
    assert reading.read_article(write(tmp_path, "a.txt", getattr(texts, name))).language == language


def test_seed_article_reads_as_english():
    article = reading.read_article(SEED)

    assert article.language == "en"
    assert article.title.startswith("Ukraine urged the Russian occupation authorities in the Crimea")


def test_another_language_is_refused(tmp_path):
    with pytest.raises(reading.ReadError, match="is not in Ukrainian, Russian, English or Crimean Tatar"):
        reading.read_article(write(tmp_path, "de.txt", texts.GERMAN))


def test_html_gives_title_date_and_paragraphs_without_menus(tmp_path):
    article = reading.read_article(write(tmp_path, "page.html", texts.HTML_ARTICLE))

    assert article.title == "Teachers in a Crimean town told to photograph their ballots"
    assert article.published == dt.date(2024, 3, 18)
    assert article.language == "en"
    assert article.text.split("\n\n")[0] == ("Staff at a secondary school in a small Crimean town were told at a morning meeting "
                                            "that they must vote before noon and send a photograph of the completed ballot to the deputy head.")
    assert len(article.text.split("\n\n")) == 3
    assert "Subscribe" not in article.text and "About us" not in article.text


def test_html_in_a_declared_legacy_encoding_is_read(tmp_path):
    page = texts.HTML_ARTICLE.replace("<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    page = page.replace("Teachers in a Crimean town told to photograph their ballots", "Вчителям у Джанкої наказали сфотографувати бюлетені")
    path = write(tmp_path, "page.html", page.encode("cp1251"))

    assert reading.read_article(path).title == "Вчителям у Джанкої наказали сфотографувати бюлетені"


def test_html_date_in_the_future_is_dropped(tmp_path):
    page = texts.HTML_ARTICLE.replace("2024-03-18T09:30:00+00:00", "2999-03-18T09:30:00+00:00")

    assert reading.read_article(write(tmp_path, "page.html", page)).published is None


def test_html_without_article_is_refused(tmp_path):
    with pytest.raises(reading.ReadError, match="^is HTML with no article in it.$"):
        reading.read_article(write(tmp_path, "404.html", texts.HTML_NO_ARTICLE))


@pytest.mark.parametrize(("content", "message"), [
    (b"", "^is empty.$"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "^is a binary file, not text or HTML.$"),
    ("Заголовок\n\nтекст".encode("cp1251") * 40, "^is not UTF-8 text"),
    ("A title\n\nToo short to be an article.", "^has no article text"),
    ("\n\n" + body(texts.ENGLISH), "^has no title"),
])
def test_bad_files_are_refused_with_a_reason(tmp_path, content, message):
    with pytest.raises(reading.ReadError, match=message):
        reading.read_article(write(tmp_path, "bad.txt", content))


def test_file_over_the_limit_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.html"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)

    with pytest.raises(reading.ReadError, match="^is 50 MB; an article is at most 5 MB.$"):
        reading.read_article(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(reading.ReadError, match="^cannot be read"):
        reading.read_article(tmp_path / "nowhere.txt")


def test_index_gives_outlet_url_and_date_over_the_html(tmp_path):
    write(tmp_path, "page.html", texts.HTML_ARTICLE)
    write(tmp_path, "index.jsonl", json.dumps({"file": "page.html", "url": "https://news.example/a/1", "language": "en",
                                               "published": "2024-03-19", "source": "Example News"}) + "\n\n")

    article = reading.read_article(tmp_path / "page.html", reading.read_index(tmp_path)["page.html"])

    assert (article.outlet, article.url, article.published) == ("Example News", "https://news.example/a/1", dt.date(2024, 3, 19))


def test_index_language_that_the_text_contradicts_is_refused(tmp_path):
    path = write(tmp_path, "a.txt", texts.RUSSIAN)

    with pytest.raises(reading.ReadError, match="^reads as ru but index.jsonl says uk.$"):
        reading.read_article(path, {"file": "a.txt", "language": "uk"})


def test_bad_index_line_is_named(tmp_path):
    write(tmp_path, "index.jsonl", '{"file": "a.txt"}\nnot json\n')

    with pytest.raises(reading.ReadError, match="^index.jsonl, line 2: "):
        reading.read_index(tmp_path)


def test_no_index_is_empty(tmp_path):
    assert reading.read_index(tmp_path) == {}


def test_hash_ignores_spacing_but_not_words():
    text = body(texts.ENGLISH)

    assert reading.text_sha256(text) == reading.text_sha256("  " + text.replace(" ", "  ") + "\n\n\n")
    assert reading.text_sha256(text) != reading.text_sha256(text.replace("noon", "midday"))


def test_reprint_resembles_the_original():
    original, reprint = reading.fingerprint(body(texts.ENGLISH)), reading.fingerprint(body(texts.ENGLISH_REPRINT))

    assert reading.resemblance(original, reprint) == pytest.approx(0.95, abs=0.02)


def test_copy_cut_short_resembles_the_whole():
    text = body(texts.ENGLISH)

    assert reading.resemblance(reading.fingerprint(text), reading.fingerprint(text[: len(text) // 2].rsplit(" ", 1)[0])) == 1.0


def test_other_story_does_not_resemble():
    assert reading.resemblance(reading.fingerprint(body(texts.ENGLISH)), reading.fingerprint(body(texts.ENGLISH_OTHER))) == 0.0


def test_short_texts_are_not_compared():
    assert reading.resemblance(reading.fingerprint("one two three four five six"), reading.fingerprint("one two three four five six")) == 0.0
