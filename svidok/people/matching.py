"""Person and organization matching: a name in any script against the registry or a reference list.

Two stages, both over the normalized Latin forms of names (``names.match_forms``: homoglyphs
repaired, case-inflected Cyrillic lemmatized, romanized by every standard scheme):

1. **Candidates.** Every token of every indexed form is folded to a phonetic skeleton
   (``search.normalize.skeleton``: the usual transliteration differences collapse); the distinct
   skeletons form a vocabulary with postings (token -> entries). The query's skeletons are compared
   with the whole vocabulary in one ``rapidfuzz.process.cdist`` call (normalized Levenshtein), and
   each entry gets, per word of the query, the best similarity of any of its tokens; the top K
   entries by the sum go on. No entry is compared name by name at this stage.
2. **Scoring** (:func:`score_forms`). For each pair (query form, candidate form) the tokens are
   aligned one to one (greedy on similarity: the better of plain Levenshtein on the romanization
   and, slightly discounted, on the skeleton). A patronymic (``-ovich``, ``-ivna``...) counts half
   and only when both sides have one; a query word left unmatched counts zero; a name of one word
   cannot reach the threshold. The best pair is the name score; a birth date that agrees adds a
   little, one that disagrees takes a lot away. The explanation says which form matched which,
   token by token.

nomenklatura's ``logic-v2`` (the OpenSanctions scorer) can score the same candidates instead
(``algorithm="logic-v2"``); ``bench/matching.py`` compares both, and docs/matching.md has the figures.

The index is built once per process for each source (the registry, or one reference list) and
rebuilt when its source changes (:func:`get_index`). Protected persons are never indexed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from svidok.people.names import check_name, fold, match_forms
from svidok.search.normalize import skeleton

ALGORITHM = "svidok-names"
VERSION = "1"
DEFAULT_THRESHOLD = 0.8
LOGIC_V2_THRESHOLD = 0.7  # OpenSanctions' default for logic-v2 (yente SCORE_THRESHOLD)
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
CANDIDATES = 40  # entries passed from the candidate stage to the scorer (at least; more for a larger limit)

CANDIDATE_MIN = 0.7  # similarity below which a vocabulary word is not a candidate for a query word
CANDIDATE_FLOOR = 0.6  # similarity that would count zero in the candidate ranking
SIMILAR_CACHE = 50_000  # query words whose similar vocabulary words are kept (per index)
SPELLING, SKELETON = 0, 1
TOKEN_MIN = 0.8  # aligned words less similar than this do not match
SKELETON_DISCOUNT = 0.95  # equal skeletons but different spellings: a transliteration variant, not identical
SKELETON_LIFT = 0.25  # at most this much above the plain similarity comes from the skeleton
TOKEN_STEEPNESS = 2.0  # how fast a token's score falls below perfect similarity (typo vs another name)
PATRONYMIC_WEIGHT = 0.5
EXTRA_CANDIDATE_WORD = 0.95  # factor per unpaired word of the candidate (not a patronymic)
INITIAL_SIMILARITY = 0.8  # an initial and a word starting with it
ONE_WORD_CAP = 0.6  # a match on one word (a surname alone) is never an alert
BIRTH_DATE_AGREES = 0.05
BIRTH_DATE_OTHER_DAY = -0.15
BIRTH_DATE_OTHER_YEAR = -0.3

_PATRONYMIC = re.compile(r"(?:ovich|evich|ovych|evych|ovitch|evitch|ovna|evna|ivna|yivna|iivna|ichna|ovic|evic)$")
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


# --- names as shapes: words with their spellings ------------------------------------------------------

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


def _surname_flags(source: str, count: int) -> tuple[bool, ...]:
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
        looks = [len(t) >= 6 and bool(_PATRONYMIC.search(t)) and not surname[i] for i, t in enumerate(tokens)]
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
        surname = _surname_flags(source, width)
        patronymic = tuple(any(flags) for flags in zip(*(_patronymic_flags(row, surname) for row in rows), strict=True))
        shapes.append(Shape(source=source, words=words, skeletons=tuple(tuple(_skeleton(t) for t in w) for w in words),
                            patronymic=patronymic, surname=surname))
    return shapes


@functools.lru_cache(maxsize=200_000)
def _skeleton(token: str) -> str:
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




# --- entries and the index -------------------------------------------------------------------------------

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


class MatchIndex:
    """Entries plus the word vocabulary and postings of the candidate stage. Read-only once built."""

    def __init__(self, entries: list[Entry], *, label: str = "", state=None, birth_dates=None):
        self.entries = entries
        self.label = label
        self.state = state
        # For the registry, birth dates are read for the candidates at query time (``entries ->
        # {id: dates}``) rather than kept in the index, so that a changed date counts at once.
        self.birth_dates = birth_dates
        started = time.perf_counter()
        # Two vocabularies: the spellings (romanizations, which catch typos that change a skeleton a
        # lot: Tsekov / Trekov give "cakav" / "trakav") and their skeletons (which catch
        # transliterations). A query word is compared with each in its own kind.
        vocab: tuple[dict[str, int], dict[str, int]] = ({}, {})
        postings: list[list[int]] = []
        for number, entry in enumerate(entries):
            words: tuple[set, set] = (set(), set())
            for shape in entry.shapes:
                for spellings, skeletons in zip(shape.words, shape.skeletons, strict=True):
                    words[SPELLING].update(spellings)
                    words[SKELETON].update(skeletons)
            for kind in (SPELLING, SKELETON):
                for word in words[kind]:
                    tid = vocab[kind].get(word)
                    if tid is None:
                        tid = vocab[kind][word] = len(postings)
                        postings.append([])
                    postings[tid].append(number)
        self.words = (list(vocab[SPELLING]), list(vocab[SKELETON]))
        self.word_ids = tuple(np.fromiter(v.values(), dtype=np.int64, count=len(v)) for v in vocab)
        self._word_array = tuple(np.array(w, dtype=object) for w in self.words)
        self._bigrams: dict[str, int] = {}
        self._bigram_matrix = tuple(self._bigram_rows(w) for w in self.words)
        lengths = np.fromiter((len(p) for p in postings), dtype=np.int64, count=len(postings))
        self.post_start = np.zeros(len(postings), dtype=np.int64)
        if len(postings):
            self.post_start[1:] = np.cumsum(lengths)[:-1]
        self.post_len = lengths
        self.post_entries = np.fromiter(itertools.chain.from_iterable(postings), dtype=np.int32, count=int(lengths.sum()))
        # Rare words weigh more when ranking candidates: a shared surname says more than a shared
        # "Sergey" (inverse document frequency).
        self.idf = np.log1p(max(len(entries), 1) / np.maximum(lengths, 1)).astype(np.float32)
        self.is_person = np.fromiter((e.is_person for e in entries), dtype=bool, count=len(entries))
        # Query word -> its similar vocabulary words. Given names and patronymics recur from query
        # to query; comparing them with the whole vocabulary again would be most of the work.
        self._similar: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        self._similar_lock = threading.Lock()
        self.build_seconds = time.perf_counter() - started

    def __len__(self):
        return len(self.entries)

    @property
    def vocabulary_size(self) -> int:
        return len(self.words[SPELLING]) + len(self.words[SKELETON])

    def _bigram_rows(self, words: list[str]):
        """Words x bigrams (``^w``, ``wo``, ..., ``d$``), 1 where the word has the bigram."""
        from scipy.sparse import csr_matrix

        indptr, indices = [0], []
        for word in words:
            grams = {self._bigrams.setdefault(g, len(self._bigrams)) for g in _bigrams(word)}
            indices.extend(sorted(grams))
            indptr.append(len(indices))
        return csr_matrix((np.ones(len(indices), dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr)),
                          shape=(len(words), max(len(self._bigrams), 1)))

    def similar_words(self, kind: int, words: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """For each word, the vocabulary words (ids) of ``kind`` at least :data:`CANDIDATE_MIN`
        similar to it, and how similar. Words not seen before are first narrowed down to the
        vocabulary words sharing enough bigrams with them (a word within k edits of another
        shares all but 2k of its bigrams; one sparse product for all of them), then compared
        (``rapidfuzz.process.cdist``)."""
        found = {w: self._similar[(kind, w)] for w in words if (kind, w) in self._similar}
        new = [w for w in words if w not in found]
        matrix = self._bigram_matrix[kind]
        if not new or not self.words[kind]:
            return found
        query = np.zeros((matrix.shape[1], len(new)), dtype=np.float32)
        for column, word in enumerate(new):
            for gram in _bigrams(word):
                if gram in self._bigrams and self._bigrams[gram] < matrix.shape[1]:
                    query[self._bigrams[gram], column] = 1.0
        shared = matrix @ query  # vocabulary words x new words: bigrams in common
        results = {}
        for column, word in enumerate(new):
            edits = int((1 - CANDIDATE_MIN) * len(word) / CANDIDATE_MIN)
            need = max(1, len(word) + 1 - 2 * edits)
            rows = np.flatnonzero(shared[:, column] >= need)
            if rows.size:
                sims = process.cdist([word], self._word_array[kind][rows].tolist(), scorer=Levenshtein.normalized_similarity,
                                     score_cutoff=CANDIDATE_MIN, dtype=np.float32, workers=1)[0]
                hit = np.flatnonzero(sims)
                results[word] = (self.word_ids[kind][rows[hit]], sims[hit])
            else:
                results[word] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        with self._similar_lock:
            if len(self._similar) > SIMILAR_CACHE:
                self._similar.clear()
            self._similar.update(((kind, w), r) for w, r in results.items())
        return found | results

    def candidates(self, shapes: tuple[Shape, ...], *, k: int, persons: bool | None = True) -> list[tuple[int, float]]:
        """The ``k`` entries sharing the most (fuzzily) similar, rarest words with the query, best first."""
        if not self.entries or not len(self.post_len):
            return []
        positions = _positions(shapes)
        similar = [self.similar_words(kind, sorted(set().union(*(p[kind] for p in positions))))
                   for kind in (SPELLING, SKELETON)]
        totals = np.zeros(len(self.entries), dtype=np.float32)
        scratch = np.zeros(len(self.post_len), dtype=np.float32)
        for position in positions:
            found = [similar[kind][w] for kind in (SPELLING, SKELETON) for w in position[kind]]
            tids = np.concatenate([f[0] for f in found])
            if not tids.size:
                continue
            np.maximum.at(scratch, tids, np.concatenate([f[1] for f in found]))
            hit = np.unique(tids)
            sims = scratch[hit]
            scratch[hit] = 0
            # The word's weight is the rarity of what it is (its closest vocabulary words), not of
            # whatever else resembles it: a rare surname 70% like "Vasilchenko" must not outrank
            # Vasilchenko. Closer words count more than barely similar ones.
            weight = self.idf[hit[sims == sims.max()]].min()
            best = weight * (sims - CANDIDATE_FLOOR) / (1.0 - CANDIDATE_FLOOR)
            lengths = self.post_len[hit]
            offsets = np.repeat(self.post_start[hit] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
            per_entry = np.zeros(len(self.entries), dtype=np.float32)
            np.maximum.at(per_entry, self.post_entries[offsets], np.repeat(best, lengths))
            totals += per_entry
        if persons is not None:
            totals[self.is_person != persons] = 0
        nonzero = int(np.count_nonzero(totals))
        if not nonzero:
            return []
        k = min(k, nonzero)
        top = np.argpartition(-totals, k - 1)[:k]
        top = top[np.argsort(-totals[top], kind="stable")]
        return [(int(i), float(totals[i])) for i in top]

    def match(self, name: str, *, birth_date: str | None = None, limit: int = DEFAULT_LIMIT,
              threshold: float | None = None, algorithm: str = ALGORITHM, persons: bool | None = True,
              use_birth_dates: bool = True, candidates: int | None = None) -> MatchResult:
        """Ranked candidates for ``name`` (best first, at most ``limit``); see the module docstring.
        ``persons`` True matches persons only, False everything else, None both."""
        started = time.perf_counter()
        if algorithm not in ALGORITHMS:
            raise MatchError(f"Unknown algorithm {algorithm!r}: use {' or '.join(ALGORITHMS)}.")
        shapes = query_shapes(name, kind="organization" if persons is False else "person")
        birth = check_birth_date(birth_date)
        threshold = ALGORITHMS[algorithm]["threshold"] if threshold is None else float(threshold)
        limit = max(1, min(int(limit), MAX_LIMIT))
        found = self.candidates(shapes, k=max(candidates or CANDIDATES, 3 * limit), persons=persons)
        entries = [self.entries[number] for number, _total in found]
        if self.birth_dates is not None and use_birth_dates and birth:
            dates = self.birth_dates(entries)
            entries = [dataclasses.replace(e, birth_dates=dates.get(e.id, ())) for e in entries]
        if algorithm == "logic-v2":
            scored = [logic_v2_score(name, shapes, birth, e, e.birth_dates if use_birth_dates else ()) for e in entries]
        else:
            scored = score_entries(shapes, birth, entries, use_birth_dates=use_birth_dates)
        results = [Scored(entry=e, score=s, explanation=x, features=f, match=s >= threshold)
                   for e, (s, x, f) in zip(entries, scored, strict=True)]
        # Equal scores: the candidate sharing the rarer words first (the same surname before the
        # same given name).
        rarity = {e.id: total for e, (_n, total) in zip(entries, found, strict=True)}
        results.sort(key=lambda r: (-r.score, -rarity[r.entry.id], r.entry.caption, r.entry.id))
        for r in results[:limit]:
            r.explanation = explain(r.explanation)
        return MatchResult(query=name, shapes=shapes, birth_date=birth, threshold=threshold, algorithm=algorithm,
                           results=results[:limit], total=sum(1 for r in results if r.match), candidates=len(found),
                           seconds=time.perf_counter() - started)


@dataclass(slots=True)
class Scored:
    entry: Entry
    score: float
    explanation: dict
    features: dict
    match: bool


@dataclass(slots=True)
class MatchResult:
    query: str
    shapes: tuple[Shape, ...]
    birth_date: str | None
    threshold: float
    algorithm: str
    results: list[Scored]
    total: int  # candidates at or above the threshold
    candidates: int
    seconds: float


def _bigrams(word: str) -> list[str]:
    padded = f"^{word}$"
    return [padded[i:i + 2] for i in range(len(padded) - 1)]


def _positions(shapes: tuple[Shape, ...]) -> list[tuple[set[str], set[str]]]:
    """The query's words for the candidate stage, each as (its spellings, their skeletons); the
    words of a shape of another length join the closest word of the first shape."""
    base = shapes[0]
    positions = [(set(w), set(s)) for w, s in zip(base.words, base.skeletons, strict=True)]
    for shape in shapes[1:]:
        for spellings, skeletons in zip(shape.words, shape.skeletons, strict=True):
            best = max(range(len(base.words)),
                       key=lambda i: Levenshtein.normalized_similarity(skeletons[0], base.skeletons[i][0]))
            positions[best][SPELLING].update(spellings)
            positions[best][SKELETON].update(skeletons)
    return positions


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


# --- scoring ---------------------------------------------------------------------------------------------

def _flatten(shapes) -> tuple[list[str], list[str], list[int], list[int]]:
    """Spellings and skeletons of every word of ``shapes`` in one list, with where each word starts
    and how long each word's spellings run."""
    tokens, skels, starts = [], [], []
    for shape in shapes:
        for spellings, skeletons in zip(shape.words, shape.skeletons, strict=True):
            starts.append(len(tokens))
            tokens.extend(spellings)
            skels.extend(skeletons)
    return tokens, skels, starts


