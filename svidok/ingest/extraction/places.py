"""Places named in a sentence, found in the gazetteer (issue 12, docs/news.md "Places and dates").

No database: the index is built from the gazetteer files (``svidok.incidents.gazetteer.build``)
once per process, so ``svidok news extract`` runs on files alone.

Every name of a place is indexed as a run of words, each word with a set of keys in three spaces:

- ``c:`` Cyrillic, folded (case, ё, apostrophes) and lemmatized with pymorphy3 (uk and ru), so
  that "у Сімферополі", "в Симферополе" and "Херсонской области" meet the nominative names;
- ``x:`` Latin, folded exactly (the official transliteration, the Russian one, Crimean Tatar and
  the GeoNames spellings: Simferopol, Aqmescit, Dzhankoy);
- ``l:`` Latin, the search's phonetic skeleton (``svidok.search.normalize``), which lets
  Feodosiia / Feodosia / Feodosiya or Bakhchisaray / Bakhchysarai meet; only towns, raions and
  regions are indexed loosely, villages need an exact spelling.

A sentence's words are keyed the same way and matched longest-first; the rules against false
places (capitals, a stop list, villages named like common words, adjectives or people) and for
ambiguous names (exact spelling, the town or region named beside it, the larger place, the
occupied one; a tie gives no code) are listed in docs/news.md "Places and dates".
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import iuliia
from anyascii import anyascii
from translitua import translit

from svidok.ingest.extraction.shapes import PlaceMention
from svidok.names.text import parses
from svidok.search.normalize import word_keys

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_POSSESSIVE = re.compile(r"['’ʼ`]s$")

LEVEL = {"I": "institution", "O": "region", "K": "settlement", "P": "raion", "M": "settlement", "X": "settlement",
         "C": "settlement", "B": "district"}
# Larger first when one name fits several places.
SIZE = {"I": 6, "O": 5, "K": 5, "P": 4, "M": 3, "B": 3, "X": 2, "C": 1}
# A city district (Гагарінський район Севастополя) is inside its town.
SPECIFIC = {"district": 4, "settlement": 3, "institution": 3, "raion": 2, "region": 1}
MIN_LETTERS = 4
CACHE_VERSION = 2  # raise when Row or the way rows are read changes
MIN_SKELETON = 5

# Settlement names that are also common or political words ("Мир", "Перемога", "Дружба"):
# a capitalised one is far more often a party, a newspaper or a slogan than the village.
STOP = frozenset("""
мир перемога победа дружба правда свобода слава прогрес прогресс жовтень октябрь зоря заря весна
надія надежда росія россия україна украина москва комунар коммунар іскра искра маяк схід восток
світанок рассвет радість радость труд праця жовтневе октябрьское першотравневе первомайское
новий новый нове новое нова новая старий старый старе старое стара старая
victory peace friendship pravda mir zarya zoria iskra mayak russia ukraine moscow novyi novy nove nova novaya novoye
svoboda pobeda peremoha druzhba slava progress nadiya nadezhda vesna trud pratsia zhovten oktyabr komunar
""".split())

# The regions, written by hand: KATOTTG names only the oblast's adjective, and the press writes
# "Луганщина", "Lugansk region", "occupied Crimea", "ДНР". ОРДЛО and Donbas (parts of two
# oblasts) are not places of their own and are left out. An adjective is followed by one of
# _REGION_WORDS ("Luhansk governor" is the oblast's governor, not the city's).
_REGION_WORDS = ("область", "обл", "oblast", "region", "регион", "регіон", "province", "governor")
REGIONS = {
    "UA01000000000013043": {
        "names": ["Крим", "Крым", "Crimea", "Krym", "Qırım", "Qirim", "Автономна Республіка Крим",
                  "Автономная Республика Крым", "Autonomous Republic of Crimea", "Республіка Крим",
                  "Республика Крым", "Republic of Crimea", "АРК", "Кримський півострів",
                  "Крымский полуостров", "Crimean peninsula"],
        "adjectives": [],
    },
    "UA14000000000091971": {"names": ["Донеччина", "Донетчина", "ДНР", "DPR", "DNR"],
                            "adjectives": ["Донецька", "Донецкая", "Donetsk", "Donetska"]},
    "UA23000000000064947": {"names": [],
                            "adjectives": ["Запорізька", "Запорожская", "Zaporizhzhia", "Zaporizhia",
                                           "Zaporizhzhya", "Zaporozhye", "Zaporizka"]},
    "UA44000000000018893": {"names": ["Луганщина", "ЛНР", "LPR", "LNR"],
                            "adjectives": ["Луганська", "Луганская", "Luhansk", "Lugansk", "Luhanska"]},
    "UA65000000000030969": {"names": ["Херсонщина"],
                            "adjectives": ["Херсонська", "Херсонская", "Kherson", "Khersonska"]},
}
# Institutions the press names instead of their town; the mention gets the town's code and the
# level "institution". Extend with care: only institutions with one seat.
INSTITUTIONS = {
    "UA01160330010074014": ["Крымский федеральный университет", "Кримський федеральний університет",
                            "Crimean Federal University", "КФУ"],
}
_RAION_WORDS = ("район", "district", "raion", "rayon")
_CASE_FORMS = {
    "район": "район району районі районом райони районах районе района",
    "область": "область області областю областей областях области областью",
    "регион": "регион региона регионе регионом региону",
    "регіон": "регіон регіону регіоні регіоном",
    "обл": "обл",
}


def fold(word: str) -> str:
    return re.sub(r"['’ʼ`]", "", unicodedata.normalize("NFC", word).lower().replace("ё", "е"))


@functools.cache
def analyzers():
    """The pymorphy3 analyzers (uk, ru), loaded once per process."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="uk"), pymorphy3.MorphAnalyzer(lang="ru")


