"""Extraction on generated texts: never a traceback, every quote cut verbatim from the text, every
type one of the vocabulary's (the pipeline reads whatever a feed brings)."""

import json

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svidok.ingest import reading
from svidok.ingest.extraction import pipeline
from tests.ingest import texts

PIECES = st.sampled_from([
    texts.ENGLISH, texts.RUSSIAN, texts.UKRAINIAN, "Police detained", "Поліція затримала", "задержали", "If ", "will be",
    "Armed soldiers went door-to-door", "in Kerch and Simferopol", "Sergei Aksenov", "погрожують звільненням", "\n\n", ", ",
    "— ", "«", "»", "“", "’", "17 березня", "on Sunday", "в ночь на 5 марта", "0" * 30, "ı ğ ñ q", "\U00017000", "\u202e", "!!!", "...",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=30)), max_size=8).map("".join)


@pytest.fixture(scope="module")
def resources():
    return pipeline.Resources.load(match_indexes=lambda: [])


@pytest.fixture(scope="module")
def types():
    vocabulary = json.loads((django_settings.DATA_DIR / "vocabularies.json").read_text())
    return {t["code"] for v in vocabulary["vocabularies"] if v["code"] == "incident_type" for t in v["terms"]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=TEXT, language=st.sampled_from(["en", "uk", "ru"]))
def test_any_text_gives_verbatim_quotes_of_known_types(resources, types, body, language):
    body = reading.normalize_text(body)
    for proposal in pipeline.extract(pipeline.Article(text=body, language=language), resources):
        assert body[proposal.quote_start:proposal.quote_end] == proposal.evidence_quote
        assert proposal.type in types
        assert 0 < proposal.confidence <= 1
        shown = proposal.as_json()
        assert shown["date"] is None or len(shown["date"]) in (4, 7, 10)