def token_scores(q_tokens, q_skels, c_tokens, c_skels) -> np.ndarray:
    """Token-by-token scores 0..1 (matrix): the better of plain Levenshtein similarity on the
    romanizations and, when their skeletons are equal (a transliteration variant),
    :data:`SKELETON_DISCOUNT`, but at most :data:`SKELETON_LIFT` above the plain similarity;
    0 below :data:`TOKEN_MIN`; below 1 the score falls :data:`TOKEN_STEEPNESS` times
    faster than the similarity (one letter in a long word is a typo, two in a short one are
    another name: Malyshev / Makushev). Initials match a word that starts with them, weakly."""
    plain = process.cdist(q_tokens, c_tokens, scorer=Levenshtein.normalized_similarity, dtype=np.float32, workers=1)
    folded = process.cdist(q_skels, c_skels, scorer=Levenshtein.normalized_similarity, dtype=np.float32, workers=1)
    # Equal skeletons only: skeletons that differ, differ in a consonant (Malyshev / Makushev).
    sim = np.maximum(plain, np.minimum(SKELETON_DISCOUNT * (folded >= 1.0), plain + SKELETON_LIFT))
    q_initial = np.fromiter((len(t) == 1 for t in q_tokens), dtype=bool, count=len(q_tokens))
    c_initial = np.fromiter((len(t) == 1 for t in c_tokens), dtype=bool, count=len(c_tokens))
    if q_initial.any() or c_initial.any():
        either = q_initial[:, None] | c_initial[None, :]
        same_first = np.array([[a[0] == b[0] for b in c_tokens] for a in q_tokens], dtype=bool)
        sim = np.where(either, np.where(same_first, INITIAL_SIMILARITY, 0.0), sim)
    return np.where(sim >= TOKEN_MIN, np.maximum(0.0, 1.0 - TOKEN_STEEPNESS * (1.0 - sim)), 0.0).astype(np.float32)


