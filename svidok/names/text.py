"""Names across scripts: homoglyph repair, standard romanizations, lemmatization of inflected
forms, the display name for a user's language, validation, and the normalized forms the matcher
compares (:func:`match_forms`).

The romanizations come from kept libraries (translitua for Ukrainian, iuliia for Russian) and
:mod:`svidok.names.crh` for Crimean Tatar; docs/names.md lists the schemes and their sources.
"""

import functools
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

import iuliia
import translitua
from django.conf import settings
from django.utils.translation import gettext
from rigour.text import ascii_text

from svidok.names import crh

MAX_NAME_LENGTH = 300
MAX_NAME_WORDS = 12

# A word: letters, with apostrophes inside (Знам'янка, O'Neill).
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*")
_APOSTROPHES = re.compile(r"['’ʼ`´\"”″]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Latin letters that look like Cyrillic ones, and back. Ukrainian і/ї are Cyrillic letters.
_LATIN_TO_CYRILLIC = {
    "a": "а", "c": "с", "e": "е", "i": "і", "k": "к", "o": "о", "p": "р", "x": "х", "y": "у",
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К", "M": "М", "O": "О",
    "P": "Р", "T": "Т", "X": "Х", "Y": "У", "ï": "ї", "Ï": "Ї", "ë": "ё", "Ë": "Ё",
}
_CYRILLIC_TO_LATIN = {cyr: lat for lat, cyr in _LATIN_TO_CYRILLIC.items()} | {
    "ѕ": "s", "ј": "j", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "Ѕ": "S", "Ј": "J",
}

_UK_LETTERS = frozenset("іїєґІЇЄҐ")
_RU_LETTERS = frozenset("ыэъёЫЭЪЁ")
_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})

UK_SCHEMES = ("uk_national_2010", "uk_passport", "uk_bgn_pcgn_1965")
RU_SCHEMES = ("ru_icao_9303", "ru_bgn_pcgn", "ru_gost_7_79")
CRH_SCHEME = "crh_latin"

# The script a user of each language reads names in.
_USER_SCRIPT = {"uk": "Cyrl", "ru": "Cyrl", "crh": "Latn", "en": "Latn"}
_KIND_ORDER = {"official": 0, "transliteration": 1, "press": 2, "alias": 3}


_CYRILLIC_LETTER = re.compile("[\u0400-\u0481\u048a-\u052f]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")


def _(message: str) -> str:
    # Translated inside Django; plain for scripts and benchmarks that use names without settings.
    return gettext(message) if settings.configured else message


def _is_cyrillic(char: str) -> bool:
    return _CYRILLIC_LETTER.match(char) is not None


def _is_latin(char: str) -> bool:
    return _LATIN_LETTER.match(char) is not None


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC_LETTER.search(text or "") is not None


def _counts(word: str) -> tuple[int, int]:
    """(Cyrillic letters, Latin letters) in ``word``."""
    return len(_CYRILLIC_LETTER.findall(word)), len(_LATIN_LETTER.findall(word))


# ---------------------------------------------------------------------------------------------
# Homoglyphs


def _repair_word(word: str, dominant: str) -> str:
    cyrillic, latin = _counts(word)
    if not cyrillic or not latin:
        return word
    if cyrillic != latin:
        target = "Cyrl" if cyrillic > latin else "Latn"
    elif dominant:
        target = dominant
    else:
        return word
    table, foreign = (_LATIN_TO_CYRILLIC, _is_latin) if target == "Cyrl" else (_CYRILLIC_TO_LATIN, _is_cyrillic)
    if not all(c in table for c in word if foreign(c)):
        return word  # not a look-alike: a mixed word that check_name refuses
    return "".join(table[c] if foreign(c) else c for c in word)