# Adjectival names (Первомайське, Нова Каховка, Новая Каховка) as the analyzers lemmatize their
# inflected forms: to the masculine. Written as rules because lemmatizing 6,000 names with
# pymorphy3 takes seconds; the extra keys of a noun ("каховкий") meet nothing.
_ADJECTIVE_ENDINGS = (
    ("ське", "ський"), ("цьке", "цький"), ("зьке", "зький"), ("ська", "ський"), ("цька", "цький"),
    ("зька", "зький"), ("е", "ий"), ("є", "ій"), ("а", "ий"), ("я", "ій"),
    ("ое", "ый"), ("ое", "ий"), ("ое", "ой"), ("ее", "ий"), ("ая", "ый"), ("ая", "ий"), ("ая", "ой"), ("яя", "ий"),
)


@functools.lru_cache(maxsize=100_000)
def name_keys(word: str) -> frozenset[str]:
    """``c:`` keys of a word of a Cyrillic name (nominative): its fold and its masculine form."""
    folded = fold(word)
    keys = {folded}
    keys.update(folded[: -len(end)] + lemma for end, lemma in _ADJECTIVE_ENDINGS if folded.endswith(end))
    return frozenset("c:" + k for k in keys)


@functools.lru_cache(maxsize=100_000)
def cyrillic_keys(word: str) -> frozenset[str]:
    """``c:`` keys of a Cyrillic word of the text: its fold and every lemma either analyzer
    proposes. Both, whatever the article's language: a Ukrainian text quotes Russian names
    ("Старобельск") and the reverse."""
    folded = fold(word)
    keys = {folded}
    for analyzer in analyzers():
        keys.update(fold(p.normal_form) for p in parses(analyzer, folded)[:4])
    return frozenset("c:" + k for k in keys)


@functools.lru_cache(maxsize=100_000)
def latin_keys(word: str, loose: bool = True) -> frozenset[str]:
    word = _POSSESSIVE.sub("", word)
    keys = {"x:" + fold(anyascii(word))}
    if loose:
        keys.update("l:" + k for k in word_keys(word))
    return frozenset(keys)


def token_keys(word: str) -> frozenset[str]:
    return cyrillic_keys(word) if _CYRILLIC.search(word) else latin_keys(word)


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    region: str
    category: str
    occupied: bool
    parent: str = ""

    @property
    def level(self) -> str:
        return LEVEL[self.category]


@dataclass(frozen=True)
class Variant:
    """One way of writing a place: per word, the keys any of which must meet the text's word."""

    place: Place
    words: tuple[frozenset[str], ...]
    loose: bool
    # A loose (skeleton) variant also needs the written word's first two letters: the skeleton
    # folds vowels, and "Balitsky" would otherwise be "Bilytske".
    prefix: str = ""
    # For "<town> district" read as the raion: the town.
    centre: Place | None = None