def align(q: Shape, c: Shape, block) -> tuple[float, dict[int, tuple[int, float]], bool]:
    """Score one query shape against one candidate shape from their word-by-word scores
    ``block[i][j]``: words paired one to one (greedy, best first); a patronymic counts
    :data:`PATRONYMIC_WEIGHT` and only when the candidate has one too; an unpaired query word
    counts zero; each unpaired candidate word (not a patronymic) costs a little; fewer than two
    paired words caps the score at :data:`ONE_WORD_CAP`."""
    pairs = sorted(((block[i][j], i, j) for i in range(len(q.words)) for j in range(len(c.words)) if block[i][j] > 0),
                   key=lambda p: (-p[0], p[1], p[2]))
    paired: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for score, i, j in pairs:
        if i not in paired and j not in used:
            paired[i] = (j, float(score))
            used.add(j)
    c_has_patronymic = any(c.patronymic)
    total = weight = 0.0
    words = 0
    for i, is_patronymic in enumerate(q.patronymic):
        j, score = paired.get(i, (None, 0.0))
        if is_patronymic:
            if j is None and not c_has_patronymic:
                continue  # the candidate gives no patronymic: no evidence either way
            w = PATRONYMIC_WEIGHT
        else:
            w = 1.0
            if j is not None and not c.patronymic[j]:
                words += 1
        total += w * score
        weight += w
    result = total / weight if weight else 0.0
    extra = sum(1 for j in range(len(c.words)) if j not in used and not c.patronymic[j])
    result *= EXTRA_CANDIDATE_WORD ** extra
    one_word = words < 2
    if one_word:
        result = min(result, ONE_WORD_CAP)
    return result, paired, one_word


