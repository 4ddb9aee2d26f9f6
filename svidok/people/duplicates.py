"""The duplicate finder: pairs of person records that may be one person, for a coordinator's verdict.

Names alone never merge anything. The finder only proposes pairs (``DuplicateCandidate`` rows); a
lead judges each one on the review page, which calls :func:`svidok.people.merging.judge_pair`.

It looks at the canonical, non-protected persons (``merged_into`` empty); the names and birth
dates of the records linked to a canonical person count for it. Four stages:

1. **Words.** Each person's names give the matcher's normalized forms (from the stored
   romanization keys, as ``svidok people match`` builds the registry, plus the nominative of a
   case-inflected Cyrillic name); the spellings and skeletons each word has in every form make
   one *word* of the person (Инна / Inna / ana). Patronymics are set apart: the matcher never
   matches on a given name and a patronymic alone.
2. **Blocking.** Inverted indexes from skeletons and from spellings to persons, in which tokens one
   edit apart count as one (symmetric deletion: a typo, a case ending, a dropped letter). A person
   is paired only with the persons who share one of its two rarest words *and* another of its
   words; a pairing more than :data:`MAX_POSTING` persons share (a common surname with a common
   given name) does not discriminate and is skipped. A name of one word is never paired.
3. **Pre-score.** rapidfuzz ``token_set_ratio`` of the two persons' word skeletons, over all pairs
   in one vectorized call; below :data:`PRESCORE_MIN` a pair goes no further. Then the vetoes:
   both birth dates known and none in common; a standing verdict of any kind on the pair (or on
   records linked to the two).
4. **Score.** The matcher's own scorer (:func:`matching.score_entries`), the record with fewer
   words as the query, so the score is what ``svidok people match`` gives that record's names
   against the other. Proposed at or above the threshold, unless the names agree on one word only.

``bench/duplicates.py`` measures it on 100,000 synthetic persons; docs/dedupe.md has the figures.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from svidok import names as names_module
from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.names import cyrillic_languages, fold_words, given, has_cyrillic, lemmatize, matching, romanizations
from svidok.people import merging
from svidok.people.models import DuplicateCandidate, NameVariant, PairJudgement, Person, PersonIdentity

FINDER = "svidok-duplicates"
FINDER_VERSION = "2"  # 2: given names of one group share a token (names.given)
RARE = 100  # postings of more persons than this are kept once computed (common words recur)
MAX_POSTING = 300  # a pairing of words shared by more persons than this does not discriminate
MIN_FUZZY = 6  # shorter skeletons meet only one letter longer ones (alka, alak: Olga, Oleg)
MIN_FUZZY_SPELLING = 5
PRESCORE_MIN = 60.0
MAX_CHAIN = 1000
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]{2,}")


@dataclass(slots=True)
class Candidate:
    """One proposed pair (``left_pk < right_pk``) with the matcher's score and explanation."""

    left_pk: int
    right_pk: int
    left_id: str  # public ids (UUID)
    right_id: str
    left_name: str
    right_name: str
    score: float
    explanation: dict

    def as_json(self) -> dict:
        return {"left": {"id": self.left_id, "name": self.left_name}, "right": {"id": self.right_id, "name": self.right_name},
                "score": self.score, "explanation": self.explanation}


@dataclass(slots=True)
class _Record:
    pk: int
    uuid: str
    caption: str
    names: dict[str, list[str]]  # name -> its normalized forms
    births: frozenset[str]
    words: list[tuple[frozenset[str], frozenset[str]]]  # each word's (skeletons, spellings), patronymics left out
    text: str  # one skeleton per word (patronymics too), sorted: what the pre-score compares
    _entry: matching.Entry | None = None

    @property
    def entry(self) -> matching.Entry:
        """The matcher's entry (shapes of every name), built only for records that reach the scorer."""
        if self._entry is None:
            self._entry = matching.make_entry(id=self.uuid, schema="Person", caption=self.caption, names=list(self.names),
                                              birth_dates=tuple(sorted(self.births)), extra_forms=list(self.names.items()))
        return self._entry


