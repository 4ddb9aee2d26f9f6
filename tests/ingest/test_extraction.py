"""Extraction (docs/news.md): the lexicon's patterns, the pipeline's decisions, the scoring of
``svidok news eval``. Texts are written for these tests."""

import datetime as dt

import pytest

from svidok.ingest import reading
from svidok.ingest.extraction import evaluation, lexicon, pipeline, text
from svidok.ingest.extraction.shapes import Sentence
from tests.ingest import texts


@pytest.fixture(scope="module")
def resources():
    # No registry or list matching here (test_extract_cli.py matches against the EU list).
    return pipeline.Resources.load(match_indexes=lambda: [])


def extract(body, language="en", resources=None, published=None):
    body = reading.normalize_text(body)
    return pipeline.extract(pipeline.Article(text=body, language=language, published=published), resources)


def sentence(words, language="en"):
    return text.words(Sentence(index=0, start=0, end=len(words), text=words), language)


# The lexicon


def pattern(source, language="en", kind="search"):
    return lexicon.compile_pattern(kind, language, source, 0.7)


def test_pattern_allows_the_gap_it_says_and_no_more():
    p = pattern("threaten* ~ dismiss*")
    assert lexicon._match(p, sentence("They threatened the two teachers with dismissal")) == (1, 6)
    assert lexicon._match(p, sentence("They threatened all of the nurses on the ward with dismissal")) is None
    wide = pattern("threaten* ~8 dismiss*")
    assert lexicon._match(wide, sentence("They threatened all of the nurses on the ward with dismissal")) is not None


def test_ukrainian_and_russian_words_match_by_lemma_in_any_form():
    uk = pattern("погрожувати ~ звільнення", language="uk")
    assert lexicon._match(uk, sentence("Директор погрожував їм звільненням", "uk")) is not None
    assert lexicon._match(uk, sentence("Погрожують звільненням усім, хто не прийде", "uk")) is not None
    ru = pattern("задержать", language="ru")
    assert lexicon._match(ru, sentence("Полицейские задержали двух мужчин", "ru")) is not None
    assert lexicon._match(ru, sentence("Полицейские отпустили двух мужчин", "ru")) is None



@pytest.mark.parametrize("language", ["uk", "ru"])
def test_a_letter_newer_than_the_unicode_tables_is_kept_as_written(language):
    # U+17000 is a letter to str.isalpha but has no unicodedata name on Python 3.11, which pymorphy3 asks for
    assert text.lemma("\U00017000ab", language) == "\U00017000ab"
    assert text.lemma("Поліція", language)  # the analyzer still works after it


@pytest.mark.parametrize(("source", "why"), [
    ("~ vote", "a gap must stand between two words"),
    ("force* ~", "a pattern needs a word at each end"),
    ("force* ~ ~ vote", "a gap must stand between two words"),
    ("force* || vote", "empty alternative"),
])
def test_a_broken_pattern_is_named_with_why(source, why):
    with pytest.raises(lexicon.LexiconError, match=why):
        lexicon.compile_pattern("forced_voting", "en", source, 0.5)


def test_lexicon_file_refuses_unknown_types_and_bad_entries():
    with pytest.raises(lexicon.LexiconError, match="format"):
        lexicon.parse({"entries": {}})
    with pytest.raises(lexicon.LexiconError, match="not an incident type"):
        lexicon.parse({"format": "svidok-news-lexicon", "entries": {"gossip": {"en": [["rumour", 0.5]]}}}, {"detention"})
    with pytest.raises(lexicon.LexiconError, match=r"\[pattern, weight\]"):
        lexicon.parse({"format": "svidok-news-lexicon", "entries": {"detention": {"en": ["detain*"]}}})
    with pytest.raises(lexicon.LexiconError, match="weight"):
        lexicon.parse({"format": "svidok-news-lexicon", "entries": {"detention": {"en": [["detain*", 3]]}}})


def test_shipped_lexicon_uses_only_vocabulary_types():
    import json

    from django.conf import settings

    vocabulary = json.loads((settings.DATA_DIR / "vocabularies.json").read_text())
    types = {t["code"] for v in vocabulary["vocabularies"] if v["code"] == "incident_type" for t in v["terms"]}
    data = json.loads(lexicon.lexicon_path().read_text())
    parsed = lexicon.parse(data, types)
    assert parsed.version and set(parsed.patterns) == {"en", "uk", "ru"}
    assert {"coerced_participation", "forced_voting", "threat_of_dismissal"} <= {p.type for p in parsed.patterns["en"]}


# The pipeline


def test_concrete_act_is_proposed_with_a_verbatim_quote(resources):
    body = ("Election officials toured the town on Sunday.\n\n"
            "Police detained two election observers outside a polling station on Sunday morning, their lawyer said.")
    [proposal] = extract(body, resources=resources)
    assert proposal.type == "detention"
    assert body[proposal.quote_start:proposal.quote_end] == proposal.evidence_quote
    assert proposal.evidence_quote.startswith("Police detained")


