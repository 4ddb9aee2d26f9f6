"""Scoring: the words of a query and a candidate aligned one to one, a patronymic counted half,
unpaired words counted zero, the birth date compared; and the explanation of a score."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from svidok.names import given
from svidok.names.shapes import Entry, Shape

TOKEN_MIN = 0.8  # aligned words less similar than this do not match
SKELETON_DISCOUNT = 0.95  # equal skeletons but different spellings: a transliteration variant, not identical
GIVEN_NAME_EQUIVALENT = 0.95  # two spellings of one given name across languages (given.py): a variant, like a transliteration
SKELETON_LIFT = 0.25  # at most this much above the plain similarity comes from the skeleton
TOKEN_STEEPNESS = 2.0  # how fast a token's score falls below perfect similarity (typo vs another name)
PATRONYMIC_WEIGHT = 0.5
EXTRA_CANDIDATE_WORD = 0.95  # factor per unpaired word of the candidate (not a patronymic)
INITIAL_SIMILARITY = 0.8  # an initial and a word starting with it
ONE_WORD_CAP = 0.6  # a match on one word (a surname alone) is never an alert
BIRTH_DATE_AGREES = 0.05
BIRTH_DATE_OTHER_DAY = -0.15
BIRTH_DATE_OTHER_YEAR = -0.3


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


def _groups(tokens) -> np.ndarray:
    """Each spelling's group in the table of given names (-1: none)."""
    lookup = given.table().tokens
    return np.fromiter((lookup.get(t, -1) for t in tokens), dtype=np.int32, count=len(tokens))


def token_scores(q_tokens, q_skels, c_tokens, c_skels) -> np.ndarray:
    """Token-by-token scores 0..1 (matrix): the better of plain Levenshtein similarity on the
    romanizations and, when their skeletons are equal (a transliteration variant),
    :data:`SKELETON_DISCOUNT`, but at most :data:`SKELETON_LIFT` above the plain similarity;
    :data:`GIVEN_NAME_EQUIVALENT` for two spellings of one given name in the table of
    equivalents (Alexander / Oleksandr, Michael / Mikhail: :mod:`svidok.names.given`);
    0 below :data:`TOKEN_MIN`; below 1 the score falls :data:`TOKEN_STEEPNESS` times
    faster than the similarity (one letter in a long word is a typo, two in a short one are
    another name: Malyshev / Makushev). Initials match a word that starts with them, weakly."""
    plain = process.cdist(q_tokens, c_tokens, scorer=Levenshtein.normalized_similarity, dtype=np.float32, workers=1)
    folded = process.cdist(q_skels, c_skels, scorer=Levenshtein.normalized_similarity, dtype=np.float32, workers=1)
    # Equal skeletons only: skeletons that differ, differ in a consonant (Malyshev / Makushev).
    sim = np.maximum(plain, np.minimum(SKELETON_DISCOUNT * (folded >= 1.0), plain + SKELETON_LIFT))
    q_groups = _groups(q_tokens)
    if (q_groups >= 0).any():
        c_groups = _groups(c_tokens)
        same = (q_groups[:, None] == c_groups[None, :]) & (q_groups[:, None] >= 0)
        sim = np.maximum(sim, GIVEN_NAME_EQUIVALENT * same)
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