# --- stage 1: persons and their words --------------------------------------------------------------------

def _roots(rows: list[tuple[int, int | None]]) -> dict[int, int]:
    """Each record's canonical record, following ``merged_into`` (a broken chain maps to nothing)."""
    parent = dict(rows)
    roots: dict[int, int] = {}
    for pk in parent:
        path, current = [], pk
        while current is not None and current not in roots and len(path) <= MAX_CHAIN:
            path.append(current)
            current = parent.get(current)
        root = roots.get(current) if current is not None else path[-1]
        if root is None or len(path) > MAX_CHAIN:
            continue
        for step in path:
            roots[step] = root
    return roots


@functools.lru_cache(maxsize=100_000)
def _oblique_name_word(lang: str, word: str) -> bool:
    if not names_module.is_known_name(lang, word):
        return False
    readings = [p for p in names_module.name_parses(lang, word) if {"Name", "Patr"} & p.tag.grammemes]
    return bool(readings) and not any(p.tag.case == "nomn" for p in readings)


def _looks_inflected(name: str, lang: str) -> bool:
    """Whether a word of a Cyrillic name that the dictionary knows as a given name or patronymic
    reads only in an oblique case (Михаила, Інну, Григорьевича). Lemmatizing every name of a large
    registry would cost pymorphy3's slow guessing on every unknown surname; given names and
    patronymics are few, known, and cached."""
    languages = (lang,) if lang in ("uk", "ru") else cyrillic_languages(name)
    return any(_oblique_name_word(code, word.lower()) for word in _CYRILLIC_WORD.findall(name) for code in languages)


def _forms(name: str, keys: dict, lang: str) -> list[str]:
    """The normalized forms of one stored name, as ``registry.registry_entries`` builds them, plus
    those of its nominative when it is an inflected Cyrillic name (Малышева Михаила)."""
    if keys:
        forms = [fold_words(name), *(fold_words(k) for k in keys.values() if isinstance(k, str))]
    else:
        forms = matching.match_forms(name, lang or None, inflected=False)
    if has_cyrillic(name) and _looks_inflected(name, lang):
        lemma = lemmatize(name, lang if lang in ("uk", "ru") else None)
        if lemma != name:
            forms += [fold_words(lemma), *(fold_words(v) for v in romanizations(lemma, lang or None).values())]
    return list(dict.fromkeys(f for f in forms if f))


@functools.lru_cache(maxsize=200_000)
def _looks_patronymic(token: str) -> bool:
    return len(token) >= 6 and matching.PATRONYMIC.search(token) is not None


def _given_name_keys(spellings: set[str]) -> set[str]:
    """A given name's group in the table of equivalents (``names.given``: Alexander / Oleksandr) as
    one more skeleton of the word, so that the spellings of one name share a token in blocking and
    in the pre-score. The key (``0g`` and the group's number) is shorter than :data:`MIN_FUZZY` while
    the table has fewer than 1,000 groups, and starts with a digit: it meets only itself, and sorts
    first in the pre-score's text."""
    return {f"0g{group}" for group in map(given.group_of, spellings) if group >= 0}