def _suffix_keys(word: str) -> frozenset[str]:
    """"район", "область", "district": every case form of the word, written out."""
    if not _CYRILLIC.search(word):
        return latin_keys(word, False) | {"x:" + word + "s"}
    return frozenset("c:" + f for f in _CASE_FORMS[word].split())


def _is_latin(name: str) -> bool:
    return not _CYRILLIC.search(name)


def _name_variants(place: Place, name: str, *, loose: bool, suffixes=()) -> list[Variant]:
    """The variants of one written name (and of the name followed by each of ``suffixes``)."""
    words = _WORD.findall(name)
    if not words:
        return []
    latin = _is_latin(name)
    exact = tuple(latin_keys(w, False) if latin else name_keys(w) for w in words)
    found = [exact]
    if latin and loose:
        skeletons = tuple(latin_keys(w, True) - {"x:" + fold(anyascii(w))} for w in words)
        # A short skeleton (Kerch: "karc") meets too many words; those names need their spelling.
        if len(words) > 1 or suffixes or all(len(k) >= 2 + MIN_SKELETON for k in skeletons[0]):
            found.append(skeletons)
    result = []
    for keys in found:
        prefix = fold(anyascii(words[0]))[:2] if keys is not exact else ""
        if suffixes:
            for suffix in suffixes:
                result.append(Variant(place, keys + (_suffix_keys(suffix),), keys is not exact, prefix))
        else:
            result.append(Variant(place, keys, keys is not exact, prefix))
    return result


def _usable_alt(name: str) -> bool:
    letters = re.sub(r"[\W\d_]", "", name)
    # GeoNames carries airport codes (SIP, KHC) and lower-case machine transcriptions (ke chi).
    return len(letters) >= MIN_LETTERS and name[:1].isupper() and not name.isupper() and not re.search(r"\d", name)