def birth_date_feature(query: str | None, dates: tuple[str, ...]) -> tuple[float, str]:
    if not query:
        return 0.0, "not given"
    if not dates:
        return 0.0, "unknown for the candidate"
    if query in dates:
        return (BIRTH_DATE_AGREES, "agrees") if len(query) == 10 else (0.0, "same year")
    if query[:4] in {d[:4] for d in dates}:
        if len(query) == 4 or query[:4] in dates:
            return 0.0, "same year"
        return BIRTH_DATE_OTHER_DAY, "same year, another day"
    return BIRTH_DATE_OTHER_YEAR, "another year"


def score_entries(shapes: tuple[Shape, ...], birth_date: str | None, entries: list[Entry], *,
                  use_birth_dates: bool = True) -> list[tuple[float, dict, dict]]:
    """Svidok's scorer on each entry: the best (query shape, candidate shape) pair, then the birth
    date. Returns ``(score, explanation, features)`` per entry."""
    if not entries:
        return []
    q_tokens, q_skels, q_starts = _flatten(shapes)
    c_tokens: list[str] = []
    c_skels: list[str] = []
    c_starts: list[int] = []
    spans = []  # per entry: its first word column
    for entry in entries:
        tokens, skels, starts = _flatten(entry.shapes)
        spans.append(len(c_starts))
        c_starts.extend(len(c_tokens) + s for s in starts)
        c_tokens.extend(tokens)
        c_skels.extend(skels)
    if not c_tokens:
        return [(0.0, {"name": {}, "birth_date": "not compared"}, {"name_match": 0.0}) for _ in entries]
    scores = token_scores(q_tokens, q_skels, c_tokens, c_skels)
    # Best spelling pair per (query word, candidate word).
    words = np.maximum.reduceat(np.maximum.reduceat(scores, q_starts, axis=0), c_starts, axis=1).tolist()
    q_offsets = list(itertools.accumulate((len(s.words) for s in shapes), initial=0))
    out = []
    for entry, first in zip(entries, spans, strict=True):
        best = (-1.0, None, None, None, False)
        column = first
        for c in entry.shapes:
            width = len(c.words)
            for a, q in enumerate(shapes):
                rows = words[q_offsets[a]:q_offsets[a] + len(q.words)]
                block = [r[column:column + width] for r in rows]
                score, paired, one_word = align(q, c, block)
                if score > best[0]:
                    best = (score, q, c, paired, one_word)
            column += width
        name_score, q, c, paired, one_word = best
        name_score = max(name_score, 0.0)
        adjust, how = birth_date_feature(birth_date, entry.birth_dates if use_birth_dates else ())
        score = min(1.0, max(0.0, name_score + adjust)) if name_score > 0 else 0.0
        features = {"name_match": round(name_score, 4)}
        if adjust:
            features["birth_date"] = adjust
        out.append((round(score, 4), _Explanation(q, c, paired, one_word, how), features))
    return out