def repair_homoglyphs(text: str) -> str:
    """Replace look-alike letters of the other script inside a word by the word's own script.

    The word's script is the one most of its letters are in (ties: the script of the whole text);
    ``Iнна`` with a Latin ``I`` becomes ``Інна``, ``Kоzenko`` with a Cyrillic ``о`` becomes
    ``Kozenko``. A word whose minority letters have no look-alike is left as it is.
    """
    text = text or ""
    cyrillic, latin = _counts(text)
    dominant = "Cyrl" if cyrillic > latin else "Latn" if latin > cyrillic else ""
    return _WORD.sub(lambda m: _repair_word(m.group(), dominant), text)


def mixed_words(text: str) -> list[tuple[int, str]]:
    """(1-based position, word) of the words that still mix Cyrillic and Latin letters."""
    return [(n, w) for n, w in enumerate(_WORD.findall(text or ""), 1) if all(_counts(w))]


# ---------------------------------------------------------------------------------------------
# Romanization


def _per_word(text: str, scheme: str) -> str:
    """Romanize ``text`` word by word with ``scheme``; other characters are kept."""
    return _WORD.sub(lambda m: _convert_word(scheme, m.group()), text)


@functools.lru_cache(maxsize=200_000)
def _convert_word(scheme: str, word: str) -> str:
    # Cached per word: given names and patronymics recur in every list. An all-capitals word is
    # converted in lower case and put back in capitals (the libraries give MALYShEV for МАЛЫШЕВ).
    if not has_cyrillic(word):
        return word
    convert = _CONVERTERS[scheme]
    if len(word) > 1 and word.isupper():
        return convert(word.lower()).upper()
    return convert(word)


def _bgn_pcgn(word: str) -> str:
    # iuliia spells the BGN/PCGN "ë" with the Cyrillic letter ё; the table has the Latin one.
    return iuliia.BGN_PCGN.translate(word).replace("ё", "ë").replace("Ё", "Ë")


_CONVERTERS: dict[str, Callable[[str], str]] = {
    "uk_national_2010": translitua.translit,
    "uk_bgn_pcgn_1965": lambda w: translitua.translit(w, translitua.UkrainianBGN),
    "ru_icao_9303": iuliia.ICAO_DOC_9303.translate,
    "ru_bgn_pcgn": _bgn_pcgn,
    # GOST 7.79-2000 system B (ASCII); iuliia calls it GOST_779_ALT, its GOST_779 is system A.
    "ru_gost_7_79": iuliia.GOST_779_ALT.translate,
}


def cyrillic_languages(text: str, lang: str | None = None) -> tuple[str, ...]:
    """Which of uk/ru a Cyrillic name is in: the given language, else told by its letters
    (і ї є ґ -> uk; ы э ъ ё -> ru), else both."""
    if lang in ("uk", "ru"):
        return (lang,)
    letters = set(text)
    uk, ru = bool(letters & _UK_LETTERS), bool(letters & _RU_LETTERS)
    if uk and not ru:
        return ("uk",)
    if ru and not uk:
        return ("ru",)
    return ("uk", "ru")


def romanizations(name: str, lang: str | None = None) -> dict[str, str]:
    """The standard romanizations of a Cyrillic name, ``{scheme: value}``; ``{}`` for a name with no
    Cyrillic letters.

    Ukrainian: ``uk_national_2010`` (Cabinet of Ministers resolution 55 of 27 January 2010),
    ``uk_passport`` (the same table in capitals, as passports print it since 2010) and
    ``uk_bgn_pcgn_1965`` (the older BGN/PCGN system of the EU and US lists: Serhiy, Mykhaylo).
    Russian: ``ru_icao_9303`` (Russian passports since 2014), ``ru_bgn_pcgn``, ``ru_gost_7_79``
    (system B). Crimean Tatar Latin (``crh_latin``) when ``lang`` is ``"crh"``.
    """
    name = " ".join((name or "").split())
    if not has_cyrillic(name):
        return {}
    result: dict[str, str] = {}
    langs = cyrillic_languages(name, lang)
    if "uk" in langs:
        national = _per_word(name, "uk_national_2010")
        result["uk_national_2010"] = national
        result["uk_passport"] = national.upper()
        result["uk_bgn_pcgn_1965"] = _per_word(name, "uk_bgn_pcgn_1965")
    if "ru" in langs:
        for scheme in RU_SCHEMES:
            result[scheme] = _per_word(name, scheme)
    if lang == "crh":
        result[CRH_SCHEME] = crh.to_latin(name)
    return result


