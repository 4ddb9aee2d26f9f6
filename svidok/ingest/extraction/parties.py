"""The parties stage of extraction: who did it, to whom, who reports it (docs/news.md "Parties").

Plain functions over one sentence or one article, no database:

* :func:`find_parties` — the persons, organizations and groups a sentence names, with spans in
  the article's text. Russian and Ukrainian go through natasha's NER (weights inside its wheel),
  cleaned up with pymorphy3: place words and titles cut off a PER span ("Криму Сергій Аксьонов"
  → "Сергій Аксьонов"), a span that is only a place dropped, "ФСБ" + "России" merged, «…»-quoted
  names kept whole. English has a rule layer: runs of capitalised words (an organization when a
  head word such as "Group", "Council", "Ministry" or an acronym is in it, a person otherwise),
  "the so-called X", titles ("Melitopol Mayor Ivan Fedorov", "X, head of …"). Everywhere,
  **group nouns** from ``data/news/parties.json`` ("employees of the enterprise",
  "крымских татар", "озброєні групи окупантів") become ``kind="group"`` parties written as the
  short noun phrase of the text.
* :func:`assign_roles` — victim / perpetrator / reporter around a trigger, by voice, position and
  case (the rules are in its docstring), then by the noun's lean in the lexicon.
* :func:`reporters` — who reports an article's incidents: sources cited with a reporting word
  ("according to", "said", "повідомляє", "сообщает"), plus the outlet; deduplicated.
* :func:`victim_count` — an exact count of victims, or None.
* :func:`match_parties` — persons (and organizations of two words or more) against the registry
  or a reference list (``svidok.names`` matcher); :func:`list_index` builds the EU list's index
  from its CSV without the database.

Models (natasha, pymorphy3, the lexicon) load once per process: :meth:`Models.load`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from svidok.ingest.extraction.shapes import Party
from svidok.names.text import parses

if TYPE_CHECKING:
    from svidok.names.index import MatchIndex

LEXICON_PATH = Path(settings.DATA_DIR) / "news" / "parties.json"
EU_LIST_PATH = Path(settings.DATA_DIR) / "sanctions" / "eu-regulation-269-2014-annex-i.csv"
EU_LIST = "EU list"
MAX_SENTENCE = 1500  # characters of one piece given to the tagger

VICTIM, PERPETRATOR, REPORTER = "victim", "perpetrator", "reporter"
PERSON, ORGANIZATION, GROUP = "person", "organization", "group"

_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]", re.UNICODE)
_QUOTED = re.compile(r"«([^«»]{2,80})»|“([^“”]{2,80})”|\"([^\"]{2,80})\"")
# Words written in capitals that name nobody: a ballot's answers, emphasis.
_NOT_ACRONYMS = {"NO", "YES", "NOT", "OK", "AND", "OR", "THE", "ALL", "NEW", "НЕТ", "ДА", "НІ", "ТАК", "НЕ", "ВСЕ", "ВСІ"}
_ACRONYM = re.compile(r"^[A-ZА-ЯЁІЇЄҐ]{2,6}$")
_CLAUSE_BREAK = {";", ":", "—", "–", "(", ")"}
_PATRONYMIC = re.compile(r"(ovich|evich|ovych|evych|yovych|ivna|ovna|evna|yivna|ich|ych)$", re.I)


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # in the sentence
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower().replace("’", "'")


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


class Models:
    """natasha's segmenter and NER tagger, pymorphy3 for Russian and Ukrainian, and the lexicon
    of ``data/news/parties.json``. Load with :meth:`load` (cached: once per process)."""

    def __init__(self, lexicon: dict, *, segmenter=None, ner=None, morph=None):
        self.lexicon = lexicon
        self.version = lexicon.get("version", "")
        self.segmenter = segmenter
        self.ner = ner
        self.morph = morph or {}
        self.groups = {lang: {tuple(k.split()): tuple(v) for k, v in entries.items()}
                       for lang, entries in lexicon["groups"].items()}
        self.titles = {lang: set(words) for lang, words in lexicon["titles"].items()}
        self.org_heads = {lang: set(words) for lang, words in lexicon["organization_heads"].items()}
        self.not_names = {lang: set(words) for lang, words in lexicon["not_names"].items()}
        self.places = set(lexicon["places"]["words"])
        self.reporting = lexicon["reporting"]
        self.approximate = {lang: [tuple(p.split()) for p in phrases] for lang, phrases in lexicon["approximate"].items()}
        self.numbers = lexicon["numbers"]
        self.seconds = 0.0

    @classmethod
    @functools.cache
    def load(cls) -> Models:
        started = time.perf_counter()
        import pymorphy3
        from natasha import NewsEmbedding, NewsNERTagger, Segmenter

        lexicon = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
        models = cls(lexicon, segmenter=Segmenter(), ner=NewsNERTagger(NewsEmbedding()),
                     morph={"ru": pymorphy3.MorphAnalyzer(lang="ru"), "uk": pymorphy3.MorphAnalyzer(lang="uk")})
        models.seconds = time.perf_counter() - started
        _one_blas_thread()
        return models

    # -- word analysis (cached: the same words come back in every article) --------------------------

    def parses(self, language: str, word: str):
        return _parses(self.morph[language], word.lower())

    def lemmas(self, language: str, word: str) -> set[str]:
        """Every normal form the word may have (English: a naive singular)."""
        low = word.lower().replace("’", "'")
        if language == "en":
            return {low, english_singular(low)}
        return {low, *(p.normal_form.replace("’", "'") for p in self.parses(language, low))}

    def tags(self, language: str, word: str) -> list[frozenset]:
        """The grammemes of each reading (as sets of strings: the Ukrainian tag set lacks some
        Russian grammemes, and pymorphy3's tags refuse to test for an unknown one)."""
        if language == "en":
            return []
        return _tags(self.morph[language], word.lower())


def _one_blas_thread() -> None:
    """natasha's tagger multiplies small matrices through numpy's OpenBLAS, whose worker threads
    cost more than they save on a sentence: on the shared 2-core machine a sentence took 4-40 ms
    with them and 1.3 ms without. Limited to one thread when threadpoolctl is installed (the
    command line can set ``OPENBLAS_NUM_THREADS=1`` before numpy loads, to the same effect)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1, user_api="blas")


@functools.lru_cache(maxsize=50_000)
def _parses_cached(morph_id: int, word: str):
    return tuple(parses(_MORPHS[morph_id], word)[:4])


_MORPHS: dict[int, object] = {}


def _parses(morph, word: str):
    _MORPHS.setdefault(id(morph), morph)
    return _parses_cached(id(morph), word)


@functools.lru_cache(maxsize=50_000)
def _tags_cached(morph_id: int, word: str) -> list[frozenset]:
    return [frozenset(str(p.tag).replace(" ", ",").split(",")) for p in _parses_cached(morph_id, word)]


def _tags(morph, word: str) -> list[frozenset]:
    _MORPHS.setdefault(id(morph), morph)
    return _tags_cached(id(morph), word)


_IRREGULAR = {"men": "man", "women": "woman", "people": "people", "children": "child", "staff": "staff",
              "police": "police", "gunmen": "gunman", "policemen": "policeman", "servicemen": "serviceman",
              "schoolchildren": "schoolchild", "authorities": "authority", "families": "family"}


def english_singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


# -- finding parties ---------------------------------------------------------------------------------

def find_parties(text: str, offset: int, language: str, models: Models, *, exclude=(), known_persons=()) -> list[Party]:
    """The parties named in one sentence ``text`` (which starts at ``offset`` in the article), in
    the order of the text, with ``role=""`` (:func:`assign_roles` decides). ``exclude``: spans
    (``(start, end)`` in the article, or objects with ``start``/``end``, e.g. the places stage's
    mentions) that are not parties. ``known_persons``: full names found earlier in the article
    (:func:`full_names`); a surname alone that is one of theirs ("Aksyonov said", "Гайдая")
    becomes that person, with ``refers_to`` set."""
    if language not in ("en", "ru", "uk"):
        return []
    if len(text) > MAX_SENTENCE:
        # A "sentence" of a page without punctuation can be huge: read it in pieces cut at a space
        # (natasha's cost and memory grow with its input), each piece with its own offset.
        cut = text.rfind(" ", MAX_SENTENCE // 2, MAX_SENTENCE)
        cut = cut if cut > 0 else MAX_SENTENCE
        return (find_parties(text[:cut], offset, language, models, exclude=exclude, known_persons=known_persons)
                + find_parties(text[cut:], offset + cut, language, models, exclude=exclude, known_persons=known_persons))
    tokens = tokenize(text)
    blocked = [(s - offset, e - offset) for s, e in (_span(x) for x in exclude)]
    if language == "en":
        named = _english_names(text, tokens, models)
    else:
        named = _natasha_names(text, language, models)
    named = [p for p in named if not _overlaps((p.start, p.end), blocked)]
    if known_persons:
        named = _surnames(text, tokens, language, models, named, known_persons)
    groups = _groups(text, tokens, language, models, taken=[(p.start, p.end) for p in named] + blocked,
                     persons=[(p.start, p.end) for p in named if p.kind == PERSON] + blocked)
    found = sorted(named + groups, key=lambda p: (p.start, -p.end))
    result: list[Party] = []
    titles = models.titles[language]
    # "Serhii Haidai, Head of the Luhansk Oblast Military Administration, said": what stands
    # between the commas after a person, starting with a title, is the person's title, not a party.
    appositions = []
    for person in (p for p in found if p.kind == PERSON):
        after = re.match(r",\s+(?:the\s+|a\s+|an\s+)?([\w’'-]+)[^,;.()]{0,100}", text[person.end:])
        if after and models.lemmas(language, after.group(1)) & titles:
            appositions.append((person.end + 1, person.end + after.end()))
    for party in found:
        if any(party.start >= r.start and party.end <= r.end for r in result):
            continue  # inside a longer party already kept ("FSB" inside "officers of the FSB")
        if party.kind != PERSON and any(a <= party.start and party.end <= b for a, b in appositions):
            continue
        result.append(party)
    return [replace(p, start=p.start + offset, end=p.end + offset) for p in result]


def full_names(parties) -> list[str]:
    """The persons of two words or more among ``parties`` (for ``known_persons``), each once."""
    names: list[str] = []
    for party in parties:
        if party.kind == PERSON and len(party.as_written.split()) >= 2 and party.as_written not in names:
            names.append(party.as_written)
    return names


def _surname_key(word: str, language: str, models: Models) -> set[str]:
    word = re.sub(r"['’]s$", "", word)
    return models.lemmas(language, word) if language != "en" else {word.lower()}


def _surnames(text, tokens, language, models, named, known_persons) -> list[Party]:
    """A capitalised word that is the surname of a person named before (natasha's one-word PER
    span, or a word no rule read as a name) refers to that person."""
    surnames = {}
    for full in known_persons:
        last = full.split()[-1]
        for key in _surname_key(last, language, models):
            surnames.setdefault(key, full)
    out = []
    for party in named:
        if party.kind == PERSON and len(party.as_written.split()) == 1:
            full = next((surnames[k] for k in _surname_key(party.as_written, language, models) if k in surnames), None)
            if full:
                party = replace(party, refers_to=full)
        out.append(party)
    taken = [(p.start, p.end) for p in out]
    for t in tokens:
        if not t.text[:1].isupper() or _overlaps((t.start, t.end), taken):
            continue
        full = next((surnames[k] for k in _surname_key(t.text, language, models) if k in surnames), None)
        if full:
            end = t.start + len(re.sub(r"['’]s$", "", t.text))
            out.append(Party(as_written=text[t.start:end], kind=PERSON, role="", start=t.start, end=end, refers_to=full))
    return sorted(out, key=lambda p: p.start)


def _span(item) -> tuple[int, int]:
    if isinstance(item, tuple):
        return item
    return item.start, item.end


def _overlaps(span, spans) -> bool:
    return any(span[0] < e and s < span[1] for s, e in spans)


def _is_place(models: Models, language: str, words: list[str]) -> bool:
    """A word sequence that names a place: the lexicon's place words, or (Russian) pymorphy3's
    Geox tag on every word that is not a generic place noun."""
    lowered = " ".join(w.lower() for w in words)
    if lowered in models.places or (words and words[0].lower() in models.places and len(words) == 1):
        return True
    if language != "en" and words:
        lemmas = set().union(*(models.lemmas(language, w) for w in words))
        if lemmas & models.places:
            return True
        if language == "ru" and all(any("Geox" in t for t in models.tags(language, w)) for w in words):
            return True
    return False


def _english_names(text: str, tokens: list[Token], models: Models) -> list[Party]:
    """Runs of capitalised words (joined by "of", "the", "for", "and" when an organization head
    word makes them one name), classified: organization (a head word, an acronym, "so-called",
    a quoted name after an organization noun), person (two to four name words), else nothing."""
    heads, not_names, titles = models.org_heads["en"], models.not_names["en"], models.titles["en"]
    parties: list[Party] = []
    # A headline in title case ("Russian Invaders Holding Elections In Occupied Areas") says
    # nothing by its capitals: no names are read from it but acronyms.
    words = [t for t in tokens if t.text[:1].isalpha() and t.lower not in _HEADLINE_SMALL]
    headline = len(words) >= 6 and sum(1 for t in words if t.text[:1].isupper()) >= 0.8 * len(words)
    i, n = 0, len(tokens)

    def capital(t: Token) -> bool:
        return t.text[:1].isupper() and t.text[:1].isalpha()

    while i < n:
        if not capital(tokens[i]):
            i += 1
            continue
        j = i
        while j + 1 < n:
            nxt = tokens[j + 1]
            if capital(nxt) or nxt.text in ("'s",):
                j += 1
            elif nxt.lower in ("of", "the", "for", "on") and j + 2 < n and (capital(tokens[j + 2]) or tokens[j + 2].lower in ("the",)):
                # a connector stays inside only before a capital (or "of the" + capital)
                k = j + 2 if capital(tokens[j + 2]) else j + 3
                if k < n and capital(tokens[k]):
                    j = k
                else:
                    break
            else:
                break
        run = tokens[i:j + 1]
        if headline:
            # only acronyms keep their meaning in a headline ("FSB", "QHA")
            parties.extend(Party(as_written=t.text, kind=ORGANIZATION, role="", start=t.start, end=t.end)
                           for t in run if _ACRONYM.match(t.text) and t.lower not in models.places and t.text not in _NOT_ACRONYMS)
        else:
            parties.extend(_classify_english_run(text, run, tokens, i, heads, not_names, titles, models))
        i = j + 1
    # "the so-called X": X an organization or group (commissions, authorities, "referendum" bodies)
    for m in re.finditer(r"\bso-called\s+(?:[\"“«]([^\"”»]{2,60})[\"”»]|((?:[\w-]+\s+){0,2}[\w-]+))", text, re.I):
        phrase = m.group(1) or m.group(2)
        last = english_singular(phrase.split()[-1].lower()) if phrase.split() else ""
        if last in heads or tuple(phrase.lower().split()[-1:]) in models.groups["en"] or last in {"commission", "authority"}:
            parties.append(Party(as_written=text[m.start():m.end()], kind=ORGANIZATION, role="", start=m.start(), end=m.end()))
    return parties


_HEADLINE_SMALL = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "by", "with", "under", "from", "as"}


def _classify_english_run(text, run, tokens, first_index, heads, not_names, titles, models) -> list[Party]:
    # Drop leading sentence-start function words and trailing connectors.
    while run and (run[0].lower in _FUNCTION_WORDS or run[0].lower in models.numbers["en"]):
        run = run[1:]
    while run and run[-1].lower in ("of", "the", "for", "and", "on", "'s"):
        run = run[:-1]
    if not run:
        return []

    def name_like(t: Token) -> bool:
        low = re.sub(r"'s$", "", t.lower)
        singular = english_singular(low)
        return (t.text[:1].isupper() and not t.text.isupper() and low not in not_names and singular not in not_names
                and low not in models.places and singular not in heads and low not in titles and low not in _FUNCTION_WORDS
                and (singular,) not in models.groups["en"] and low not in models.numbers["en"])

    # A person at the end of the run, after a title, a place or an organization: "Melitopol Mayor
    # Ivan Fedorov", "head of the Lugansk OVA Serhiy Gaidai" (what comes before is the title).
    k = len(run)
    while k > 0 and name_like(run[k - 1]) and len(run) - k < 4:
        k -= 1
    if len(run) - k >= 2:
        start, end = run[k].start, run[-1].end
        before = text[max(0, start - 5):start].lower()
        if k == 0 and len(run) - k == 2 and re.search(r"\b(in|near|from|to)\s$", before):
            return []  # "in Novy Melitopol": a place after a place preposition
        return [Party(as_written=text[start:end], kind=PERSON, role="", start=start, end=end)]
    start, end = run[0].start, run[-1].end
    written = text[start:end]
    words = [t.text for t in run]
    singular = [english_singular(w.lower()) for w in words]
    if any(w in heads for w in singular) or any(_ACRONYM.match(w) and w not in _NOT_ACRONYMS for w in words):
        if len(run) == 1 and run[0].lower in models.places:
            return []
        # "Mejlis of the Crimean Tatar people": a lower-case noun right after closes the name.
        after = text[end:end + 20]
        tail = re.match(r"\s+(people|nation|movement|party|group|union|council|committee)\b", after)
        if tail:
            end += tail.end()
            written = text[start:end]
        return [Party(as_written=written, kind=ORGANIZATION, role="", start=start, end=end)]
    return []


def _natasha_names(text: str, language: str, models: Models) -> list[Party]:
    from natasha import Doc

    doc = Doc(text)
    doc.segment(models.segmenter)
    doc.tag_ner(models.ner)
    spans = list(doc.spans)
    parties: list[Party] = _adjective_organizations(text, language, models)
    skip = {n for n, span in enumerate(spans) if _overlaps((span.start, span.stop), [(p.start, p.end) for p in parties])}
    for number, span in enumerate(spans):
        if number in skip:
            continue
        if span.type == "PER":
            party = _clean_person(text, span.start, span.stop, language, models)
            if party and any(models.lemmas(language, w) & models.org_heads[language] for w in party.as_written.split()):
                party = replace(party, kind=ORGANIZATION)  # "Радою Федерації": natasha's person is a body
            if party:
                parties.append(party)
        elif span.type == "ORG":
            start, end = span.start, span.stop
            # "ФСБ России", "МВД РФ": an organization followed by its country.
            if number + 1 < len(spans) and spans[number + 1].type == "LOC" and text[end:spans[number + 1].start].strip() == "":
                follower = text[spans[number + 1].start:spans[number + 1].stop]
                if any("gent" in t for t in models.tags(language, follower)) or follower.isupper():
                    end = spans[number + 1].stop
                    skip.add(number + 1)
            # "«Крымская правозащитная группа»": keep the quotes' content whole.
            if text[start - 1:start] == "«" and "»" in text[end:end + 40]:
                end = text.index("»", end)
            words = text[start:end].split()
            if _is_place(models, language, words):
                continue
            parties.append(Party(as_written=text[start:end], kind=ORGANIZATION, role="", start=start, end=end))
    taken = [(p.start, p.end) for p in parties]
    # «…» names natasha missed, and acronyms (КФУ, ЗСУ, СБУ).
    for m in re.finditer(r"«([А-ЯЁІЇЄҐA-Z][^«»]{1,70})»", text):
        if _overlaps((m.start(), m.end()), taken):
            continue
        if len(m.group(1).split()) <= 7:
            parties.append(Party(as_written=m.group(1), kind=ORGANIZATION, role="", start=m.start(1), end=m.end(1)))
            taken.append((m.start(), m.end()))
    for m in re.finditer(r"\b(?:[А-ЯЁІЇЄҐ]{2,6}|[A-Z]{2,6})\b", text):
        if _overlaps((m.start(), m.end()), taken) or m.group().lower() in models.places or m.group() in _NOT_ACRONYMS:
            continue
        end = m.end()
        # "ФСБ России", "МВД РФ": the country in the genitive belongs to the name.
        country = re.match(r"\s+([А-ЯЁІЇЄҐ][\w’'-]+)", text[end:])
        if country and models.lemmas(language, country.group(1)) & models.places and (
                country.group(1).isupper() or any("gent" in t for t in models.tags(language, country.group(1))[:2])):
            end += country.end()
        parties.append(Party(as_written=text[m.start():end], kind=ORGANIZATION, role="", start=m.start(), end=end))
        taken.append((m.start(), end))
    return parties


def _adjective_organizations(text: str, language: str, models: Models) -> list[Party]:
    """Russian and Ukrainian capitalise only the first word of a name: a capitalised adjective
    and up to three lower-case words ending in an organization noun is one organization
    ("Кримська правозахисна група", "Центральная избирательная комиссия"), which natasha
    sometimes reads as a person ("Кримська")."""
    heads = models.org_heads[language]
    tokens = tokenize(text)
    found = []
    for i, t in enumerate(tokens):
        if not t.text[:1].isupper() or t.text.isupper() or not any("ADJF" in tg for tg in models.tags(language, t.text)[:2]):
            continue
        for k in range(i + 1, min(len(tokens), i + 4)):
            word = tokens[k]
            if not word.text[:1].islower():
                break
            if models.lemmas(language, word.text) & heads:
                pair = [models.lemmas(language, x.text) for x in (tokens[k - 1], word)]
                if any((a, b) in models.groups[language] for a in pair[0] for b in pair[1]):
                    break  # "Озброєні групи": a group of the lexicon, not a name
                found.append(Party(as_written=text[t.start:word.end], kind=ORGANIZATION, role="", start=t.start, end=word.end))
                break
            if not any(tg & {"ADJF", "PRTF"} for tg in models.tags(language, word.text)[:2]):
                break
    return found


def _clean_person(text: str, start: int, end: int, language: str, models: Models) -> Party | None:
    """natasha's PER span without the place words and titles at its start; None when what is
    left is not a name (a place, a month, a common noun)."""
    words = [(m.group(), start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
    titles = models.titles[language]
    while words:
        word = words[0][0].strip(",.")
        tags = models.tags(language, word)
        lemmas = models.lemmas(language, word)
        is_name = any(("Name" in t or "Surn" in t or "Patr" in t) for t in tags)
        if lemmas & titles or lemmas & models.places or (tags and tags[0] & {"CONJ", "PREP", "PRCL"}) and word[:1].islower():
            words = words[1:]
        elif not is_name and (language == "ru" and any("Geox" in t for t in tags)
                              or any("inan" in t for t in tags[:1]) or lemmas & models.not_names[language]):
            words = words[1:]
        else:
            break
    if not words:
        return None
    names = [w for w, _s, _e in words]
    if _is_place(models, language, names):
        return None
    if not any(any(t & {"Name", "Surn", "Patr"} for t in models.tags(language, w)) for w in names):
        # No word pymorphy3 knows as a name: natasha's guess stands only for several capitalised
        # words none of which is an ordinary word ("Окрім", "Коли", "Старобільськ", "Луганської"
        # at the start of a sentence are not persons).
        if len(names) == 1 or any(any(t & {"inan", "ADJF", "PREP", "CONJ", "ADVB", "PRCL", "NPRO"} for t in models.tags(language, w)[:1])
                                  for w in names):
            return None
    end = words[-1][2]
    if len(names) == 1 and any("Name" in t for t in models.tags(language, names[0])):
        # natasha stops at a surname it does not know ("Владислава Єсипенка"): a given name alone
        # takes the capitalised word right after it.
        after = re.match(r" ([А-ЯЁІЇЄҐ][а-яёіїєґ'’-]+)", text[end:])
        if after and not (models.lemmas(language, after.group(1)) & models.places):
            end += after.end()
    return Party(as_written=text[words[0][1]:end], kind=PERSON, role="", start=words[0][1], end=end)


# -- group nouns ---------------------------------------------------------------------------------------

_FUNCTION_WORDS = {"the", "a", "an", "in", "on", "at", "if", "when", "but", "and", "this", "that", "these", "those",
                   "they", "he", "she", "it", "we", "i", "you", "there", "after", "before", "for", "however", "also",
                   "according", "since", "while", "as", "with", "from", "by", "to", "of", "or", "so", "then", "thus",
                   "yesterday", "today", "meanwhile", "furthermore", "moreover", "accordingly", "earlier", "later",
                   "now", "another", "every", "all", "some", "many", "most", "his", "her", "their", "our", "its",
                   "what", "who", "where", "why", "how", "despite", "following", "under", "during", "even", "only",
                   "although", "though", "because", "once", "instead", "still", "yet"}
_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
_EN_DATE_WORDS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                  "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                  "yesterday", "today", "on", "during", "after", "before", "since", "until"}
_EN_LEFT = {"all", "the", "some", "many", "local", "primary", "school", "public", "sector", "state", "budget",
            "city", "hospital", "other", "employed", "working", "young", "elderly", "ordinary", "these", "those",
            "its", "their", "his", "her", "our", "of", "both", "most", "several", "numerous", "armed", "unemployed", "large", "small", "pro-ukrainian", "pro-russian", "russian", "ukrainian",
            "crimean", "tatar", "occupying", "occupation", "enterprise", "company", "factory", "plant", "municipal"}
_EN_RIGHT_STOP = {"were", "was", "are", "is", "be", "been", "had", "have", "has", "to", "and", "but", "that", "said",
                  "would", "will", "could", "should", "did", "do", "does", "they", "he", "she", "it", "who", "which",
                  "if", "when", "because", "unless", "although", "while", "so", "as", "than", "or", "not"}
_RELATIVE = {"en": ("who", "which"), "ru": ("которые", "который", "которых", "которая", "кто"),
             "uk": ("які", "який", "яких", "яка", "хто")}


def _groups(text: str, tokens: list[Token], language: str, models: Models, *, taken, persons=()) -> list[Party]:
    lexicon = models.groups[language]
    parties: list[Party] = []
    lemmas = [models.lemmas(language, t.text) if t.text[:1].isalpha() else set() for t in tokens]
    used: set[int] = set()
    for i in range(len(tokens)):
        if i in used:
            continue
        entry = None
        if i + 1 < len(tokens) and lemmas[i + 1]:
            pair = next(((a, b) for a in lemmas[i] for b in lemmas[i + 1] if (a, b) in lexicon), None)
            if pair:
                entry = (2, lexicon[pair])
        if entry is None:
            single = next((w for w in lemmas[i] if (w,) in lexicon), None)
            if single:
                entry = (1, lexicon[(single,)])
        if not entry:
            continue
        size, (kind, _lean) = entry
        # A capitalised group noun that begins a longer capitalised run is a name (the English
        # rule layer's or natasha's), not a group.
        head_start, head_end = tokens[i].start, tokens[i + size - 1].end
        if _overlaps((head_start, head_end), taken):
            continue
        nxt = tokens[i + size] if i + size < len(tokens) else None
        if nxt is not None and any(s_ <= nxt.start < e_ for s_, e_ in persons):
            continue  # "activist Server Mustafayev", "журналіста Владислава Єсипенка": a title
        first, last = _expand(tokens, i, i + size - 1, language, models, persons)
        used.update(range(first, last + 1))
        start, end = tokens[first].start, tokens[last].end
        parties.append(Party(as_written=text[start:end], kind=kind, role="", start=start, end=end))
    return parties


def _expand(tokens: list[Token], first: int, last: int, language: str, models: Models, persons=()) -> tuple[int, int]:
    """The short noun phrase around a group noun: modifiers before it (quantifiers, adjectives,
    numbers), and after it an "of/in …"-phrase (English) or a genitive chain (Russian, Ukrainian),
    "with weapons"/"зі зброєю", and a relative clause to the next comma."""
    n = len(tokens)
    # left
    k = first - 1
    while k >= 0 and first - k <= 5:
        t = tokens[k]
        low = t.lower
        if _overlaps((t.start, t.end), persons):
            break
        if language == "en":
            ok = (low in _EN_LEFT or low.isdecimal() or low in models.numbers["en"] or re.search(r"(ian|al|ic|ive|ous|ary)$", low)
                  or low in ("more", "than", "at", "least")
                  or t.text[:1].isupper() and low not in _FUNCTION_WORDS and low not in _EN_DATE_WORDS)  # "Rosgvardia officers"
            if low == "of" and (k == 0 or tokens[k - 1].lower in _EN_RIGHT_STOP):
                ok = False
        else:
            tags = models.tags(language, t.text)
            head_cases = {c for tg in models.tags(language, tokens[first].text) for c in _CASES if c in tg}
            agrees = any(tg & {"ADJF", "PRTF"} and (not head_cases or tg & head_cases) for tg in tags)
            ok = agrees or any("NUMR" in tg for tg in tags[:2]) or low.isdecimal() or low in models.numbers[language]
            if low in ("звані", "называемые", "называемых", "званих") and k > 0 and tokens[k - 1].lower == "так":
                k -= 2
                break  # "так звані комісії": the whole "so-called"
            ok = ok or low in ("все", "всі", "многие", "багато", "несколько", "кілька", "декілька", "более", "понад", "щонайменше")
        if not ok:
            break
        k -= 1
    first = k + 1
    while first < last and tokens[first].lower in ("of", "the", "than", "at") and language == "en" and tokens[first].lower != "the":
        first += 1
    # right
    k = last + 1
    count = 0
    if language == "en":
        while k < n and count < 8:
            low = tokens[k].lower
            if count == 0 and (low not in ("of", "in", "from", "with", "working", "accompanying", "employed") or low in ("in", "from") and k + 1 < n
                               and not (tokens[k + 1].text[:1].isupper() or tokens[k + 1].lower in ("the", "a", "one", "two", "three"))):
                break  # "employees in case of …" is not a place phrase; "of" always is a complement
            if count > 0 and tokens[k].text in ('"', "“", "«"):
                close = next((m for m in range(k + 1, min(n, k + 8)) if tokens[m].text in ('"', "”", "»")), None)
                if close is None:
                    break
                k = close + 1
                break  # 'members of the so-called "election commission"': the quoted name ends it
            if not tokens[k].text[:1].isalnum() or low in _EN_RIGHT_STOP or low in _EN_DATE_WORDS \
                    or count > 0 and re.search(r"(ed|ing)$", low) and low not in ("working", "employed", "so-called") \
                    or _overlaps((tokens[k].start, tokens[k].end), persons):
                break
            k += 1
            count += 1
    else:
        while k < n and count < 5:
            t = tokens[k]
            if not t.text[:1].isalnum() and t.text not in ("«", "("):
                break
            tags = models.tags(language, t.text)
            if count == 0 and t.lower in ("с", "со", "з", "зі", "із"):
                k += 1
                count += 1
                continue
            if _overlaps((t.start, t.end), persons):
                break  # "активиста Эмиля Курбединова": the name is a party of its own
            if t.text == "«" and any(x.text == "»" for x in tokens[k + 1:k + 8]):
                k = next(m for m in range(k + 1, k + 8) if tokens[m].text == "»") + 1
                count += 1
                continue  # «федерального университета»: a quoted name in the chain
            if t.text == "(" and k + 2 < n and _ACRONYM.match(tokens[k + 1].text) and tokens[k + 2].text == ")":
                k += 3
                break  # "(КФУ)" closes the phrase
            after_with = k > 0 and tokens[k - 1].lower in ("с", "со", "з", "зі", "із")
            wanted = {"gent", "ablt"} if after_with else {"gent"}  # "зі зброєю"; else a genitive chain
            if t.lower in _PREPOSITIONS[language] or t.lower in ("и", "і", "й", "та", "а", "но", "але", "или", "або", "чи"):
                break
            if tags and len(t.text) > 1 and any(tg & wanted and tg & {"NOUN", "ADJF", "PRTF"} for tg in tags[:2]) \
                    and not (tags[0] & {"PREP", "CONJ", "PRCL", "ADVB"}) and not any(tg & {"VERB", "INFN"} for tg in tags[:2]):
                k += 1
                count += 1
            else:
                break
    last = max(last, k - 1)
    while last > first and tokens[last].lower in ("of", "in", "at", "from", "with", "the", "с", "з", "зі"):
        last -= 1
    # relative clause: ", who/які …" up to the next comma or stop
    k = last + 1
    if k + 1 < n and tokens[k].text == "," and tokens[k + 1].lower in _RELATIVE[language]:
        k += 1
    if k < n and tokens[k].lower in _RELATIVE[language]:
        m = k + 1
        while m < n and m - k <= 8 and tokens[m].text[:1].isalnum():
            m += 1
        last = m - 1
    # a parenthesised acronym right after: "студентов КФУ (…)" is left to the names
    return first, last


# -- roles -------------------------------------------------------------------------------------------

_PARTICIPLES = {"told", "made", "held", "sent", "kept", "left", "taken", "given", "beaten", "caught", "brought", "fired",
                "hit", "put", "shot", "seen", "found", "paid", "thrown", "struck", "fined", "led", "driven", "bound"}
_BE = {"was", "were", "is", "are", "been", "being", "be", "got", "get", "gets"}


def assign_roles(parties: list[Party], sentence_text: str, trigger_span: tuple[int, int], *, offset: int = 0,
                 language: str = "en", models: Models | None = None) -> list[Party]:
    """The parties of one sentence with their role around one trigger (``trigger_span`` in the
    article's offsets; ``offset`` the sentence's start). The rules, in order:

    1. **Reporter**: a party right after "according to", "по данным", "за словами", or right
       before or after a reporting verb of the lexicon ("QHA reports", "said X", "повідомляє
       ZMINA", "X заявил"), when it is outside the trigger's clause.
    2. **Agent phrase**: a party after "by", "со стороны", "з боку", or (Russian, Ukrainian) in
       the instrumental after a passive trigger, is the perpetrator.
    3. **Passive** (English "was/were …ed", Russian/Ukrainian short or passive participle,
       ``-но/-то`` impersonal, reflexive ``-ся`` verb): the subject before the trigger is the
       victim.
    4. **Active**: before the trigger, the nearest party in the same clause is the perpetrator
       (Russian/Ukrainian: when it may be nominative; an accusative/genitive one is the victim);
       after it, parties are victims (a nominative one in Russian/Ukrainian is the perpetrator).
       A 3rd-person-plural verb without a subject ("уволили", "змушують") has no perpetrator.
    5. Otherwise the lexicon's lean for the noun (officials, occupiers, management: perpetrator;
       employees, students, residents: victim); a name without a lean gets no role ("").

    Then a group the syntax made a perpetrator but whose lean is victim (and the reverse) keeps
    the syntax: teachers who order are perpetrators, teachers who are threatened are victims.
    """
    models = models or Models.load()
    t_start, t_end = trigger_span[0] - offset, trigger_span[1] - offset
    tokens = tokenize(sentence_text)
    trig_tokens = [k for k, t in enumerate(tokens) if t.start < t_end and t.end > t_start]
    if not trig_tokens:
        return [replace(p, role=_lean(p, language, models)) for p in parties]
    ti, tj = trig_tokens[0], trig_tokens[-1]
    passive = _is_passive(tokens, ti, tj, language, models)
    clause_start, clause_end = _clause(tokens, ti, tj)
    cues = _reporting_positions(sentence_text, language, models)

    def token_range(party):
        ps, pe = party.start - offset, party.end - offset
        covered = [k for k, t in enumerate(tokens) if t.start < pe and t.end > ps]
        return (covered[0], covered[-1]) if covered else (-1, -1)

    ranges = {id(p): token_range(p) for p in parties}
    inside = {id(p): clause_start <= ranges[id(p)][0] and ranges[id(p)][1] <= clause_end for p in parties}
    before = [p for p in parties if p.end - offset <= t_start and inside[id(p)]]
    # The subject before the trigger: English, the leftmost party not governed by a preposition;
    # Russian/Ukrainian, the one that may be nominative (else the leftmost without a case).
    subject = None
    if language == "en":
        subject = next((p for p in before if not _after_preposition(tokens, ranges[id(p)][0])), None)
    else:
        subject = next((p for p in before if _case(p, language, models) == "nomn"), None) or next(
            (p for p in before if _case(p, language, models) == "" and not _after_preposition(tokens, ranges[id(p)][0], language)), None)
    # "The heads of the enterprises were obliged to ensure the attendance of their workers": a
    # passive order to do something to others makes its subject the one who presses them.
    noun_trigger = language != "en" and not passive and any("NOUN" in t for t in models.tags(language, tokens[ti].text)[:1])
    ordered_to = passive and tj + 1 < len(tokens) and (
        tokens[tj + 1].lower == "to" if language == "en" else any("INFN" in t for t in models.tags(language, tokens[tj + 1].text)[:1]))
    delegated = ordered_to and any(p.start - offset >= t_end and inside[id(p)] and _lean(p, language, models) == VICTIM
                                   for p in parties)
    result: list[Party] = []
    agent_before = False  # the previous party was named by an agent phrase, which "and" extends
    for party in parties:
        ps, pe = party.start - offset, party.end - offset
        first = ranges[id(party)][0]
        agent = False
        case = _case(party, language, models) if language != "en" else ""
        # A person's title written beside them belongs to them: "X, Luhansk governor, said that …".
        _written, rs, re_ = _with_title(sentence_text, replace(party, start=ps, end=pe), language, models)
        if _reported(rs, re_, cues, (t_start, t_end), text=sentence_text) and (party.kind != GROUP or not inside[id(party)]):
            role = REPORTER
        elif first > 0 and _agent_marker(tokens, first, language, party, models):
            role = PERPETRATOR
            agent = True
        elif agent_before and re.fullmatch(r"\s*(?:,|and|or|та|і|й|и|або|или)\s*", sentence_text[result[-1].end - offset:ps]):
            role = PERPETRATOR  # "accompanied by armed people and members of the commissions"
            agent = True
        elif pe <= t_start and inside[id(party)]:
            if party is subject and noun_trigger:
                role = _lean(party, language, models)  # "Батьки отримали вимогу": the subject of another verb
            elif party is subject:
                role = VICTIM if passive and not delegated else PERPETRATOR
            elif case in ("accs", "gent", "datv") and not passive:
                role = VICTIM  # "студентов … принуждают": the object before the verb
            else:
                role = _lean(party, language, models)
        elif ps >= t_end and inside[id(party)]:
            if passive and case == "ablt":
                role = PERPETRATOR  # "задержан сотрудниками ФСБ"
            elif ordered_to:
                role = _lean(party, language, models)  # "were told to call the head": who is who by the noun
            elif not passive and _passes_order_on(party, parties, tokens, ranges, offset, language, models):
                role = PERPETRATOR  # "instructed the teachers to warn the parents": the teachers press them
            elif case == "nomn" and not passive and subject is None:
                role = PERPETRATOR  # "принуждают студентов ректоры": the subject after the verb
            else:
                role = VICTIM
        else:
            role = _lean(party, language, models)
        result.append(replace(party, role=role))
        agent_before = agent
    return result


def _passes_order_on(party, parties, tokens, ranges, offset, language, models) -> bool:
    """Whether ``party``, the object of an active order, is told to do something (an
    infinitive right after it) to a party further on that leans victim."""
    last = ranges[id(party)][1]
    if last < 0 or last + 1 >= len(tokens):
        return False
    following = tokens[last + 1]
    infinitive = following.lower == "to" if language == "en" else any("INFN" in t for t in models.tags(language, following.text)[:1])
    return infinitive and any(p.start > party.end and _lean(p, language, models) == VICTIM for p in parties)


_PREPOSITIONS = {"en": {"of", "in", "at", "from", "with", "to", "for", "on", "about", "among", "by", "near", "under"},
                 "ru": {"в", "во", "на", "из", "с", "со", "у", "к", "о", "об", "по", "за", "от", "для", "при", "про"},
                 "uk": {"в", "у", "на", "з", "із", "зі", "до", "від", "для", "при", "про", "по", "за", "о"}}


def _after_preposition(tokens, first: int, language: str = "en") -> bool:
    if first <= 0:
        return False
    prev = tokens[first - 1].lower
    if prev in ("the", "a", "an") and first > 1:
        prev = tokens[first - 2].lower
    return prev in _PREPOSITIONS[language]


def _lean(party: Party, language: str, models: Models) -> str:
    if party.kind == PERSON:
        return ""
    if _ARMED.search(party.as_written):
        return PERPETRATOR  # "люди зі зброєю", "people with weapons", "armed individuals"
    words = [w.strip("«»\"“”,.()") for w in party.as_written.split()]
    lexicon = models.groups.get(language, {})
    lemmas = [models.lemmas(language, w) for w in words if w]
    # The first lexicon noun of the phrase is its head ("employees of the FSB" lean as employees).
    for i, lem in enumerate(lemmas):
        if i + 1 < len(lemmas):
            pair = next(((a, b) for a in lem for b in lemmas[i + 1] if (a, b) in lexicon), None)
            if pair:
                return lexicon[pair][1]
        single = next((w for w in lem if (w,) in lexicon), None)
        if single and lexicon[(single,)][1]:
            return lexicon[(single,)][1]  # a noun without a lean ("members of …") lets the next decide
    if party.kind == ORGANIZATION:
        return PERPETRATOR if _looks_official(party.as_written) else ""
    return ""


_ARMED = re.compile(r"\b(armed|with (?:weapons|guns|machine guns|rifles)|masked|озброєн\w*|вооружённ\w*|вооруженн\w*|"
                    r"(?:зі|з|із) зброєю|с оружием|с автоматами|з автоматами)", re.I)


def _looks_official(written: str) -> bool:
    low = written.lower()
    return any(w in low for w in ("fsb", "фсб", "police", "полици", "поліці", "commission", "комисси", "коміс",
                                  "administration", "администрац", "адміністрац", "authorit", "власт", "влад",
                                  "rosgvard", "росгвард", "military", "військ", "военн", "occupation", "оккупац", "окупац"))


def _case(party: Party, language: str, models: Models) -> str:
    """The case of the party's head word if pymorphy3 gives one reading only among
    nomn/accs/gent/ablt for all words; "" when ambiguous."""
    if language == "en":
        return ""
    words = re.findall(r"[^\W\d_]+", party.as_written)
    if not words:
        return ""
    cases = None
    for word in words[:3]:
        found = {c for t in models.tags(language, word) for c in ("nomn", "accs", "gent", "ablt", "datv", "loct") if c in t}
        if not found:
            continue
        cases = found if cases is None else (cases & found or cases)
    if not cases:
        return ""
    if len(cases) == 1:
        return next(iter(cases))
    if "nomn" not in cases and "accs" in cases:
        return "accs"
    if cases <= {"gent", "accs"}:
        return "accs"
    if "nomn" in cases and not cases & {"gent", "ablt"}:
        return "nomn" if "accs" not in cases else ""
    return ""


def _is_passive(tokens, ti, tj, language, models) -> bool:
    word = tokens[ti].text
    if language == "en":
        back = [t.lower for t in tokens[max(0, ti - 3):ti]]
        low = word.lower()
        # be + a participle ("were forced", "was told"); "are preventing" is active
        return any(b in _BE for b in back) and not low.endswith("ing") and (
            low.endswith(("ed", "en", "t")) or low in _PARTICIPLES)
    for t in tokens[max(0, ti - 2):tj + 1]:
        for tag in models.tags(language, t.text)[:2]:
            if "PRTS" in tag or ("pssv" in tag and ("ADJF" in tag or "PRTF" in tag)) or "Impe" in tag:
                return True
    low = word.lower()
    return low.endswith(("ся", "сь")) and any("VERB" in t for t in models.tags(language, low)[:1])


_SUBORDINATORS = {"if", "when", "after", "before", "although", "while", "once", "unless", "якщо", "коли", "хоча", "після",
                  "если", "когда", "хотя", "после"}


def _clause(tokens, ti, tj) -> tuple[int, int]:
    """The token range of the trigger's clause: to the nearest clause break (";", ":", dash,
    bracket) or a reporting "said/that"-comma on each side."""
    a = ti
    while a > 0 and tokens[a - 1].text not in _CLAUSE_BREAK:
        a -= 1
    # A subordinate clause before the main one ("If people do not open, they threaten…",
    # "Якщо не відчинять — погрожують") is not where the trigger's subject is.
    if tokens[a].lower in _SUBORDINATORS:
        commas = [k for k in range(a, ti) if tokens[k].text == ","]
        if commas:
            a = commas[-1] + 1
    b = tj
    while b + 1 < len(tokens) and tokens[b + 1].text not in _CLAUSE_BREAK:
        b += 1
    return a, b


def _agent_marker(tokens, pi, language, party=None, models=None) -> bool:
    """"by X", "со стороны X", "з боку X"; and "from X" / "от X" / "від X" (messages, demands,
    orders from X) when X is not a victim-leaning noun."""
    prev = [t.lower for t in tokens[max(0, pi - 3):pi]]
    if language == "en":
        if bool(prev) and (prev[-1] == "by" or prev[-2:] == ["by", "the"]):
            return True
    elif " ".join(prev).endswith(("со стороны", "з боку", "со стороны представителей", "з боку представників")):
        return True
    source = prev[-1:] == ["from"] or prev[-2:] == ["from", "the"] if language == "en" else prev[-1:] in (["от"], ["від"])
    return bool(source and party is not None and models is not None and _lean(party, language, models) != VICTIM)


def _reporting_positions(sentence: str, language: str, models: Models) -> list[tuple[str, int, int]]:
    """Where the sentence says someone reports: (``before`` | ``after``, start, end) of each
    reporting word; ``before`` words come before the source ("according to X"), ``after``
    words after it ("X said") — and, for verbs, also before it ("said X")."""
    cues = []
    low = sentence.lower()
    lex = models.reporting.get(language, {})
    for kind in ("before", "after"):
        for phrase in lex.get(kind, []):
            for m in re.finditer(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", low):
                cues.append((kind, m.start(), m.end()))
    return cues


def _reported(ps, pe, cues, trigger, *, near: int = 6, text: str = "") -> bool:
    """Whether the party at ``ps:pe`` stands next to a reporting word (not the trigger itself):
    after a ``before`` word ("according to the X", "сообщает «X»"), or before an ``after`` word
    ("X said", "X, head of …, said") or right after it ("said X")."""
    for kind, s, e in cues:
        if s < trigger[1] and e > trigger[0]:
            continue
        if kind == "before" and 0 <= ps - e <= near and not re.search(r"[,;.:]", text[e:ps]):
            return True
        if kind == "after" and (0 <= s - pe <= min(near, 3) or 0 <= ps - e <= min(near, 6) and not re.search(r"[,;.:]", text[e:ps])):
            return True
    return False


def parties_for_trigger(sentence, trigger, language: str, models: Models, *, index=None, known_persons=(),
                        exclude=()) -> list[Party]:
    """The stage in one call for the pipeline: :func:`find_parties` on ``sentence`` (a
    ``shapes.Sentence``), :func:`assign_roles` around ``trigger`` (a ``shapes.Trigger``), and
    :func:`match_parties` against ``index`` (one index or several; none: no matching)."""
    parties = find_parties(sentence.text, sentence.start, language, models, exclude=exclude, known_persons=known_persons)
    parties = assign_roles(parties, sentence.text, (trigger.start, trigger.end), offset=sentence.start,
                           language=language, models=models)
    return match_parties(parties, index, models=models) if index is not None else parties


# -- reporters of an article ---------------------------------------------------------------------------

_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+[\"»”’]?|\n|$)")


def reporters(article_text: str, language: str, outlet: str | None = None, *, models: Models | None = None,
              sentences=None) -> list[str]:
    """Who reports the article's incidents: the sources it cites with a reporting word (an
    organization or person named next to "according to", "said", "повідомляє", "сообщает",
    with the title written beside a person: "Serhii Haidai, head of the … administration"), and
    the outlet last; deduplicated (a name contained in a longer one counts once). ``sentences``:
    ``(start, end)`` pairs if the pipeline has split the text already."""
    models = models or Models.load()
    found: list[str] = []
    known: list[str] = []
    spans = sentences or [(m.start(), m.end()) for m in _SENTENCE.finditer(article_text)]
    for start, end in spans:
        sentence = article_text[start:end]
        cues = _reporting_positions(sentence, language, models)
        if not cues:
            continue
        named = find_parties(sentence, 0, language, models, known_persons=known)
        known.extend(n for n in full_names(named) if n not in known)
        titled = [(party, *_with_title(sentence, party, language, models)) for party in named]
        # A party inside another's title ("голова Луганської ОВА Сергій Гайдай") is not a source
        # of its own.
        titled = [t for t in titled if not any(o is not t and o[2] <= t[2] and t[3] <= o[3] and (o[2], o[3]) != (t[2], t[3])
                                               for o in titled)]
        previous = None  # the last source kept, to which "X and Y" joins Y
        for party, written, start, end in titled:
            joined = previous is not None and re.fullmatch(r"\s*(?:,|and|та|і|й|и|а также|а також)\s*", sentence[previous:start])
            if party.kind == GROUP and not _is_source_noun(party.as_written, language, models):
                # A group reports only right next to the reporting word ("said a resident",
                # "residents reported", "жители рассказали"), and not one written with a
                # possessive ("their families" are the people spoken about).
                if not _reported(start, end, cues, (-1, -1), near=1 if language != "en" else 4, text=sentence) \
                        or party.as_written.split()[0].lower() in _POSSESSIVES:
                    continue
            elif not (_reported(start, end, cues, (-1, -1), text=sentence) or joined):
                continue
            found.append(written)
            previous = end
        for kind, _s, e in cues:
            # "according to X", "за даними X": X is the source by the words themselves, even when
            # no rule above reads it as a name ("За даними Генштабу").
            if kind != "before" or any(0 <= p.start - e <= 6 for p in named):
                continue
            phrase = re.match(r"\s+((?:the\s+)?[«\"“]?[A-ZА-ЯЁІЇЄҐ][\w’'.-]*[»\"”]?(?:\s+[«\"“]?[A-ZА-ЯЁІЇЄҐ][\w’'.-]*[»\"”]?){0,3})",
                              sentence[e:])
            if phrase and phrase.group(1).split()[0].lower() not in models.not_names.get(language, ()):
                found.append(phrase.group(1).strip("«»\"“” .,"))
        for word in models.reporting.get(language, {}).get("sources", []):
            for m in re.finditer(r"(?<!\w)(?:an?\s+|the\s+)?" + re.escape(word) + r"\w*(?:\s+of\s+(?:the\s+)?[A-ZА-ЯІЇЄ][\w’'-]*(?:\s+[A-ZА-ЯІЇЄ][\w’'-]*){0,4})?", sentence, re.I):
                if _reported(m.start(), m.end(), cues, (-1, -1), text=sentence):
                    found.append(sentence[m.start():m.end()].strip())
    if outlet:
        found.append(outlet)
    return dedupe(found)


_POSSESSIVES = {"their", "his", "her", "its", "our", "my", "your", "свои", "своих", "их", "его", "її", "їх", "його", "свої",
                "своїх"}


def _is_source_noun(written: str, language: str, models: Models) -> bool:
    sources = models.reporting.get(language, {}).get("sources", [])
    return any(s in written.lower() for s in sources)


def _with_title(sentence: str, party: Party, language: str, models: Models) -> tuple[str, int, int]:
    """The party as written, with a title written right before it ("Melitopol Mayor Ivan
    Fedorov", "голова Луганської ОВА Сергій Гайдай") or after it between commas ("Serhii
    Haidai, head of the … administration,", "Sergiy Gaiday, Ukraine's Luhansk governor,"), and
    the span that covers both."""
    start, end = party.start, party.end
    if party.kind != PERSON:
        return party.as_written, start, end
    titles = models.titles[language]
    after = re.match(r",\s+([^,;.()]{2,100}?)(?=,|\.|;|\(|$)", sentence[end:])
    if after and any(models.lemmas(language, w) & titles for w in re.findall(r"[\w’'-]+", after.group(1))[:6]):
        end = end + after.end(1)
    else:
        before = sentence[max(0, start - 80):start]
        words = list(re.finditer(r"[\w’'-]+", before))
        for k in range(len(words) - 1, max(-1, len(words) - 7), -1):
            if models.lemmas(language, words[k].group()) & titles:
                # "Melitopol Mayor …", "крымский адвокат …": capitalised words (English) or
                # adjectives (Russian, Ukrainian) right before the title belong to it.
                while k > 0 and before[words[k - 1].end():words[k].start()] == " " and (
                        words[k - 1].group()[:1].isupper() and words[k - 1].group().lower() not in _FUNCTION_WORDS
                        if language == "en" else any("ADJF" in t for t in models.tags(language, words[k - 1].group())[:1])):
                    k -= 1
                start = start - len(before) + words[k].start()
                break
            if re.search(r"[,;.:]", before[words[k].end():]):
                break
    return sentence[start:end].strip(" ,"), start, end


def dedupe(names: list[str]) -> list[str]:
    """Names in first-seen order, each once; one whose words are all in another kept name (or
    the reverse) counts as that name, and the longer writing wins."""
    kept: list[str] = []
    for name in names:
        words = set(_norm_words(name))
        if not words:
            continue
        for k, other in enumerate(kept):
            theirs = set(_norm_words(other))
            if words <= theirs:
                break
            if theirs <= words:
                kept[k] = name
                break
        else:
            kept.append(name)
    return kept


def _norm_words(name: str) -> list[str]:
    return [w for w in re.findall(r"[^\W_]+", name.lower()) if w not in ("the", "a", "an")]


# -- victim count --------------------------------------------------------------------------------------

def victim_count(sentence_text: str, language: str, *, models: Models | None = None) -> int | None:
    """An exact count of victims said in the sentence ("three students", "двоє", "25 человек"),
    else None. A number qualified as a bound or an estimate ("more than 100 employees", "около
    30", "щонайменше двоє", "several") gives None: the labelled development set records a count
    only when the text states it exactly. The number must stand right before a group noun (up
    to two modifiers between) or alone as a collective numeral (двое, троє)."""
    models = models or Models.load()
    if language not in models.numbers:
        return None
    tokens = tokenize(sentence_text)
    lows = [t.lower for t in tokens]
    numbers = models.numbers[language]
    lexicon = models.groups[language]
    people_words = {"people", "person", "persons", "человек", "люди", "людей", "осіб", "особи", "людина", "чоловік"}
    for i, low in enumerate(lows):
        value = int(low) if low.isdecimal() and len(low) <= 5 else numbers.get(low)
        if value is not None and low.isdecimal() and len(low) == 4 and 1900 <= value <= 2100:
            continue  # a year
        if value is None:
            lemmas = models.lemmas(language, low) if language != "en" else set()
            value = next((numbers[x] for x in lemmas if x in numbers), None)
        if value is None:
            continue
        if _approximate(lows, i, language, models) or (i + 1 < len(lows) and lows[i + 1] in ("%", "percent", "процентов", "відсотків")):
            continue
        collective = low in ("двое", "трое", "четверо", "пятеро", "двоє", "троє", "четверо", "п'ятеро")
        for k in range(i + 1, min(len(tokens), i + 4)):
            if not tokens[k].text[:1].isalpha():
                break
            lem = models.lemmas(language, tokens[k].text)
            if lows[k] in people_words or lem & people_words or any(len(key) == 1 and key[0] in lem and lexicon[key][1] == VICTIM for key in lexicon):
                return value
            if k + 1 < len(tokens) and any(len(key) == 2 and key[0] in lem and key[1] in models.lemmas(language, tokens[k + 1].text) for key in lexicon):
                return value
        if collective:
            return value
    return None


def _approximate(lows, i, language, models) -> bool:
    for phrase in models.approximate[language]:
        size = len(phrase)
        if tuple(lows[max(0, i - size):i]) == phrase:
            return True
    return False


# -- registry and list matching ------------------------------------------------------------------------

def match_parties(parties: list[Party], index, *, threshold: float | None = None, models: Models | None = None,
                  labels: dict | None = None) -> list[Party]:
    """``parties`` with ``match`` set where a person (or an organization of two words or more)
    matches an entry of ``index`` — one :class:`~svidok.names.index.MatchIndex` or several
    (tried in order, the first match wins). A match in a reference list gives
    ``{"name": "Sergey Aksyonov", "list": "EU list", "score", "id", "listed_as": "Sergey
    Valeryevich AKSYONOV"}`` (the list's Latin name, its patronymic left out and its capitals
    folded, so a candidate prints "Sergey Aksyonov (EU list)"); a registry match
    ``{"name": <display name>, "list": None, "score", "id"}``. Inflected Cyrillic forms match
    through the matcher's lemmatization; a bare surname through ``refers_to``. ``labels``
    names the lists of indexes built from the database (:func:`_list_name`)."""
    from svidok.names.shapes import MatchError

    indexes = index if isinstance(index, list | tuple) else [index]
    out = []
    for party in parties:
        if party.kind == GROUP or (party.kind == ORGANIZATION and len(party.as_written.split()) < 2):
            out.append(party)
            continue
        match = None
        for idx in indexes:
            for query in _queries(party, models):
                try:
                    result = idx.match(query, limit=1, threshold=threshold, persons=party.kind == PERSON)
                except MatchError:
                    continue
                if result.results and result.results[0].match:
                    match = _match_dict(result.results[0], idx, labels)
                    break
            if match:
                break
        out.append(replace(party, match=match) if match else party)
    return out


def _queries(party: Party, models: Models | None) -> list[str]:
    """The full name a bare surname refers to first, then the name as written (the matcher
    lemmatizes inflected Cyrillic forms itself: "Сергея Аксёнова")."""
    return [party.refers_to, party.as_written] if party.refers_to else [party.as_written]


def _list_name(index, labels: dict | None) -> str | None:
    """How a candidate names the index's list: None for the registry; ``labels`` maps an
    index label to a name (a list imported into the database has the label "list:<name>",
    e.g. {"list:eu-269": "EU list"}); else the label without "list:"."""
    label = index.label or ""
    if label in ("", "registry"):
        return None
    if labels and label in labels:
        return labels[label]
    return label.removeprefix("list:")


def _match_dict(scored, index, labels=None) -> dict:
    entry = scored.entry
    list_name = _list_name(index, labels)
    name = display_name(entry.caption) if list_name else entry.caption
    match = {"name": name, "list": list_name, "score": round(float(scored.score), 3), "id": entry.id}
    if list_name:
        match["listed_as"] = entry.caption
    return match


def display_name(caption: str) -> str:
    """A list's caption as a reader writes it: "Sergey Valeryevich AKSYONOV" → "Sergey Aksyonov"
    (a patronymic between the given name and the surname dropped, capitals folded)."""
    words = caption.split()
    if len(words) == 3 and _PATRONYMIC.search(words[1]):
        words = [words[0], words[2]]
    return " ".join(w.capitalize() if w.isupper() and len(w) > 1 else w for w in words)


@functools.cache
def list_index(path: str | None = None, *, cache: bool = True) -> MatchIndex:
    """The EU Regulation 269/2014 annex as a matcher index, read from its CSV with the sanctions
    app's reader — no database (for ``svidok news extract``). Built once per process. Reading
    the CSV and computing every name's forms takes 4–9 s, so the entries are kept as JSON in
    ``VAR_DIR/cache/`` under a key of the CSV's SHA-256 and the matcher's source (a changed list
    or a changed romanization builds them anew); with the cache it takes under a second.
    ``index.build_seconds`` says how long it took, ``index.from_cache`` whether the cache served."""
    from svidok.names.index import MatchIndex
    from svidok.sanctions.lists import read_eu_csv
    from svidok.sanctions.matching import entry_from_record

    started = time.perf_counter()
    source = Path(path) if path else EU_LIST_PATH
    data = source.read_bytes()
    cache_file = _list_cache_file(data) if cache else None
    entries = _read_entries(cache_file) if cache_file else None
    from_cache = entries is not None
    if entries is None:
        entries = [entry_from_record(e) for e in read_eu_csv(data, source=source.name).entities]
        if cache_file:
            _write_entries(cache_file, entries)
    index = MatchIndex(entries, label=EU_LIST)
    index.build_seconds = time.perf_counter() - started
    index.from_cache = from_cache
    return index


def _list_cache_file(data: bytes) -> Path:
    import svidok.names

    digest = hashlib.sha256(data)
    # The entries' name forms come from svidok.names: its source is part of the key.
    for module in sorted(Path(svidok.names.__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return Path(settings.VAR_DIR) / "cache" / f"eu-list-{digest.hexdigest()[:24]}.json"


def _read_entries(path: Path):
    from svidok.names.shapes import Entry, Shape

    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        return [Entry(**{**row, "names": list(row["names"]), "birth_dates": tuple(row["birth_dates"]),
                         "shapes": tuple(Shape(source=sh["source"], words=tuple(tuple(w) for w in sh["words"]),
                                               skeletons=tuple(tuple(w) for w in sh["skeletons"]),
                                               patronymic=tuple(sh["patronymic"]), surname=tuple(sh["surname"]))
                                         for sh in row["shapes"])})
                for row in rows]
    except (TypeError, KeyError):
        return None  # a cache of another shape: built anew


def _write_entries(path: Path, entries) -> None:
    import dataclasses
    import os
    import tempfile

    rows = [dataclasses.asdict(e) for e in entries]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as out:
            json.dump(rows, out, ensure_ascii=False)
        os.replace(out.name, path)
    except OSError:
        pass  # a read-only var directory: no cache, the next run builds again