@dataclass(slots=True)
class _Explanation:
    """What :func:`explain` needs; built only for the candidates shown."""

    q: Shape | None
    c: Shape | None
    paired: dict | None
    one_word: bool
    birth_date: str


def explain(detail) -> dict:
    """The explanation of a score: which spelling of each query word met which spelling of the
    candidate's, how well, what stayed unpaired, and the birth date comparison."""
    if not isinstance(detail, _Explanation):
        return detail  # logic-v2's explanations are complete already
    return {"name": _explain(detail.q, detail.c, detail.paired, detail.one_word) if detail.c is not None else {},
            "birth_date": detail.birth_date}


def _explain(q: Shape, c: Shape, paired: dict, one_word: bool) -> dict:
    """Which spelling of each query word met which spelling of the candidate's, and how well."""
    tokens = []
    for i, (j, score) in sorted(paired.items()):
        scores = token_scores(q.words[i], q.skeletons[i], c.words[j], c.skeletons[j])
        a, b = np.unravel_index(int(np.argmax(scores)), scores.shape)
        tokens.append([q.words[i][a], c.words[j][b], round(score, 3)])
    explanation = {
        "query": " ".join(t[0] for t in tokens) or q.text,
        "candidate_name": c.source,
        "tokens": tokens,
        "unmatched_query": [q.words[i][0] for i in range(len(q.words)) if i not in paired],
        "unmatched_candidate": [c.words[j][0] for j in range(len(c.words)) if j not in {p[0] for p in paired.values()}],
    }
    if one_word:
        explanation["one_word"] = True
    return explanation


