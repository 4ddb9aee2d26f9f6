"""``svidok news extract`` and ``svidok news eval``: JSON per file, bad files named, figures per language."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.ingest import texts
from tests.ingest.commands import news as run_news

# The command matches perpetrators against the registry, in the database.
pytestmark = pytest.mark.django_db

ARTICLE = """Observers detained in a town

The vote went on for three days in the town, and the election commission said that turnout was high,
although few people were seen at the polling stations in the centre during the first two days.

Police detained two election observers outside a polling station on Sunday morning, their lawyer said.

Residents said the school director told teachers to bring photographs of their ballots.
"""


def news(*args):
    """The command's standard output as one text (JSON objects, a table), its errors as lines."""
    out, err, failed = run_news(*args)
    return "\n".join(out), err, failed


def test_extract_prints_one_json_object_per_file_and_names_bad_ones(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.txt").write_text("")
    (tmp_path / "c.txt").write_text(texts.RUSSIAN)
    out, err, failed = news("extract", "--jsonl", *(str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")))
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["file"] for row in rows] == ["a.txt", "b.txt", "c.txt"]
    first = rows[0]
    assert first["language"] == "en" and first["published"] is None
    assert [i["type"] for i in first["incidents"]] == ["detention", "coerced_participation"]
    assert all(i["evidence_quote"] in ARTICLE for i in first["incidents"])
    assert rows[1]["incidents"] == [] and "empty" in rows[1]["error"]
    assert rows[2]["language"] == "ru"
    assert err == ["b.txt: is empty."]
    assert failed == "1 of 3 files could not be read (see above)."


def test_extract_takes_dates_and_outlets_from_the_index_and_options_override(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "index.jsonl").write_text(json.dumps({"file": "a.txt", "published": "2024-03-18", "source": "Town Herald"}) + "\n")
    out, _err, failed = news("extract", "--jsonl", str(tmp_path / "a.txt"))
    row = json.loads(out)
    assert failed is None and row["published"] == "2024-03-18" and row["outlet"] == "Town Herald"
    out, _err, _failed = news("extract", "--jsonl", "--published", "2020-06-25", "--language", "en", str(tmp_path / "a.txt"))
    assert json.loads(out)["published"] == "2020-06-25"


def test_extract_refuses_a_date_that_is_not_one(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    with pytest.raises(CommandError, match="not a date"):
        call_command("news", "extract", "--published", "18.03.2024", str(tmp_path / "a.txt"), stdout=io.StringIO())


def test_eval_scores_a_labelled_directory(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    quote = "Police detained two election observers outside a polling station on Sunday morning, their lawyer said."
    labels = {"file": "a.txt", "incidents": [{"type": "detention", "date": None, "place": None, "evidence_quote": quote},
                                             {"type": "search", "date": None, "place": None, "evidence_quote": "The vote went on"}]}
    (tmp_path / "labels.jsonl").write_text(json.dumps(labels) + "\n")
    out, _err, failed = news("eval", "--json", str(tmp_path))
    figures = json.loads(out)
    assert failed is None
    assert figures["en"]["labelled"] == 2 and figures["en"]["proposed"] == 2
    assert figures["en"]["precision"] == 0.5 and figures["en"]["recall"] == 0.5
    table, _err, _failed = news("eval", str(tmp_path))
    assert "| en | 1 | 2 | 2 | 0.50 | 0.50 | **0.50** |" in table


def test_eval_without_labels_says_so(tmp_path):
    _out, _err, failed = news("eval", str(tmp_path))
    assert failed == f"{tmp_path}: no labels.jsonl"


def test_extract_names_a_perpetrator_on_the_eu_list_by_the_lists_spelling(tmp_path):
    article = ARTICLE.replace(
        "Residents said the school director told teachers to bring photographs of their ballots.",
        "Residents said that officials of Sergei Aksenov ordered teachers to bring photographs of their ballots.")
    (tmp_path / "a.txt").write_text(article)
    out, _err, failed = news("extract", "--jsonl", str(tmp_path / "a.txt"))
    incidents = json.loads(out)["incidents"]
    assert failed is None
    assert any("Sergey Aksyonov (EU list)" in i["perpetrators"] for i in incidents), incidents
