"""``svidok news import``: one line per file, bad files refused by name, the rest of the batch stored."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from svidok.incidents.models import Source
from svidok.ingest.models import Article
from tests.ingest import texts

pytestmark = pytest.mark.django_db


def news(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("news", *args, stdout=out, stderr=err)
        failed = None
    except CommandError as error:
        failed = str(error)
    return out.getvalue().splitlines(), err.getvalue().splitlines(), failed


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