def _words(names: dict[str, list[str]]) -> tuple[list[tuple[frozenset[str], frozenset[str]]], list[frozenset[str]]]:
    """The person's words as (skeletons, spellings), the patronymics apart (skeletons only). The forms of a name are
    grouped by their number of words as the matcher's shapes are (``matching.shapes_from_forms``,
    whose patronymic rule this follows: the second word, else the last, of three or more, never
    one written in capitals); a word's skeletons in every group and every name are joined where
    they share one (the Cyrillic and the Latin name spell the same words). Cheaper than building
    the shapes, which only the pairs that reach the scorer need."""
    words: list[list] = []  # [skeletons, spellings, is a patronymic]
    for name, forms in names.items():
        groups: dict[int, list[list[str]]] = {}
        for form in forms:
            tokens = form.replace("-", " ").split()
            if tokens:
                groups.setdefault(len(tokens), []).append(tokens)
        for width, rows in groups.items():
            # Surname flags only matter for a name with a word in capitals (the EU's convention).
            capitals = width >= 3 and any(len(w) > 1 and w.isupper() for w in name.split())
            surname = matching.surname_flags(name, width) if capitals else (False,) * width
            patronymic = [False] * width
            if width >= 3:
                for row in rows:
                    for i in (1, width - 1):
                        if _looks_patronymic(row[i]) and not surname[i]:
                            patronymic[i] = True
                            break
            for i in range(width):
                spellings = {row[i] for row in rows}
                skels = {matching.word_skeleton(t) for t in spellings} | _given_name_keys(spellings)
                home = next((w for w in words if w[0] & skels), None)
                if home is None:
                    words.append([skels, spellings, patronymic[i]])
                else:
                    home[0].update(skels)
                    home[1].update(spellings)
                    home[2] = home[2] or patronymic[i]
    return ([(frozenset(skels), frozenset(spellings)) for skels, spellings, patronymic in words if not patronymic],
            [frozenset(skels) for skels, _spellings, patronymic in words if patronymic])


def _load(persons: Iterable | None) -> tuple[list[_Record], dict[int, int]]:
    """The canonical records to compare (all, or those of ``persons``), and every record's canonical record."""
    rows = list(Person.objects.filter(protected=False).values_list("pk", "merged_into_id"))
    roots = _roots(rows)
    wanted = None
    if persons is not None:
        wanted = {roots.get(getattr(p, "pk", p)) for p in persons} - {None}
    canonical = {pk for pk, parent in rows if parent is None and (wanted is None or pk in wanted)}
    names: dict[int, dict[str, list[str]]] = {}
    variants = (NameVariant.objects.filter(person__isnull=False, person__protected=False)
                .order_by("-primary", "id").values_list("person_id", "name", "keys", "lang"))
    for person_id, name, keys, lang in variants.iterator(chunk_size=5000):
        root = roots.get(person_id)
        if root in canonical:
            own = names.setdefault(root, {})
            if name not in own:
                own[name] = _forms(name, keys or {}, lang)
    births: dict[int, set[str]] = {}
    # Birth dates are sealed: instances open them as they load.
    dated = PersonIdentity.objects.filter(person__protected=False, birth_date__isnull=False).only("person_id", "birth_date")
    for person_id, born in ((i.person_id, i.birth_date) for i in dated.iterator(chunk_size=5000)):
        root = roots.get(person_id)
        if root in canonical:
            births.setdefault(root, set()).add(born.isoformat())
    records = []
    people = Person.objects.filter(pk__in=list(names)) if len(names) < 900 else Person.objects.filter(protected=False, merged_into__isnull=True)
    for pk, uuid, caption in people.values_list("pk", "uuid", "display_name").order_by("pk").iterator(chunk_size=5000):
        own = names.get(pk)
        if not own:
            continue
        words, patronymics = _words(own)
        records.append(_Record(pk=pk, uuid=str(uuid), caption=caption, names=own, births=frozenset(births.get(pk, ())),
                               words=words, text=" ".join(sorted([min(w) for w, _s in words] + [min(w) for w in patronymics]))))
    return records, roots


# --- stage 2: blocking -------------------------------------------------------------------------------------

def _deletions(token: str) -> set[str]:
    return {token[:i] + token[i + 1:] for i in range(len(token))}


def _intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The common values of two sorted unique arrays (binary search of the smaller in the larger)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a) or not len(b):
        return a[:0]
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[at] == a]