def test_prediction_is_not_an_incident(resources):
    body = ("Rights groups expect a difficult week.\n\n"
            "Activists fear that observers will be detained if they try to film the count.")
    assert extract(body, resources=resources) == []


def test_dismissal_threat_that_enforces_turnout_is_a_threat_of_dismissal(resources):
    [proposal] = extract(texts.UKRAINIAN.split("\n", 2)[2], "uk", resources)
    assert proposal.type == "threat_of_dismissal"
    assert "звільнення" in proposal.evidence_quote


def test_pressure_through_an_employer_is_coerced_participation_and_armed_collection_forced_voting(resources):
    employer = ("The vote went on for three days.\n\n"
                "Workers at the port were ordered by the management to vote and report back to their foremen.\n\n"
                "Nothing else happened.")
    armed = ("Nothing else happened at first.\n\n"
             "Soldiers went door-to-door with machine guns and forced residents to fill in ballots in their kitchens.")
    assert [p.type for p in extract(employer, resources=resources)] == ["coerced_participation"]
    assert [p.type for p in extract(armed, resources=resources)] == ["forced_voting"]


def test_the_same_act_said_in_the_next_sentence_is_one_proposal_covering_both(resources):
    body = ("The vote went on for three days.\n\n"
            "In one village police detained a farmer who refused to take a ballot. "
            "The farmer was detained for six hours, his wife said.")
    [proposal] = extract(body, resources=resources)
    assert proposal.evidence_quote == body[body.index("In one village"):]


def test_different_acts_in_one_sentence_are_two_proposals(resources):
    body = ("The vote went on for three days.\n\n"
            "Residents of the village were banned from leaving until the vote was over, and a teacher was detained by police.")
    assert sorted(p.type for p in extract(body, resources=resources)) == ["detention", "other"]


def test_russian_article_written_for_the_test(resources):
    body = "В Армянске полицейские задержали двух наблюдателей у избирательного участка.\n\nОб этом сообщили их адвокаты."
    assert [p.type for p in extract(body, "ru", resources)] == ["detention"]


def test_json_shape_is_what_the_command_prints(resources):
    body = "Nothing at first.\n\nPolice detained a journalist at a polling station, colleagues said."
    [proposal] = extract(body, resources=resources)
    shown = proposal.as_json()
    assert set(shown) == {"type", "date", "date_precision", "place", "victims", "victim_count", "perpetrators",
                          "reported_by", "evidence_quote", "confidence"}
    assert 0 < shown["confidence"] <= 1


# Scoring


def test_overlap_needs_common_characters():
    assert evaluation.overlaps((0, 100), (80, 200))
    assert not evaluation.overlaps((0, 100), (95, 200))
    assert evaluation.overlaps((10, 15), (0, 100))  # a short quote inside a long one
    assert not evaluation.overlaps((0, 10), (10, 20))


def test_one_proposal_cannot_find_two_labelled_incidents():
    report = evaluation.Report()
    body = "The first thing happened here in the town. The second thing happened there in the town."
    labels = [{"type": "detention", "evidence_quote": "The first thing happened here in the town."},
              {"type": "search", "evidence_quote": "The second thing happened there in the town."}]
    proposals = [{"type": "detention", "evidence_quote": body, "place": None, "date": None}]
    evaluation.score_article(report, name="a.txt", language="en", text=body, labels=labels, proposals=proposals)
    figures = report.total().figures()
    assert (figures["found"] if "found" in figures else report.total().found) == 1
    assert figures["precision"] == 1.0 and figures["recall"] == 0.5


def test_type_must_agree_for_the_typed_figure():
    report = evaluation.Report()
    body = "Police detained a man at the polling station in the town."
    labels = [{"type": "detention", "evidence_quote": body}]
    proposals = [{"type": "search", "evidence_quote": body, "place": None, "date": None}]
    evaluation.score_article(report, name="a.txt", language="en", text=body, labels=labels, proposals=proposals)
    figures = report.total().figures()
    assert figures["f1"] == 0.0 and figures["f1_untyped"] == 1.0


def test_labelled_names_of_types_are_the_vocabularys():
    report = evaluation.Report()
    body = "A court fined a woman who refused to vote, her lawyer said in the town."
    labels = [{"type": "fine_or_administrative_case", "evidence_quote": body}]
    proposals = [{"type": "administrative_case", "evidence_quote": body, "place": None, "date": None}]
    evaluation.score_article(report, name="a.txt", language="en", text=body, labels=labels, proposals=proposals)
    assert report.total().found == 1


def test_quote_with_other_quotation_marks_is_still_located():
    body = "He said: «they took us to the polls by bus», and left."
    assert evaluation.locate('they took us to the polls by bus', body) is not None
    assert evaluation.locate("he said: \"they took us to the polls by bus\"", body.lower()) is not None
    assert evaluation.locate("nothing of the kind was ever said here", body) is None


def test_published_date_is_carried(resources):
    article = pipeline.Article(text="Nothing.\n\nPolice detained a journalist at a polling station.", language="en",
                               published=dt.date(2024, 3, 18))
    assert pipeline.extract(article, resources)