# --- nomenklatura logic-v2 as the scorer -------------------------------------------------------------------

_LOGIC_V2 = {}
_ids = itertools.count()


def _logic_v2():
    if not _LOGIC_V2:
        from nomenklatura.matching import get_algorithm

        algorithm = get_algorithm("logic-v2")
        _LOGIC_V2["algorithm"] = algorithm
        _LOGIC_V2["config"] = algorithm.default_config()
    return _LOGIC_V2["algorithm"], _LOGIC_V2["config"]


def ftm_proxy(schema: str, names: list[str], birth_dates=(), properties: dict | None = None):
    from followthemoney import model

    proxy = model.make_entity(schema if model.get(schema) else "LegalEntity")
    # A fresh id each time: nomenklatura caches per entity id.
    proxy.id = f"q{next(_ids)}"
    for prop, values in (properties or {}).items():
        if prop in proxy.schema.properties:
            proxy.add(prop, values, quiet=True)
    proxy.add("name", names, quiet=True)
    if birth_dates and "birthDate" in proxy.schema.properties:
        proxy.add("birthDate", list(birth_dates), quiet=True)
    return proxy


def entry_proxy(entry: Entry, dates: tuple[str, ...]):
    props = {k: v for k, v in entry.properties.items() if k != "birthDate"}
    return ftm_proxy(entry.schema, entry.names, dates, props)