class _Postings:
    """Tokens -> persons, with one-edit neighbourhoods by symmetric deletion: every token is filed
    under itself and, when at least ``min_fuzzy`` long, under each of its one-letter deletions;
    two tokens one substitution, insertion or deletion apart meet under one of those keys."""

    def __init__(self, min_fuzzy: int):
        self.min_fuzzy = min_fuzzy
        self.vocab: dict[str, int] = {}
        self.lists: list[list[int]] = []

    def add(self, token: str, number: int) -> int:
        tid = self.vocab.get(token)
        if tid is None:
            tid = self.vocab[token] = len(self.lists)
            self.lists.append([])
        found = self.lists[tid]
        if not found or found[-1] != number:  # persons come in order: the lists stay sorted and unique
            found.append(number)
        return tid

    def freeze(self) -> None:
        self.postings = [np.asarray(p, dtype=np.int32) for p in self.lists]
        del self.lists
        self.sizes = np.fromiter((len(p) for p in self.postings), dtype=np.int64, count=len(self.postings))
        self.tokens = list(self.vocab)
        self.keys: dict[str, list[int]] = {}
        for tid, token in enumerate(self.tokens):
            self.keys.setdefault(token, []).append(tid)
            if len(token) >= self.min_fuzzy:
                for key in _deletions(token):
                    self.keys.setdefault(key, []).append(tid)
        self._neighbours: dict[int, tuple[int, ...]] = {}
        self._persons: dict[tuple[int, ...], np.ndarray] = {}

    def neighbours(self, tid: int) -> tuple[int, ...]:
        found = self._neighbours.get(tid)
        if found is None:
            token = self.tokens[tid]
            ids = set(self.keys.get(token, ()))
            if len(token) >= self.min_fuzzy:
                for key in _deletions(token):
                    ids.update(self.keys.get(key, ()))
            found = self._neighbours[tid] = tuple(sorted(ids))
        return found

    def spread(self, tids: tuple[int, ...]) -> list[int]:
        ids: set[int] = set()
        for tid in tids:
            ids.update(self.neighbours(tid))
        return list(ids)

    def estimate(self, tids: tuple[int, ...]) -> int:
        """At most how many persons have one of the tokens or a neighbour: the sum of the postings."""
        return int(self.sizes[self.spread(tids)].sum()) if tids else 0

    def exact(self, tids: tuple[int, ...]) -> np.ndarray:
        """The persons having one of the tokens itself (sorted)."""
        if len(tids) == 1:
            return self.postings[tids[0]]
        return np.unique(np.concatenate([self.postings[t] for t in tids])) if tids else np.zeros(0, dtype=np.int32)

    def persons(self, tids: tuple[int, ...]) -> np.ndarray:
        """The persons having one of the tokens or a neighbour of one (sorted)."""
        found = self._persons.get(tids)
        if found is None:
            ids = self.spread(tids)
            if not ids:
                return np.zeros(0, dtype=np.int32)
            found = self.postings[ids[0]] if len(ids) == 1 else np.unique(np.concatenate([self.postings[t] for t in ids]))
            if len(found) > RARE:
                self._persons[tids] = found  # common words recur: keep them
        return found