# ---------------------------------------------------------------------------------------------
# Lemmatization

_analyzers: dict[str, object] = {}
_analyzers_lock = threading.Lock()


def analyzer(lang: str):
    """The pymorphy3 analyzer for ``lang`` (uk or ru), created once per process."""
    analyzer = _analyzers.get(lang)
    if analyzer is None:
        with _analyzers_lock:
            analyzer = _analyzers.get(lang)
            if analyzer is None:
                import pymorphy3

                analyzer = _analyzers[lang] = pymorphy3.MorphAnalyzer(lang=lang)
    return analyzer


def parses(analyzer, word: str) -> list:
    """``analyzer.parse(word)`` of a pymorphy3 analyzer, or no reading when it cannot read the
    word: it asks unicodedata for each letter's name, and a letter newer than Python's tables
    (Tangut) or an unassigned code point has none."""
    try:
        return analyzer.parse(word)
    except ValueError:
        return []


@functools.lru_cache(maxsize=100_000)
def name_parses(lang: str, word: str) -> tuple:
    """The readings of ``word`` as a singular given name, surname or patronymic (cached: the
    same given names and patronymics recur in every list)."""
    if len(word) < 2:
        return ()  # an initial says nothing about case or gender
    return tuple(
        p for p in parses(analyzer(lang), word)
        if _NAME_TAGS & p.tag.grammemes and not {"plur", "Init", "Abbr"} & p.tag.grammemes
    )


@functools.lru_cache(maxsize=100_000)
def is_known_name(lang: str, word: str) -> bool:
    return bool(name_parses(lang, word)) and analyzer(lang).word_is_known(word)


def _same_style(original: str, lemma: str) -> str:
    if "ё" not in original.lower():
        # pymorphy restores ё (Аксенова -> аксёнов); keep the spelling the source used.
        lemma = lemma.replace("ё", "е")
    if len(original) > 1 and original.isupper():
        return lemma.upper()
    if original[:1].isupper():
        return lemma[:1].upper() + lemma[1:]
    return lemma


def _choose_language(words: list[str], text: str, lang: str | None) -> str:
    if lang in ("uk", "ru"):
        return lang
    langs = cyrillic_languages(text)
    if len(langs) == 1:
        return langs[0]
    # No telling letters (Михайла Малишева): the dictionary that knows more of the words.
    known = {code: sum(1 for w in words if is_known_name(code, w.lower())) for code in ("ru", "uk")}
    return "uk" if known["uk"] > known["ru"] else "ru"


@functools.lru_cache(maxsize=50_000)
def lemmatize(name: str, lang: str | None = None) -> str:
    """The name in the nominative: ``Михаила Малышева`` -> ``Михаил Малышев``, ``Інну Гузєєву`` ->
    ``Інна Гузєєва``.

    All Cyrillic words of the name are read as one person's name: the gender and case that most
    of its words can share is chosen (a feminine given name keeps the surname feminine), and
    each word is put in the nominative of that gender. A name that can already be read in the
    nominative is left as it is. Capitals are kept (``ГУЗЄЄВОЇ`` -> ``ГУЗЄЄВА``); Latin words and
    words no dictionary reads as a name are not touched.
    """
    matches = [m for m in _WORD.finditer(name or "") if has_cyrillic(m.group()) and not _counts(m.group())[1]]
    if not matches:
        return name
    words = [m.group() for m in matches]
    language = _choose_language(words, name, lang if lang != "crh" else "ru")
    parses = [name_parses(language, w.lower()) for w in words]
    readings: Counter = Counter()
    weight: Counter = Counter()
    given: set = set()
    for word_parses in parses:
        seen = set()
        for p in word_parses:
            key = (p.tag.gender, p.tag.case)
            if key not in seen:
                seen.add(key)
                readings[key] += 1
            weight[key] += p.score
            if "Name" in p.tag.grammemes:
                given.add(key)
    if not readings:
        return name
    best = max(readings, key=lambda k: (readings[k], k in given, k[1] == "nomn", weight[k]))
    if best[1] == "nomn":
        return name
    out, last = [], 0
    for match, word_parses in zip(matches, parses, strict=True):
        chosen = next((p for p in word_parses if (p.tag.gender, p.tag.case) == best), None)
        inflected = chosen.inflect({"nomn"}) if chosen is not None else None
        out.append(name[last:match.start()])
        out.append(_same_style(match.group(), inflected.word) if inflected else match.group())
        last = match.end()
    out.append(name[last:])
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Display