def logic_v2_compare(query, candidate) -> tuple[float, dict, dict]:
    algorithm, config = _logic_v2()
    result = algorithm.compare(query, candidate, config)
    explanations = {name: {"score": round(f.score, 4), "detail": f.detail, "query": f.query, "candidate": f.candidate}
                    for name, f in result.explanations.items()}
    features = {name: round(f["score"], 4) for name, f in explanations.items() if f["score"]}
    return round(float(result.score), 4), explanations, features


def logic_v2_score(name: str, shapes: tuple[Shape, ...], birth_date: str | None, entry: Entry,
                   dates: tuple[str, ...]) -> tuple[float, dict, dict]:
    """logic-v2 on one candidate; the query carries its name as written and its normalized forms
    (lemma, romanizations), which logic-v2 cannot make itself."""
    query = ftm_proxy("Person" if entry.is_person else entry.schema, [name, *match_forms(shapes[0].source)],
                      (birth_date,) if birth_date else ())
    return logic_v2_compare(query, entry_proxy(entry, dates))


ALGORITHMS = {
    ALGORITHM: {"threshold": DEFAULT_THRESHOLD, "description": "Svidok's token-alignment scorer over normalized name forms"},
    "logic-v2": {"threshold": LOGIC_V2_THRESHOLD, "description": "nomenklatura logic-v2 (OpenSanctions) on the same candidates"},
}


# --- the registry and the reference lists as indexes ------------------------------------------------------

REGISTRY = "registry"
_cache: dict[str, MatchIndex] = {}
_lock = threading.Lock()


def _registry_state() -> tuple:
    """Changes whenever a name is added or removed or a person's protection changes (the services
    add or delete name variants then). Birth dates are read at scoring time, so they need no part
    in it."""
    from django.db.models import Count, Max, Q

    from svidok.people.models import NameVariant, Organization, Person

    variants = NameVariant.objects.aggregate(n=Count("id"), last=Max("id"))
    persons = Person.objects.aggregate(n=Count("id"), last=Max("id"), protected=Count("id", filter=Q(protected=True)))
    organizations = Organization.objects.aggregate(n=Count("id"), last=Max("id"))
    # Ids come back after a rollback (tests) or a deletion; the newest UUIDs do not.
    newest = (Person.objects.order_by("-id").values_list("uuid", flat=True).first(),
              Organization.objects.order_by("-id").values_list("uuid", flat=True).first())
    return (variants["n"], variants["last"], persons["n"], persons["last"], persons["protected"],
            organizations["n"], organizations["last"], *newest)


def registry_entries() -> list[Entry]:
    """Every non-protected person and every organization, with all name variants and their keys.
    A protected person's names stay in the identity record and are never matched against."""
    from django.db.models import Q

    from svidok.people.models import NameVariant, Organization, Person

    names: dict[tuple[str, int], list] = {}
    variants = NameVariant.objects.filter(Q(person__protected=False) | Q(organization__isnull=False)).order_by("-primary", "id")
    for variant in variants.only("id", "person_id", "organization_id", "name", "keys").iterator(chunk_size=5000):
        owner = ("person", variant.person_id) if variant.person_id else ("organization", variant.organization_id)
        names.setdefault(owner, []).append(variant)
    entries = []
    persons = Person.objects.filter(protected=False).only("id", "uuid", "display_name")
    organizations = Organization.objects.only("id", "uuid", "name")
    for kind, objects in (("person", persons), ("organization", organizations)):
        for obj in objects.iterator(chunk_size=2000):
            variants = names.get((kind, obj.pk), [])
            if not variants:
                continue
            # The stored romanization keys spare recomputing them for every name of the registry.
            extra = [(v.name, [fold(v.name), *(fold(k) for k in v.keys.values() if isinstance(k, str))])
                     for v in variants if v.keys]
            entries.append(make_entry(
                id=str(obj.uuid), schema="Person" if kind == "person" else "Organization", caption=obj.display_name,
                names=[v.name for v in variants], extra_forms=extra,
            ))
    return entries