class _Blocker:
    """The candidate pairs: persons sharing a rare word and another word.

    A word is known by its skeletons (:func:`search.normalize.skeleton`, which already folds the
    usual transliteration differences), one edit apart counting as the same (malasav / malasava);
    the rare word (the anchor) also by its spellings, one edit apart, since a typo that drops a
    consonant between vowels changes the skeleton twice (trapasan / trasan) but the spelling once.
    """

    def __init__(self, records: list[_Record]):
        self.skeletons = _Postings(MIN_FUZZY)
        self.spellings = _Postings(MIN_FUZZY_SPELLING)
        self.words: list[list[tuple[tuple[int, ...], tuple[int, ...]]]] = []
        for number, rec in enumerate(records):
            self.words.append([
                (tuple(sorted({self.skeletons.add(t, number) for t in skels})),
                 tuple(sorted({self.spellings.add(t, number) for t in spellings})))
                for skels, spellings in rec.words
            ])
        self.skeletons.freeze()
        self.spellings.freeze()
        self._fuzzy: dict = {}

    def estimate(self, word) -> int:
        return self.skeletons.estimate(word[0])

    def fuzzy(self, word) -> np.ndarray:
        """The persons having the word: one of its skeletons or spellings, or one a letter away."""
        found = self._fuzzy.get(word)
        if found is None:
            by_skeleton, by_spelling = self.skeletons.persons(word[0]), self.spellings.persons(word[1])
            found = np.union1d(by_skeleton, by_spelling) if len(by_spelling) > 1 else by_skeleton
            if len(found) > RARE:
                self._fuzzy[word] = found  # given names recur: keep them
        return found

    def sharing(self, anchor, people: np.ndarray, other) -> list[np.ndarray]:
        """The persons sharing both words: one edit apart on both; when that is too common to
        discriminate (Halyna + Husieina: both have many neighbours), one edit apart on one word
        and exactly on the other; else exactly on both; else nobody."""
        both = _intersect(people, self.fuzzy(other))
        if len(both) <= MAX_POSTING:
            return [both] if len(both) > 1 else []
        exact_anchor, exact_other = self.skeletons.exact(anchor[0]), self.skeletons.exact(other[0])
        halves = [_intersect(people, exact_other), _intersect(exact_anchor, self.fuzzy(other))]
        if all(len(h) <= MAX_POSTING for h in halves):
            return [h for h in halves if len(h) > 1]
        both = _intersect(exact_anchor, exact_other)
        return [both] if 1 < len(both) <= MAX_POSTING else []

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs ``(lo, hi)`` (record numbers, lo < hi), each once: persons sharing one of
        the two rarest words of either and another word with it (patronymics do not count: the
        matcher never matches on a given name and a patronymic alone)."""
        chunks = []
        width = len(self.words) + 1
        for number, words in enumerate(self.words):
            if len(words) < 2:
                continue  # a name of one word is never evidence enough
            ranked = sorted(words, key=self.estimate)
            found = []
            for k, anchor in enumerate(ranked[:2]):
                people = self.fuzzy(anchor)
                if len(people) < 2:
                    continue
                # For the second anchor, the pairing with the first was made already.
                for other in ranked[2:] if k else ranked[1:]:
                    found.extend(self.sharing(anchor, people, other))
            if found:
                others = np.unique(np.concatenate(found)).astype(np.int64)
                others = others[others != number]
                chunks.append(np.minimum(others, number) * width + np.maximum(others, number))
        if not chunks:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        keys = np.unique(np.concatenate(chunks))
        return keys // width, keys % width


# --- stages 3 and 4 ----------------------------------------------------------------------------------------

def _judged_pairs(roots: dict[int, int]) -> set[tuple[int, int]]:
    """Pairs of canonical records (pks, ordered) with a standing verdict between them or between
    records linked to them."""
    judged = set()
    for left, right in PairJudgement.objects.filter(undone_at__isnull=True).values_list("left_id", "right_id"):
        a, b = roots.get(left, left), roots.get(right, right)
        judged.add((min(a, b), max(a, b)))
    return judged


def _birth_for(query: frozenset[str], other: frozenset[str]) -> str | None:
    shared = sorted(query & other)
    if shared:
        return shared[0]
    return min(query) if query else None


def _score(records: list[_Record], lo: np.ndarray, hi: np.ndarray, threshold: float) -> list[Candidate]:
    """The matcher's score of each pair; the pairs at or above ``threshold``.

    The record with fewer words is the query: the matcher counts an unpaired query word as zero
    but an unpaired candidate word costs only a little, so this is the direction in which
    ``svidok people match`` with one record's name finds the other at its best (on the benchmark
    the other direction passes the threshold for exactly the same pairs, at twice the cost).
    """
    best: dict[tuple[int, int], tuple[float, object, str]] = {}
    widths = np.fromiter((len(r.words) for r in records), dtype=np.int32, count=len(records))
    swap = widths[hi] < widths[lo]
    for query_side, other_side, direction in ((lo[~swap], hi[~swap], "left"), (hi[swap], lo[swap], "right")):
        order = np.argsort(query_side, kind="stable")
        q_sorted, o_sorted = query_side[order], other_side[order]
        bounds = np.flatnonzero(np.diff(q_sorted)) + 1
        for q_group, o_group in zip(np.split(q_sorted, bounds), np.split(o_sorted, bounds), strict=True):
            if not q_group.size:
                continue
            query = records[int(q_group[0])]
            # The query's birth date: the one it shares with the candidate if any (the finder
            # vetoes pairs whose dates are both known and differ), so one call per date.
            by_birth: dict[str | None, list[_Record]] = {}
            for o in o_group.tolist():
                other = records[o]
                by_birth.setdefault(_birth_for(query.births, other.births), []).append(other)
            for birth, others in by_birth.items():
                scored = matching.score_entries(query.entry.shapes, birth, [o.entry for o in others])
                for other, (score, detail, _features) in zip(others, scored, strict=True):
                    best[(min(query.pk, other.pk), max(query.pk, other.pk))] = (score, detail, direction)
    by_pk = {r.pk: r for r in records}
    out = []
    for (left_pk, right_pk), (score, detail, direction) in best.items():
        if score < threshold:
            continue
        explanation = matching.explain(detail)
        if explanation.get("name", {}).get("one_word"):
            continue  # one shared word is a namesake's surname, not evidence
        left, right = by_pk[left_pk], by_pk[right_pk]
        explanation = {**explanation, "query": direction, "finder": FINDER, "finder_version": FINDER_VERSION}
        out.append(Candidate(left_pk=left_pk, right_pk=right_pk, left_id=left.uuid, right_id=right.uuid,
                             left_name=left.caption, right_name=right.caption, score=float(score), explanation=explanation))
    out.sort(key=lambda c: (-c.score, c.left_pk, c.right_pk))
    return out


def find_duplicates(*, threshold: float | None = None, persons: Iterable | None = None,
                    progress: Callable[[str, dict], None] | None = None) -> list[Candidate]:
    """Pairs of canonical, non-protected person records that may be one person, best first.

    ``threshold`` defaults to the matcher's; ``persons`` (records or pks) limits the search to
    those records' canonical records; ``progress(stage, figures)`` is told when each stage ends.
    Reads only: nothing is written (see :func:`run_finder`).
    """
    threshold = check_threshold(threshold)
    note = progress or (lambda stage, figures: None)
    started = time.perf_counter()
    records, roots = _load(persons)
    note("load", {"persons": len(records), "seconds": round(time.perf_counter() - started, 2)})
    if len(records) < 2:
        return []
    blocker = _Blocker(records)
    lo, hi = blocker.pairs()
    note("blocking", {"pairs": int(lo.size), "seconds": round(time.perf_counter() - started, 2)})
    if lo.size:
        texts = [r.text for r in records]
        prescore = process.cpdist([texts[i] for i in lo], [texts[i] for i in hi], scorer=fuzz.token_set_ratio,
                                  dtype=np.float32, workers=1)
        keep = prescore >= PRESCORE_MIN
        lo, hi = lo[keep], hi[keep]
    judged = _judged_pairs(roots)
    keep = np.fromiter(
        (not (records[i].births and records[j].births and not records[i].births & records[j].births)
         and (min(records[i].pk, records[j].pk), max(records[i].pk, records[j].pk)) not in judged
         for i, j in zip(lo.tolist(), hi.tolist(), strict=True)),
        dtype=bool, count=int(lo.size))
    lo, hi = lo[keep], hi[keep]
    note("prescore", {"pairs": int(lo.size), "seconds": round(time.perf_counter() - started, 2)})
    found = _score(records, lo, hi, threshold)
    note("score", {"pairs": len(found), "seconds": round(time.perf_counter() - started, 2)})
    return found


def check_threshold(value) -> float:
    """A threshold between 0 (exclusive) and 1; the matcher's default for ``None``."""
    if value is None or value == "":
        return matching.DEFAULT_THRESHOLD
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        raise ValidationError({"threshold": _("The threshold is a number between 0 and 1.")}) from None
    if not 0 < threshold <= 1:
        raise ValidationError({"threshold": _("The threshold is a number between 0 and 1.")})
    return threshold