def _field(variant, name: str, default=""):
    if isinstance(variant, Mapping):
        return variant.get(name, default)
    return getattr(variant, name, default)


def _variant_script(variant) -> str:
    script = _field(variant, "script")
    if script:
        return script
    cyrillic, latin = _counts(_field(variant, "name"))
    return "Cyrl" if cyrillic >= latin and cyrillic else "Latn" if latin else ""


def display_name(variants: Iterable, lang: str) -> str:
    """The spelling to show a user who reads ``lang`` (uk, ru, crh, en).

    In order: an official variant in that language; a transliteration made for that language;
    the primary variant if it is in the user's script; any variant in the user's script
    (official first); the primary variant transliterated into that script (Crimean Tatar Latin
    for crh, Ukrainian national or Russian ICAO for en, Cyrillic from Crimean Tatar Latin); the
    primary variant as it is.
    """
    variants = [v for v in variants if _field(v, "name")]
    if not variants:
        return ""
    ordered = sorted(variants, key=lambda v: (not _field(v, "primary", False), _KIND_ORDER.get(_field(v, "kind"), 9)))
    for kind in ("official", "transliteration"):
        for v in ordered:
            if _field(v, "lang") == lang and _field(v, "kind") == kind:
                return _field(v, "name")
    script = _USER_SCRIPT.get(lang, "Latn")
    primary = ordered[0]
    if _variant_script(primary) == script:
        return _field(primary, "name")
    for v in ordered:
        if _variant_script(v) == script:
            return _field(v, "name")
    return _transliterate_for(_field(primary, "name"), _field(primary, "lang"), lang, script)


def _transliterate_for(name: str, source_lang: str, lang: str, script: str) -> str:
    if script == "Latn" and has_cyrillic(name):
        if lang == "crh" or source_lang == "crh":
            return crh.to_latin(name)
        language = _choose_language(_WORD.findall(name), name, source_lang)
        keys = romanizations(name, language)
        return keys["uk_national_2010"] if language == "uk" else keys["ru_icao_9303"]
    if script == "Cyrl" and source_lang == "crh" and not has_cyrillic(name):
        return crh.to_cyrillic(name)
    return name


# ---------------------------------------------------------------------------------------------
# Matching forms

_CRH_LATIN_LETTERS = frozenset("çğıñöşüâqÇĞİIÑÖŞÜÂQ") - {"I"}


