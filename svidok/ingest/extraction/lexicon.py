"""The pressure lexicon (``data/news/lexicon.json``) and the trigger stage (docs/news.md).

An entry is a pattern of word tests with a weight, per incident type and language. A word test is
one or more alternatives separated by ``|``; an alternative ending in ``*`` matches any word
starting with it, otherwise it matches the word's lemma or its lower-case form. Between tests,
``~`` allows up to 4 other words (``~8``: up to 8). Patterns are matched inside one sentence.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from svidok.ingest.extraction.shapes import Trigger
from svidok.ingest.extraction.text import Word

DEFAULT_GAP = 4


class LexiconError(ValueError):
    """The lexicon file is not usable: names the entry and why."""


@dataclass(frozen=True)
class Test:
    exact: frozenset[str]
    prefixes: tuple[str, ...]

    def matches(self, word: Word) -> bool:
        if word.lemma in self.exact or word.lower in self.exact:
            return True
        # str.startswith takes a tuple: one call for every prefix.
        return bool(self.prefixes) and (word.lower.startswith(self.prefixes) or word.lemma.startswith(self.prefixes))


@dataclass(frozen=True)
class Pattern:
    type: str
    language: str
    source: str
    weight: float
    tests: tuple[Test, ...]
    gaps: tuple[int, ...]  # gaps[i]: how many words may stand between tests[i] and tests[i+1]


@dataclass(frozen=True)
class Lexicon:
    version: str
    patterns: dict[str, tuple[Pattern, ...]]  # by language
    retype: tuple[dict, ...]
    not_incident: dict[str, tuple[Test, ...]]
    general: dict[str, Test]
    groups: dict[str, Test]  # victim groups: key -> the words that name it, any language
    first_person: dict[str, Test]
    claim: dict[str, Test]
    new_act: dict[str, Test]      # "another", "a similar": the sentence tells of a further act
    locative: dict[str, Test]     # "in", "у": the place an act happened in follows
    conjunction: dict[str, Test]  # "and", "і": places joined by it are places of one report each
    negation: dict[str, Test]     # "no one was detained", "нікого не затримали": not an act

    def group_of(self, words: list[Word]) -> str | None:
        """The first victim group a sentence names ("employees", "parents"…), if any."""
        for word in words:
            for key, test in self.groups.items():
                if test.matches(word):
                    return key
        return None

    def triggers(self, sentence_index: int, words: list[Word], language: str) -> list[Trigger]:
        found = []
        for pattern in self.patterns.get(language, ()):
            span = _match(pattern, words)
            if span is not None:
                first, last = span
                found.append(Trigger(type=pattern.type, sentence=sentence_index, start=words[first].start,
                                     end=words[last].end, as_written=" ".join(w.text for w in words[first:last + 1]),
                                     entry=pattern.source, weight=pattern.weight))
        return found


def _test(text: str) -> Test:
    exact, prefixes = set(), []
    for alternative in text.split("|"):
        alternative = alternative.strip().lower().replace("ё", "е").replace("’", "'")
        if not alternative:
            raise LexiconError(f"empty alternative in “{text}”")
        if alternative.endswith("*"):
            prefixes.append(alternative[:-1])
        else:
            exact.add(alternative)
    return Test(exact=frozenset(exact), prefixes=tuple(prefixes))


def compile_pattern(kind: str, language: str, source: str, weight: float) -> Pattern:
    tests, gaps, pending_gap = [], [], 0
    for token in source.split():
        if token.startswith("~"):
            if not tests or pending_gap:
                raise LexiconError(f"{kind}/{language}: “{source}”: a gap must stand between two words")
            pending_gap = int(token[1:] or DEFAULT_GAP)
            continue
        if tests:
            gaps.append(pending_gap)
        tests.append(_test(token))
        pending_gap = 0
    if not tests or pending_gap:
        raise LexiconError(f"{kind}/{language}: “{source}”: a pattern needs a word at each end")
    if not 0 < weight <= 1:
        raise LexiconError(f"{kind}/{language}: “{source}”: the weight must be above 0 and at most 1")
    return Pattern(type=kind, language=language, source=source, weight=weight, tests=tuple(tests), gaps=tuple(gaps))


def _match(pattern: Pattern, words: list[Word]) -> tuple[int, int] | None:
    """The first, shortest span of ``words`` the pattern matches, as (first, last) word indexes."""
    tests, gaps = pattern.tests, pattern.gaps
    for first, word in enumerate(words):
        if not tests[0].matches(word):
            continue
        position, ok = first, True
        for test, gap in zip(tests[1:], gaps, strict=True):
            for candidate in range(position + 1, min(len(words), position + gap + 2)):
                if test.matches(words[candidate]):
                    position = candidate
                    break
            else:
                ok = False
                break
        if ok:
            return first, position
    return None


def parse(data: dict, incident_types: set[str] | None = None) -> Lexicon:
    if not isinstance(data, dict) or data.get("format") != "svidok-news-lexicon":
        raise LexiconError("not a Svidok news lexicon (its “format” must be svidok-news-lexicon)")
    patterns: dict[str, list[Pattern]] = {}
    for kind, by_language in data.get("entries", {}).items():
        if incident_types is not None and kind not in incident_types:
            raise LexiconError(f"{kind}: not an incident type of the vocabulary")
        for language, entries in by_language.items():
            for entry in entries:
                if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
                    raise LexiconError(f"{kind}/{language}: each entry is [pattern, weight]: {entry!r}")
                patterns.setdefault(language, []).append(compile_pattern(kind, language, entry[0], float(entry[1])))
    retype = []
    for rule in data.get("retype", []):
        retype.append({"from": rule["from"], "to": rule["to"],
                       "when": _test("|".join(rule["when"])), "unless": _test("|".join(rule.get("unless", [])) or "\u0000")})
    not_incident = {language: tuple(_test(word) for word in words) for language, words in data.get("not_incident", {}).items()}
    def word_sets(key: str) -> dict[str, Test]:
        return {language: _test("|".join(words)) for language, words in data.get(key, {}).items()}

    return Lexicon(version=str(data.get("version", "")), patterns={k: tuple(v) for k, v in patterns.items()},
                   retype=tuple(retype), not_incident=not_incident, general=word_sets("general"),
                   groups=word_sets("groups"), first_person=word_sets("first_person"), claim=word_sets("claim"),
                   new_act=word_sets("new_act"), locative=word_sets("locative"), conjunction=word_sets("conjunction"),
                   negation=word_sets("negation"))


def lexicon_path() -> Path:
    return Path(settings.DATA_DIR) / "news" / "lexicon.json"


@functools.lru_cache(maxsize=4)
def load(path: str | None = None) -> Lexicon:
    file = Path(path) if path else lexicon_path()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LexiconError(f"{file.name}: cannot be read ({error.__class__.__name__})") from None
    return parse(data)