# --- the service ---------------------------------------------------------------------------------------------

@dataclass(slots=True)
class FinderRun:
    candidates: list[Candidate]
    threshold: float
    seconds: float
    replaced: int


def run_finder(*, actor, threshold: float | None = None, progress=None) -> FinderRun:
    """Find duplicate candidates and replace the open proposals with them, audited.

    Coordinators and admins (``person.merge``). The search reads without a transaction (it takes a while on a large registry
    and must not hold writers back); the replacement is one short transaction that drops pairs
    judged or linked in the meantime, so a run never undoes a verdict given while it ran.
    """
    require(actor, "person.merge")
    threshold = check_threshold(threshold)
    started = time.perf_counter()
    found = find_duplicates(threshold=threshold, progress=progress)
    return _replace(actor=actor, found=found, threshold=threshold, started=started)


@transaction.atomic
def _replace(*, actor, found: list[Candidate], threshold: float, started: float) -> FinderRun:
    current = set(Person.objects.filter(protected=False, merged_into__isnull=True).values_list("pk", flat=True))
    judged = set(PairJudgement.objects.filter(undone_at__isnull=True).values_list("left_id", "right_id"))
    found = [c for c in found if c.left_pk in current and c.right_pk in current and (c.left_pk, c.right_pk) not in judged]
    replaced, _by_model = DuplicateCandidate.objects.all().delete()
    now = timezone.now()
    DuplicateCandidate.objects.bulk_create(
        [DuplicateCandidate(left_id=c.left_pk, right_id=c.right_pk, score=c.score, matcher=matching.ALGORITHM,
                            matcher_version=matching.VERSION, threshold=threshold, explanation=c.explanation, found_at=now)
         for c in found], batch_size=1000)
    seconds = round(time.perf_counter() - started, 3)
    record(actor=actor, action="update", object_type="people.duplicatecandidate", object_id="finder",
           object_repr="duplicate finder run",
           changes={"finder_run": [None, {"count": len(found), "replaced": replaced, "threshold": threshold,
                                          "matcher": matching.ALGORITHM, "matcher_version": matching.VERSION,
                                          "finder_version": FINDER_VERSION, "seconds": seconds}]})
    return FinderRun(candidates=found, threshold=threshold, seconds=seconds, replaced=replaced)