class Gazetteer:
    """The place index. ``Gazetteer.load()`` builds it once per process (about a second)."""

    _loaded: Gazetteer | None = None
    _lock = threading.Lock()

    def __init__(self, rows):
        self.places: dict[str, Place] = {}
        self.by_first: dict[str, list[Variant]] = {}
        official: dict[str, set[str]] = {}
        for row in rows:
            if row.category not in LEVEL:
                continue
            region = row.region or row.code
            place = Place(row.code, row.name_uk, region, row.category, row.occupied_since is not None, row.parent)
            self.places[row.code] = place
            for name in (row.name_uk, row.name_ru, translit(row.name_uk)):
                if name:
                    official.setdefault(fold(name), set()).add(row.code)
        for row in rows:
            place = self.places.get(row.code)
            if place is None or row.category == "O":
                continue
            if row.category == "P":
                self._add_raion(row, place)
                continue
            if row.category == "B":
                for adjective in {row.name_uk, row.name_ru, translit(row.name_uk)} - {""}:
                    self._add_all(_name_variants(place, adjective, loose=True, suffixes=_RAION_WORDS))
                continue
            loose = row.category != "C"
            # Only the official names and their standard transliterations are matched loosely: a
            # skeleton of a GeoNames alternate meets first names ("Sergo" / Serhiy).
            official_names = {row.name_uk, row.name_ru, translit(row.name_uk)}
            if row.name_ru:
                official_names.add(iuliia.WIKIPEDIA.translate(row.name_ru))
            # A GeoNames alternate that is another place's official name (Melitopol's
            # "Novooleksandrivka") would steal that place's mentions.
            others = {row.name_crh} | {a for a in row.alt_names if _usable_alt(a) and official.get(fold(a), {row.code}) <= {row.code}}
            for name in official_names - {""}:
                self._add_all(_name_variants(place, name, loose=loose))
            for name in others - official_names - {""}:
                self._add_all(_name_variants(place, name, loose=False))
        for code, spec in REGIONS.items():
            place = self.places[code]
            for name in spec["names"]:
                self._add_all(_name_variants(place, name, loose=not name.isupper()))
            for adjective in spec["adjectives"]:
                self._add_all(_name_variants(place, adjective, loose=True, suffixes=_REGION_WORDS))
        for code, names in INSTITUTIONS.items():
            town = self.places[code]
            place = Place(town.code, town.name, town.region, "I", town.occupied)
            for name in names:
                words = _WORD.findall(name)
                keys = tuple(latin_keys(w, False) if _is_latin(w) else cyrillic_keys(w) for w in words)
                self._add_all([Variant(place, keys, False)])
        # The first words of each oblast's adjective ("Луганська", "Luhansk"), for lists of oblasts.
        self.region_adjectives = {code: frozenset().union(*(name_keys(a) if _CYRILLIC.search(a) else latin_keys(a, False)
                                                           for a in spec["adjectives"])) for code, spec in REGIONS.items()}
        # A Cyrillic word whose first letters begin no name is not lemmatized: pymorphy3 costs
        # about half a millisecond a word, most capitalised words are people and organizations.
        self.cyrillic_prefixes = frozenset(k[2:5] for k in self.by_first if k.startswith("c:"))

    def _add_raion(self, row, place: Place) -> None:
        for adjective in {row.name_uk, row.name_ru, translit(row.name_uk)} - {""}:
            self._add_all(_name_variants(place, adjective, loose=True, suffixes=_RAION_WORDS))
        # "Bakhchysarai district": the raion named after its centre, whose name begins its adjective.
        stem = fold(row.name_uk)
        for other in self.places.values():
            if other.category in ("M", "X") and other.code.startswith(row.code[:6]) and stem.startswith(fold(other.name)[:-1]):
                for name in (translit(other.name),):
                    variants = _name_variants(place, name, loose=True, suffixes=_RAION_WORDS[1:])
                    self._add_all([Variant(v.place, v.words, v.loose, v.prefix, centre=other) for v in variants])

    def _add_all(self, variants: list[Variant]) -> None:
        for variant in variants:
            for key in variant.words[0]:
                self.by_first.setdefault(key, []).append(variant)

    @classmethod
    def load(cls) -> Gazetteer:
        """The process's gazetteer, built from ``data/gazetteer/`` on first use."""
        with cls._lock:
            if cls._loaded is None:
                cls._loaded = cls(gazetteer_rows())
            return cls._loaded

    def place(self, code: str) -> Place | None:
        return self.places.get(code)

    def context_place(self, mentions: list[PlaceMention], before: int, *, paragraph_start: int = 0) -> PlaceMention | None:
        """The place of a candidate whose own sentence names none, from the article's mentions
        (``find`` over every sentence): the most specific place named before ``before`` (the
        quote's start) in the same paragraph, the latest among equals; else the region the
        article names most often (the first named among equals), as a region."""
        earlier = [m for m in mentions if m.code and paragraph_start <= m.start < before]
        if earlier:
            return max(earlier, key=lambda m: (SPECIFIC.get(m.level, 0), m.start))
        counts: dict[str, int] = {}
        first: dict[str, PlaceMention] = {}
        for m in mentions:
            if m.region:
                counts[m.region] = counts.get(m.region, 0) + 1
                first.setdefault(m.region, m)
        if not counts:
            return None
        region = max(counts, key=lambda code: (counts[code], -first[code].start))
        place, written = self.places[region], first[region]
        return PlaceMention(written.as_written, written.start, written.end, code=place.code, name=place.name,
                            region=place.region, level=LEVEL[place.category] if place.category == "O" else "settlement")

    # Matching ---------------------------------------------------------------------------------

    def find(self, text: str, offset: int = 0, language: str = "") -> list[PlaceMention]:
        """Every place named in ``text`` (a sentence starting at ``offset`` in the article),
        with spans in article offsets, in the order written. ``language`` is the article's; the
        rules do not depend on it (quotes and names cross languages), it is taken so that every
        stage is called alike."""
        tokens = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        keys = _LazyKeys(tokens, self.cyrillic_prefixes)
        spans = []
        i = 0
        while i < len(tokens):
            length, variants = self._longest(keys, i, len(tokens)) if tokens[i][2][:1].isupper() else (0, [])
            variants = [v for v in variants if self._acceptable(v, text, tokens, i, length)]
            if variants:
                spans.append((i, length, variants))
                i += length
            else:
                i += 1
        spans = self._named_parts_of_towns(tokens, spans)
        spans = self._coordinated_regions(tokens, keys, spans, text)
        spans = self._region_lists(tokens, keys, spans, text)
        named_regions = {v.place.region for _i, _n, vs in spans for v in vs if v.place.category in ("O", "K")}
        named_towns = {v.place.code for _i, _n, vs in spans for v in vs if v.place.category in ("K", "M", "X")}
        mentions = []
        for i, length, variants in spans:
            start, end = tokens[i][0], tokens[i + length - 1][1]
            mentions.append(self._resolve(text[start:end], offset + start, offset + end, variants, named_regions, named_towns))
        return mentions

    def _named_parts_of_towns(self, tokens, spans: list) -> list:
        """"the Novy Melitopol district": a capitalised word before "<town> district" names a
        part of the town, not the raion named after it."""
        result = []
        taken = {j for i, n, _vs in spans for j in range(i, i + n)}
        for i, length, variants in spans:
            centres = {v.centre for v in variants}
            if (i > 0 and None not in centres and len(centres) == 1 and i - 1 not in taken
                    and tokens[i - 1][2][:1].isupper() and fold(tokens[i - 1][2]) not in _DETERMINERS):
                result.append((i, length - 1, [Variant(centres.pop(), (), False)]))
            else:
                result.append((i, length, variants))
        return result

    def _coordinated_regions(self, tokens, keys: _LazyKeys, spans: list, text: str) -> list:
        """"Kherson and Zaporizhzhia regions", "Луганської та Донецької областей": the oblast words
        in the plural cover the adjectives listed before them, which alone read as towns or nothing."""
        by_start = {i: (i, n, vs) for i, n, vs in spans}
        for i, length, variants in list(spans):
            if not (variants[0].place.category == "O" and fold(tokens[i + length - 1][2]) in _PLURAL_REGION_WORDS):
                continue
            j = i
            while j >= 1:
                between = text[tokens[j - 1][1]:tokens[j][0]]
                if j >= 2 and fold(tokens[j - 1][2]) in _CONJUNCTIONS and not between.strip():
                    candidate, gap = j - 2, text[tokens[j - 2][1]:tokens[j - 1][0]]
                elif between.strip() == ",":
                    candidate, gap = j - 1, " "
                else:
                    break
                if gap.strip() not in ("", ",") or not tokens[candidate][2][:1].isupper():
                    break
                region = next((code for code, adjective in self.region_adjectives.items() if adjective & keys[candidate]), None)
                if region is None:
                    break
                by_start.pop(candidate, None)
                by_start[candidate] = (candidate, 1, [Variant(self.places[region], (), False)])
                j = candidate
        return [by_start[k] for k in sorted(by_start)]

    def _region_of_adjective(self, keys: _LazyKeys, i: int, tokens) -> str | None:
        if not tokens[i][2][:1].isupper():
            return None
        word = keys.first(i)
        return next((code for code, adjective in self.region_adjectives.items() if adjective & word), None)

    def _region_lists(self, tokens, keys: _LazyKeys, spans: list, text: str) -> list:
        """"the provinces of Luhansk, Donetsk, Kherson and Zaporizhzhia", "Donetsk, Luhansk,
        Zaporizhzhia and Kherson": a list after "regions of", or of three or more oblast names, is
        of oblasts, though each name alone is also a city's."""
        by_start = {i: (i, n, vs) for i, n, vs in spans}
        covered = {j for i, n, _vs in spans for j in range(i, i + n)}
        i = 0
        while i < len(tokens):
            run = []
            j = i
            while j < len(tokens) and (j not in covered or j in by_start and by_start[j][1] == 1):
                region = self._region_of_adjective(keys, j, tokens)
                if region is None:
                    break
                run.append((j, region))
                gap = text[tokens[j][1]:tokens[j + 1][0]] if j + 1 < len(tokens) else ""
                if gap.strip() == "," and j + 1 < len(tokens) and fold(tokens[j + 1][2]) in _CONJUNCTIONS:
                    j += 2
                elif gap.strip() == ",":
                    j += 1
                elif not gap.strip() and j + 1 < len(tokens) and fold(tokens[j + 1][2]) in _CONJUNCTIONS:
                    j += 2
                else:
                    break
            before = [fold(t[2]) for t in tokens[max(0, i - 2):i]]
            introduced = len(before) == 2 and before[0] in _PLURAL_REGION_WORDS and before[1] in ("of",)
            if len(run) >= 3 or (run and introduced):
                for k, region in run:
                    by_start[k] = (k, 1, [Variant(self.places[region], (), False)])
                i = run[-1][0] + 1
            else:
                i += 1
        return [by_start[k] for k in sorted(by_start)]

    def _longest(self, keys: _LazyKeys, i: int, count: int) -> tuple[int, list[Variant]]:
        best, found = 0, []
        seen = set()
        for key in keys.first(i):
            for variant in self.by_first.get(key, ()):
                if id(variant) in seen:
                    continue
                seen.add(id(variant))
                n = len(variant.words)
                if n < best or i + n > count:
                    continue
                if all(variant.words[j] & keys[i + j] for j in range(1, n)):
                    if n > best:
                        best, found = n, []
                    found.append(variant)
        return best, found

    def _acceptable(self, variant: Variant, text: str, tokens, i: int, length: int) -> bool:
        first = tokens[i][2]
        if not first[:1].isupper():
            return False
        if variant.loose and fold(anyascii(first))[:2] != variant.prefix:
            return False
        end = tokens[i + length - 1][1]
        if text[end:end + 1] == "." and text[end + 1:end + 2].isalpha():
            # "Krym.Realii", "Крым.Реалии": an outlet's name, not the place.
            return False
        place = variant.place
        if place.category in ("O", "P", "K", "I"):
            return True
        following = [t[2].lower() for t in tokens[i + length:i + length + 2]]
        if length == 1 and following and following[0] in _PART_OF_TOWN and following[1:] == ["of"]:
            # "the Kamenka district of Simferopol": a part of the town, not the village Kamenka.
            return False
        written = "".join(t[2] for t in tokens[i:i + length])
        if length == 1 and (len(written) < MIN_LETTERS or fold(written) in STOP or keys_in_stop(first)):
            return False
        if place.category == "C" and i == 0 and _CYRILLIC.search(first) and _common_word(first):
            return False
        if length == 1 and place.category in ("C", "X") and _person_name(first):
            # Villages named like people (Марія, Шевченко): only after a preposition or "село".
            return (fold(tokens[i - 1][2]) if i else "") in SETTLEMENT_CUES
        if length == 1 and place.category in ("C", "X") and _CYRILLIC.search(first) and _adjectival(place.name):
            # "Первомайське", "Кримське", "Луганське" are also adjectives ("Крымского университета",
            # "Луганської та Донецької областей"): taken only after a preposition or a settlement
            # word, and in a form of the name's gender.
            previous = fold(tokens[i - 1][2]) if i else ""
            return previous in SETTLEMENT_CUES and _agrees(place.name, first)
        return True

    def _resolve(self, written: str, start: int, end: int, variants: list[Variant], named_regions: set[str],
                 named_towns: set[str]) -> PlaceMention:
        places = {v.place.code: v.place for v in variants}
        exact = {v.place.code for v in variants if not v.loose}

        def rank(p: Place):
            return (p.code in exact, p.parent in named_towns, p.region in named_regions and p.category not in ("O", "K"),
                    SIZE[p.category], p.occupied)

        ordered = sorted(places.values(), key=rank, reverse=True)
        top = [p for p in ordered if rank(p) == rank(ordered[0])]
        if len(top) == 1:
            p = top[0]
            return PlaceMention(written, start, end, code=p.code, name=p.name, region=p.region, level=p.level)
        # Same rank, different places (two villages of one name in two raions): no code.
        names = {p.name for p in top}
        regions = {p.region for p in top}
        return PlaceMention(written, start, end, code=None, name=names.pop() if len(names) == 1 else None,
                            region=regions.pop() if len(regions) == 1 else None, level=top[0].level)


