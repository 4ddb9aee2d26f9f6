"""Names as shapes: the words of a name, each with every spelling ``match_forms`` gives it and
each spelling's phonetic skeleton; and the entries (records with their shapes) the index holds."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from svidok.names.text import check_name, match_forms
from svidok.search.normalize import skeleton

PATRONYMIC = re.compile(r"(?:ovich|evich|ovych|evych|ovitch|evitch|ovna|evna|ivna|yivna|iivna|ichna|ovic|evic)$")
# Where one listed name holds several: brackets, slashes, semicolons, and the markers of an alias
# or a former name.
_SEPARATORS = re.compile(r"[()/;]|\b(?:a\.\s?k\.\s?a\.?|f\.\s?k\.\s?a\.?|born|nee|née|formerly)(?=\s|$|:)",
                         re.IGNORECASE)
_QUOTES = str.maketrans({"‘": " ", "’": "'", "“": " ", "”": " ", "«": " ", "»": " ", '"': " "})
_LABEL = re.compile(r"\b[A-Z][a-z]+:")  # Russian:, Ukrainian: before a spelling
_LETTER = re.compile(r"[^\W\d_]")
_UPPER_WORD = re.compile(r"^[^\W\d_a-zа-яёіїєґ]{2,}$")


class MatchError(ValueError):
    """A query that cannot be matched (empty, absurd, initials only, mixed scripts...)."""


@dataclass(frozen=True, slots=True)
class Shape:
    """One name as a sequence of words, each with every spelling ``match_forms`` gives it
    (romanizations, the lemma of an inflected form) and each spelling's skeleton."""

    source: str  # the name (or the part of a combined name) as written, for explanations
    words: tuple[tuple[str, ...], ...]
    skeletons: tuple[tuple[str, ...], ...]  # aligned with ``words``
    patronymic: tuple[bool, ...]
    surname: tuple[bool, ...]  # written in capitals in the source (the EU's convention for family names)

    @property
    def text(self) -> str:
        return " ".join(spellings[0] for spellings in self.words)

    @property
    def spellings(self) -> int:
        return sum(len(w) for w in self.words)


def name_pieces(name: str) -> list[str]:
    """The separately matchable names inside one listed name: ``A (Б)`` holds two, ``A/B`` two,
    ``A, a.k.a. B`` two; markers (``a.k.a.``, ``born``) and labels (``Russian:``) are dropped.
    Lists print such combined names whole. A comma splits only between names of two words or
    more (``IVANOV, Ivan`` is one name)."""
    text = unicodedata.normalize("NFC", name or "").translate(_QUOTES)
    pieces: list[str] = []
    for part in _SEPARATORS.split(_LABEL.sub(" ", text)):
        chunks = [c for c in (" ".join(c.split()).strip(" -.:") for c in part.split(",")) if c]
        if len(chunks) > 1 and any(len(c.split()) < 2 for c in chunks):
            chunks = [" ".join(chunks)]
        for chunk in chunks:
            if len(_LETTER.findall(chunk)) >= 2 and chunk not in pieces:
                pieces.append(chunk)
    return pieces


def surname_flags(source: str, count: int) -> tuple[bool, ...]:
    words = [w for w in re.split(r"[\s\-]+", source) if _LETTER.search(w)]
    if len(words) != count:
        return (False,) * count
    flags = tuple(bool(_UPPER_WORD.match(w)) for w in words)
    # All capitals is no marker at all (a name typed in capitals).
    return (False,) * count if all(flags) else flags


def _patronymic_flags(tokens: tuple[str, ...], surname: tuple[bool, ...]) -> tuple[bool, ...]:
    """Which word is the patronymic: one at most, in a name of three words or more, never a word
    written as a surname; the second word (Ivan Petrovich Sidorov) before the last one (Sidorov
    Ivan Petrovich), since surnames end in -ovich too (Stankevich)."""
    flags = [False] * len(tokens)
    if len(tokens) >= 3:
        looks = [len(t) >= 6 and bool(PATRONYMIC.search(t)) and not surname[i] for i, t in enumerate(tokens)]
        for i in (1, len(tokens) - 1):
            if looks[i]:
                flags[i] = True
                break
    return tuple(flags)


