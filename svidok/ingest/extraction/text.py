"""Sentences and words of an article, with lemmas (extraction stage 1, docs/news.md).

Sentences come from ``razdel`` (rule-based, made for Russian, good on Ukrainian and English news
text), cut within each paragraph so a sentence never spans a blank line. Words are runs of letters
(an apostrophe or hyphen inside a word keeps it whole: "з'їв", "door-to-door"); a Ukrainian or
Russian word's lemma is ``pymorphy3``'s first normal form, an English word's is its lower case (the
lexicon's English patterns match forms and prefixes instead).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

from razdel import sentenize

from svidok.ingest.extraction.shapes import Sentence
from svidok.names.text import parses

# pymorphy announces each dictionary it loads (natasha brings pymorphy2 along).
logging.getLogger("pymorphy3").setLevel(logging.WARNING)
logging.getLogger("pymorphy2").setLevel(logging.WARNING)
_PARAGRAPH = re.compile(r"\n\s*\n")
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ\-][^\W\d_]+)*|\d+")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})


@dataclass(frozen=True)
class Word:
    text: str
    lower: str
    lemma: str
    start: int  # offset in the article's text
    end: int


def sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` with their offsets and the paragraph (blank-line block) of each."""
    found: list[Sentence] = []
    position = 0
    for paragraph, block in enumerate(_PARAGRAPH.split(text)):
        start = text.index(block, position) if block else position
        position = start + len(block)
        for piece in sentenize(block):
            if any(ch.isalpha() for ch in piece.text):
                found.append(Sentence(index=len(found), start=start + piece.start, end=start + piece.stop,
                                      text=piece.text, paragraph=paragraph))
    return found


@functools.lru_cache(maxsize=2)
def _analyzer(language: str):
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=language)


@functools.lru_cache(maxsize=200_000)
def lemma(word: str, language: str) -> str:
    lower = word.lower().translate(_APOSTROPHES)
    if language not in ("uk", "ru") or not lower.isalpha() and "'" not in lower and "-" not in lower:
        return lower
    parsed = parses(_analyzer(language), lower)
    return parsed[0].normal_form.replace("ё", "е") if parsed else lower


def words(sentence: Sentence, language: str) -> list[Word]:
    out = []
    for match in _WORD.finditer(sentence.text):
        raw = match.group()
        lower = raw.lower().translate(_APOSTROPHES)
        out.append(Word(text=raw, lower=lower, lemma=lemma(raw, language), start=sentence.start + match.start(),
                        end=sentence.start + match.end()))
    return out


def load(languages=("uk", "ru")) -> None:
    """Load the morphological dictionaries now (about 0.1 s), not at the first article."""
    for language in languages:
        _analyzer(language)