_PART_OF_TOWN = frozenset(("district", "neighbourhood", "neighborhood", "microdistrict", "quarter", "area"))
_PLURAL_REGION_WORDS = frozenset(("regions", "oblasts", "областей", "областях", "областям", "областями", "області",
                                  "области", "регионов", "регіонів", "provinces"))
_DETERMINERS = frozenset(("the", "a", "in", "of", "from", "to", "at", "this", "that"))
_CONJUNCTIONS = frozenset(("and", "і", "й", "та", "и", "or", "або", "или"))
SETTLEMENT_CUES = frozenset("""
в у во із з с со под під біля возле около до від от поблизу вблизи село селі села селом сел селище селищі селища
поселок поселке поселка поселку пгт смт пос с-ще
""".split())
_ADJECTIVAL = ("ське", "цьке", "зьке", "не", "ве", "ое", "ее", "ий", "ій", "ый", "ой", "ська", "цька", "зька", "ая", "яя")
# Endings of the forms of an adjective of each gender (uk and ru), after the name's stem.
_GENDER_ENDINGS = {
    "n": ("е", "є", "ого", "ому", "ім", "им", "ое", "ее", "его", "ему", "ом", "ем", "ым"),
    "m": ("ий", "ій", "ый", "ой", "ого", "ому", "ім", "им", "его", "ему", "ом", "ем", "ым"),
    "f": ("а", "я", "ої", "ій", "ою", "у", "ю", "ая", "ой", "ую", "ей"),
}