def shapes_from_forms(source: str, forms) -> list[Shape]:
    """Group the forms of one name by their number of words; each group is one shape whose words
    collect the spellings the forms give them."""
    groups: dict[int, list[tuple[str, ...]]] = {}
    for form in forms:
        tokens = tuple(t for t in form.replace("-", " ").split() if t)
        if tokens:
            groups.setdefault(len(tokens), []).append(tokens)
    shapes = []
    for width, rows in groups.items():
        words = tuple(tuple(dict.fromkeys(row[i] for row in rows)) for i in range(width))
        surname = surname_flags(source, width)
        patronymic = tuple(any(flags) for flags in zip(*(_patronymic_flags(row, surname) for row in rows), strict=True))
        shapes.append(Shape(source=source, words=words, skeletons=tuple(tuple(word_skeleton(t) for t in w) for w in words),
                            patronymic=patronymic, surname=surname))
    return shapes


@functools.lru_cache(maxsize=200_000)
def word_skeleton(token: str) -> str:
    return skeleton(token) or token


@functools.lru_cache(maxsize=50_000)
def shapes_of(name: str) -> tuple[Shape, ...]:
    """The shapes of every piece of a listed or registered ``name`` (index side: no validation;
    a list's or the registry's own names are in the nominative, so they are not lemmatized)."""
    shapes: list[Shape] = []
    for piece in name_pieces(name):
        shapes.extend(shapes_from_forms(piece, match_forms(piece, inflected=False)))
    return tuple(shapes)


def query_shapes(name: str, *, kind: str = "person") -> tuple[Shape, ...]:
    """The shapes of a query; :class:`MatchError` when the name cannot be matched."""
    try:
        checked = check_name(name, kind=kind)
    except ValueError as exc:
        raise MatchError(str(exc)) from None
    shapes = shapes_from_forms(checked, match_forms(checked))
    if not shapes:
        raise MatchError("The name has no letters to match.")
    # The shape most forms agree on first: it defines the words of the candidate stage.
    shapes.sort(key=lambda s: -s.spellings)
    return tuple(shapes)


@dataclass(slots=True)
class Entry:
    """One matchable record: a registry person or organization, or an entity of a reference list."""

    id: str  # public id: person/organization UUID, or the FollowTheMoney id of a list entity
    schema: str  # FollowTheMoney schema: Person, Organization, LegalEntity, Company...
    caption: str
    names: list[str]
    shapes: tuple[Shape, ...]
    birth_dates: tuple[str, ...] = ()  # ISO dates or years
    record_id: str = ""  # the list's own record id (lists only)
    properties: dict = field(default_factory=dict)
    listed_since: str | None = None
    program: str = ""

    @property
    def is_person(self) -> bool:
        return self.schema == "Person"


def make_entry(*, id: str, schema: str, caption: str, names: list[str], birth_dates=(), extra_forms=(), **fields) -> Entry:
    """An entry with the shapes of all its names; ``extra_forms`` are ``(name, [forms])`` already
    normalized (the romanization keys stored with a registry name), used instead of
    recomputing them."""
    shapes: list[Shape] = []
    seen: set = set()
    precomputed = dict(extra_forms)
    for name in names:
        found = shapes_from_forms(name, precomputed[name]) if precomputed.get(name) else shapes_of(name)
        for shape in found:
            if shape.words not in seen:
                seen.add(shape.words)
                shapes.append(shape)
    return Entry(id=id, schema=schema, caption=caption, names=list(names), shapes=tuple(shapes),
                 birth_dates=tuple(birth_dates), **fields)


def check_birth_date(value) -> str | None:
    """``YYYY-MM-DD`` or ``YYYY`` (or a date); :class:`MatchError` otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise MatchError(f"Birth date {text!r} is not a date (YYYY-MM-DD or YYYY).") from None