def fold(text: str) -> str:
    """Lower-case ASCII tokens separated by single spaces; apostrophes and the transliteration
    marks (’ ” ` ·) vanish inside words, other punctuation separates them."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFC", text or "")).replace("·", "")
    return " ".join(_NON_ALNUM.split(ascii_text(text).lower())).strip()


@functools.lru_cache(maxsize=300_000)
def _fold_word(word: str) -> str:
    if word.isascii():
        # What fold does to ASCII, without rigour's transliterator (a no-op on ASCII).
        return " ".join(_NON_ALNUM.split(_APOSTROPHES.sub("", word).lower())).strip()
    return fold(word)


def fold_words(text: str) -> str:
    """:func:`fold` word by word, each word cached: folding Cyrillic takes rigour about 0.1 ms a
    word, and given names, patronymics and surnames recur across a registry."""
    return " ".join(f for f in map(_fold_word, text.split()) if f)


@functools.lru_cache(maxsize=200_000)
def _match_forms(text: str, lang: str | None, inflected: bool) -> tuple[str, ...]:
    repaired = repair_homoglyphs(" ".join(text.split()))
    sources = [repaired]
    if inflected and has_cyrillic(repaired):
        lemma = lemmatize(repaired, lang)
        if lemma != repaired:
            sources.append(lemma)
    forms = [fold(s) for s in sources]
    for source in sources:
        forms.extend(fold(v) for v in romanizations(source, lang).values())
    if not has_cyrillic(repaired) and (lang == "crh" or _CRH_LATIN_LETTERS & set(repaired)):
        # Crimean Tatar press spelling (Sergey Aksönov): read back into Cyrillic, then romanize
        # the Russian way, which is how the lists spell these names (Aksenov, Aksyonov).
        forms.extend(fold(v) for v in romanizations(crh.to_cyrillic(repaired), "ru").values())
    return tuple(f for f in dict.fromkeys(forms) if f)


def match_forms(text: str, lang: str | None = None, *, inflected: bool = True) -> list[str]:
    """Every normalized Latin form of a name for matching, without repeats, in a stable order:
    the name itself (homoglyphs repaired) and its nominative if it was inflected, each folded to
    lower-case ASCII (:func:`fold`); then the romanizations of each (:func:`romanizations`);
    for Crimean Tatar Latin, the Russian romanizations of its Cyrillic spelling.

    ``inflected=False`` skips the lemmatizer, for names known to be in the nominative (a
    register's or a sanctions list's own entries): about ten times faster on a cold cache.
    """
    return list(_match_forms(text or "", lang or None, inflected))


# ---------------------------------------------------------------------------------------------
# Validation


def check_name(text: str, *, kind: str = "person") -> str:
    """The name with its whitespace collapsed, or ValueError saying what is wrong with it.

    Refused: empty; no letters; longer than 300 characters; one character repeated; and for
    persons (``kind="person"``) more than 12 words, initials only (``И. Н.``, ``A.B.``), or a word
    mixing Latin and Cyrillic letters that are not look-alikes, named by its position and the odd
    letters (not the word: error messages carry no names). Organizations may have long names,
    acronyms and brand names that mix scripts (``КримSOS``).
    """
    name = " ".join((text or "").split())
    if not name:
        raise ValueError(_("A name is required."))
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(_("A name is at most 300 characters long."))
    letters = [c for c in name if c.isalpha()]
    if not letters:
        raise ValueError(_("A name must contain letters."))
    if len(letters) > 1 and len({c.casefold() for c in name if not c.isspace()}) == 1:
        raise ValueError(_("A name cannot be one character repeated."))
    if kind == "person":
        if len(name.split()) > MAX_NAME_WORDS:
            raise ValueError(_("A person's name has at most %(count)d words.") % {"count": MAX_NAME_WORDS})
        if all(len(word) == 1 for word in _WORD.findall(name)):
            raise ValueError(_("A name cannot be initials only: write at least one name in full."))
    mixed = mixed_words(repair_homoglyphs(name)) if kind == "person" else []
    if mixed:
        position, word = mixed[0]
        cyrillic, latin = _counts(word)
        minority, is_minority = (_("Latin"), _is_latin) if cyrillic >= latin else (_("Cyrillic"), _is_cyrillic)
        raise ValueError(
            _("Word %(position)d of the name mixes Cyrillic and Latin letters (%(script)s: %(letters)s); type it in one script.")
            % {"position": position, "script": minority, "letters": ", ".join(dict.fromkeys(c for c in word if is_minority(c)))}
        )
    return name