def _adjectival(name: str) -> bool:
    return " " not in name and fold(name).endswith(_ADJECTIVAL)


def _agrees(name: str, written: str) -> bool:
    folded = fold(name)
    gender = "f" if folded.endswith(("а", "я")) else "m" if folded.endswith(("й",)) else "n"
    return fold(written).endswith(_GENDER_ENDINGS[gender])


@dataclass(frozen=True)
class Row:
    """The part of a gazetteer row (``svidok.incidents.gazetteer.Row``) the index needs."""

    code: str
    category: str
    name_uk: str
    name_ru: str
    name_crh: str
    alt_names: list
    region: str
    occupied_since: str | None
    parent: str = ""


def gazetteer_rows() -> list[Row]:
    """The gazetteer rows, from a JSON copy in ``VAR_DIR/cache`` when the data files have not
    changed since it was written: joining the files (GeoNames points in raion polygons) takes
    about half a second, reading the copy a twentieth of that."""
    from django.conf import settings

    from svidok.incidents.gazetteer import build, data_dir

    stamp = json.dumps([CACHE_VERSION] + [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in sorted(data_dir().iterdir())])
    path = Path(settings.VAR_DIR) / "cache" / f"gazetteer-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.json"
    try:
        return [Row(**item) for item in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        pass
    built, _stats = build()
    rows = [Row(r.code, r.category, r.name_uk, r.name_ru, r.name_crh, list(r.alt_names), r.region,
                r.occupied_since.isoformat() if r.occupied_since else None, r.parent) for r in built if r.category in LEVEL]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
        for old in path.parent.glob("gazetteer-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only VAR_DIR only costs the next process the join
    return rows


class _LazyKeys:
    """The keys of a sentence's words, computed when a match first needs them."""

    def __init__(self, tokens, prefixes: frozenset[str]):
        self.tokens, self.prefixes = tokens, prefixes
        self.cache: dict[int, frozenset[str]] = {}

    def __getitem__(self, i: int) -> frozenset[str]:
        found = self.cache.get(i)
        if found is None:
            found = self.cache[i] = token_keys(self.tokens[i][2])
        return found

    def first(self, i: int) -> frozenset[str]:
        """The keys of a word that would begin a name: not lemmatized when no name begins so."""
        word = self.tokens[i][2]
        if _CYRILLIC.search(word) and fold(word)[:3] not in self.prefixes:
            return frozenset(("c:" + fold(word),))
        return self[i]


@functools.lru_cache(maxsize=20_000)
def keys_in_stop(word: str) -> bool:
    """A stop-listed word in any inflection ("Перемоги", "Победе")."""
    if not _CYRILLIC.search(word):
        return fold(_POSSESSIVE.sub("", word)) in STOP
    return any(k[2:] in STOP for k in cyrillic_keys(word))


@functools.lru_cache(maxsize=20_000)
def _person_name(word: str) -> bool:
    """The analyzers know the word as a first name, surname or patronymic."""
    if not _CYRILLIC.search(word):
        return False
    lowered = word.lower()
    return any(p.is_known and {"Name", "Surn", "Patr"} & p.tag.grammemes for analyzer in analyzers() for p in parses(analyzer, lowered))


@functools.lru_cache(maxsize=20_000)
def _common_word(word: str) -> bool:
    """The analyzers know the lower-cased word as a dictionary word that is not a place name."""
    lowered = word.lower()
    for analyzer in analyzers():
        known = [p for p in parses(analyzer, lowered) if p.is_known]
        # p.tag.grammemes, not "Geox" in p.tag: the tag class validates a grammeme against the
        # dictionary loaded last in the process (uk has no Geox) and raises.
        if known and not any("Geox" in p.tag.grammemes for p in known):
            return True
    return False


def best_place(mentions: list[PlaceMention]) -> PlaceMention | None:
    """The most specific place (settlement > raion > region); among equals the first with a code."""
    if not mentions:
        return None
    return max(mentions, key=lambda m: (SPECIFIC.get(m.level, 0), m.code is not None, -m.start))