@transaction.atomic
def judge_candidate(*, actor, a: Person, b: Person, verdict: str, note: str = "") -> PairJudgement:
    """A lead's verdict on a proposed pair: :func:`merging.judge_pair` with the matcher, version,
    score and threshold that proposed it (audited there). The proposal goes away; after "same",
    so do the open proposals of the record now linked (it is no longer canonical: the next run
    compares its names as the canonical person's). Refused with a field-keyed ValidationError,
    nothing changed, when the pair is not proposed (any more) or ``judge_pair`` refuses."""
    require(actor, "person.merge")
    left, right = sorted((a, b), key=lambda p: p.pk)
    candidate = DuplicateCandidate.objects.select_for_update().filter(left=left, right=right).first()
    if candidate is None:
        raise ValidationError({"pair": _("This pair is not proposed any more: it was judged, or a newer run of the finder replaced it.")})
    judgement = merging.judge_pair(actor=actor, a=left, b=right, verdict=verdict, matcher=candidate.matcher,
                                   matcher_version=candidate.matcher_version, score=candidate.score,
                                   threshold=candidate.threshold, note=note)
    candidate.delete()
    if judgement.linked_id is not None:
        DuplicateCandidate.objects.filter(Q(left_id=judgement.linked_id) | Q(right_id=judgement.linked_id)).delete()
    return judgement