def registry_birth_dates(entries: list[Entry]) -> dict[str, tuple[str, ...]]:
    """The birth dates of the registry persons among ``entries``, read now (they are not indexed)."""
    from svidok.people.models import PersonIdentity

    ids = [e.id for e in entries if e.is_person]
    if not ids:
        return {}
    rows = PersonIdentity.objects.filter(person__uuid__in=ids, person__protected=False, birth_date__isnull=False)
    return {str(uuid): (born.isoformat(),) for uuid, born in rows.values_list("person__uuid", "birth_date")}


def entry_from_record(entity) -> Entry:
    """An entry for one entity of a reference list (a ``ReferenceEntity``, or a ``ParsedEntity``
    read from a file but not imported)."""
    props = entity.properties or {}
    return make_entry(
        id=entity.record_id, schema=entity.schema, caption=entity.caption, names=entity.names or [entity.caption],
        birth_dates=tuple(props.get("birthDate", [])), record_id=entity.record_id, properties=props,
        listed_since=entity.listed_since.isoformat() if entity.listed_since else None, program=entity.program,
    )


def list_entries(reference_list) -> list[Entry]:
    return [entry_from_record(e) for e in reference_list.entities.all().order_by("id").iterator(chunk_size=1000)]


def get_index(list_name: str | None = None) -> MatchIndex:
    """The index of the registry (``list_name`` None or ``"registry"``) or of a reference list,
    built once per process and rebuilt when the registry or the list changed since.
    ``LookupError`` for an unknown list."""
    from svidok.people.models import ReferenceList

    if list_name in (None, "", REGISTRY):
        key, state, build, lookup = REGISTRY, _registry_state(), registry_entries, registry_birth_dates
    else:
        reference_list = ReferenceList.objects.filter(name=list_name).first()
        if reference_list is None:
            raise LookupError(list_name)
        key = f"list:{list_name}"
        state = (reference_list.pk, reference_list.sha256, reference_list.imported_at.isoformat(), reference_list.entity_count)
        build, lookup = functools.partial(list_entries, reference_list), None
    index = _cache.get(key)
    if index is not None and index.state == state:
        return index
    with _lock:
        index = _cache.get(key)
        if index is None or index.state != state:
            index = MatchIndex(build(), label=key, state=state, birth_dates=lookup)
            _cache[key] = index
    return index


def clear_cache() -> None:
    _cache.clear()


def match_for(user, name: str, *, dataset: str | None = None, birth_date=None, limit: int = DEFAULT_LIMIT,
              threshold: float | None = None, algorithm: str = ALGORITHM, schema: str = "Person") -> MatchResult:
    """Match ``name`` for ``user`` (``None``: the installation owner at the command line) against
    the registry or the reference list ``dataset``. The registry's birth dates take part only
    for users who may see identities (``person.identity``): for anybody else a birth date would
    be a way to test one. ``PermissionDenied``, ``LookupError`` (unknown list), ``MatchError``."""
    from django.core.exceptions import PermissionDenied

    from svidok.accounts import rules

    if user is not None and not rules.can(user, "person.match"):
        raise PermissionDenied("person.match")
    index = get_index(dataset)
    use_birth_dates = dataset not in (None, "", REGISTRY) or user is None or rules.can(user, "person.identity")
    return index.match(name, birth_date=birth_date, limit=limit, threshold=threshold, algorithm=algorithm,
                       persons=schema == "Person", use_birth_dates=use_birth_dates)


def result_json(result: MatchResult, *, dataset: str | None = None) -> dict:
    """The command line's JSON: each candidate with caption, names, score, explanation and, for a
    list, the list's own record id and listing date."""
    return {
        "query": result.query,
        "birth_date": result.birth_date,
        "dataset": dataset or REGISTRY,
        "algorithm": result.algorithm,
        "version": VERSION,
        "threshold": result.threshold,
        "total": result.total,
        "results": [
            {
                "id": r.entry.id,
                **({"record_id": r.entry.record_id, "listed_since": r.entry.listed_since, "program": r.entry.program}
                   if r.entry.record_id else {}),
                "schema": r.entry.schema,
                "caption": r.entry.caption,
                "names": r.entry.names,
                "score": r.score,
                "match": r.match,
                "features": r.features,
                "explanation": r.explanation,
            }
            for r in result.results
        ],
    }
