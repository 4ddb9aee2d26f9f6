"""The index of the candidate stage (word vocabularies, postings, bigram matrices) and the match
itself: candidates from the index, scored by :mod:`svidok.names.scoring` or logic-v2."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import logging
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from svidok.names import logic_v2

try:
    import fcntl
except ImportError:  # not POSIX: processes may build the same index at once, which is only slower
    fcntl = None
from svidok.names.scoring import explain, score_entries
from svidok.names.shapes import Entry, MatchError, Shape, check_birth_date, query_shapes

ALGORITHM = "svidok-names"
VERSION = "2"  # 2: given names of one group in the table of equivalents (names.given) score as variants
DEFAULT_THRESHOLD = 0.8
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
CANDIDATES = 40  # entries passed from the candidate stage to the scorer (at least; more for a larger limit)

CANDIDATE_MIN = 0.7  # similarity below which a vocabulary word is not a candidate for a query word
CANDIDATE_FLOOR = 0.6  # similarity that would count zero in the candidate ranking
SIMILAR_CACHE = 50_000  # query words whose similar vocabulary words are kept (per index)
SPELLING, SKELETON = 0, 1
STORE_FORMAT = 1  # raise when MatchIndex's attributes change: stored indexes of another layout are rebuilt

logger = logging.getLogger(__name__)

ALGORITHMS = {
    ALGORITHM: {"threshold": DEFAULT_THRESHOLD, "description": "Svidok's token-alignment scorer over normalized name forms"},
}
if logic_v2.available():
    ALGORITHMS[logic_v2.NAME] = {"threshold": logic_v2.LOGIC_V2_THRESHOLD,
                                 "description": "nomenklatura logic-v2 (OpenSanctions) on the same candidates"}


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
        self.load_seconds = None  # set when read from the store (IndexCache) instead

    def __len__(self):
        return len(self.entries)

    def __getstate__(self):
        # What is stored (IndexCache's files): the entries and arrays; not the per-process cache of
        # similar words, its lock, or the birth-date reader (a function of the process that uses it).
        state = self.__dict__.copy()
        for name in ("_similar", "_similar_lock", "birth_dates"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._similar = {}
        self._similar_lock = threading.Lock()
        self.birth_dates = None

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
        if algorithm == logic_v2.NAME:
            scored = [logic_v2.logic_v2_score(name, shapes, birth, e, e.birth_dates if use_birth_dates else ()) for e in entries]
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


class IndexCache:
    """Indexes by key, each built once and rebuilt when its source's state changed (``state`` is any
    hashable, picklable value the source computes cheaply: counts, last ids, a file digest).

    With a ``directory`` (set by the app that owns the data: ``SVIDOK_VAR_DIR/cache/names``), a
    built index is also written there, with the state it was built for, and the next process that
    needs the index for the same state reads it instead of building it (a pickle, far faster than
    computing every entry's name forms again). A process building an index holds a lock on its
    file: the other processes wait for the file rather than building the same index at once. A
    file for another state, another matcher version or layout, or that cannot be read is ignored
    and replaced; a directory that cannot be written leaves the index in memory only."""

    def __init__(self, directory: str | Path | None = None):
        self._cache: dict[str, MatchIndex] = {}
        self._lock = threading.Lock()
        self.directory = directory

    def get(self, key: str, state: Hashable, build: Callable[[], list[Entry]], *, birth_dates=None) -> MatchIndex:
        index = self._cache.get(key)
        if index is not None and index.state == state:
            return index
        with self._lock:
            index = self._cache.get(key)
            if index is None or index.state != state:
                index = self._load_or_build(key, state, build)
                index.birth_dates = birth_dates
                self._cache[key] = index
        return index

    def path(self, key: str) -> Path | None:
        """The file of ``key``'s index (its name says nothing of the key: a list's name may be anything)."""
        if self.directory is None:
            return None
        return Path(self.directory) / f"index-{hashlib.sha256(key.encode()).hexdigest()[:24]}.pickle"

    def _load_or_build(self, key: str, state: Hashable, build: Callable[[], list[Entry]]) -> MatchIndex:
        path = self.path(key)
        if path is None:
            return MatchIndex(build(), label=key, state=state)
        stamp = (STORE_FORMAT, VERSION, key, state)
        index = _read_index(path, stamp)
        if index is not None:
            return index
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock = open(path.with_suffix(".lock"), "a+b")  # noqa: SIM115 (held while building)
        except OSError as exc:
            logger.warning("The matcher's index store %s cannot be used (%s): the index stays in memory.", path.parent, exc.strerror)
            return MatchIndex(build(), label=key, state=state)
        with lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            # Another process may have written it while this one waited for the lock.
            index = _read_index(path, stamp)
            if index is None:
                index = MatchIndex(build(), label=key, state=state)
                _write_index(path, stamp, index)
        return index

    def clear(self) -> None:
        self._cache.clear()


def _read_index(path: Path, stamp: tuple) -> MatchIndex | None:
    """The stored index if ``path`` holds one for ``stamp``, else None. The first pickle of the file
    is the stamp, so a stale index is not read at all."""
    started = time.perf_counter()
    try:
        with open(path, "rb") as handle:
            if pickle.load(handle) != stamp:
                return None
            index = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or foreign file: build the index again and replace it
        logger.warning("The matcher's stored index %s could not be read (%s): building it again.", path.name, type(exc).__name__)
        return None
    if not isinstance(index, MatchIndex):
        return None
    index.load_seconds = time.perf_counter() - started
    return index


def _write_index(path: Path, stamp: tuple, index: MatchIndex) -> None:
    """Write the stamp and the index to a private temporary file beside ``path``, then put it in
    place in one step: a reader sees the old file or the new one, never half of one."""
    try:
        handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".index-", suffix=".tmp", delete=False)  # noqa: SIM115
        try:
            with handle:
                pickle.dump(stamp, handle, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(handle.name, path)
        except BaseException:
            os.unlink(handle.name)
            raise
    except OSError as exc:
        logger.warning("The matcher's index could not be stored in %s (%s): it stays in memory.", path.parent, exc.strerror)


CACHE = IndexCache()


def result_json(result: MatchResult, *, dataset: str) -> dict:
    """The command line's JSON: each candidate with caption, names, score, explanation and, for a
    list, the list's own record id and listing date."""
    return {
        "query": result.query,
        "birth_date": result.birth_date,
        "dataset": dataset,
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
