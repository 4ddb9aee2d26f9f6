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
rebuilt when its source changes (``svidok.names.index.IndexCache``; the registry's in ``svidok.people.registry``, the
lists' in ``svidok.sanctions.matching``). Protected persons are never indexed.

The modules: :mod:`~svidok.names.shapes` (names as words with spellings and skeletons, entries),
:mod:`~svidok.names.scoring`, :mod:`~svidok.names.index` (the candidate stage and ``match``),
:mod:`~svidok.names.logic_v2`. This module is their public API.
"""

from svidok.names.index import (
    ALGORITHM,
    ALGORITHMS,
    CACHE,
    CANDIDATES,
    DEFAULT_LIMIT,
    DEFAULT_THRESHOLD,
    MAX_LIMIT,
    VERSION,
    IndexCache,
    MatchIndex,
    MatchResult,
    Scored,
    result_json,
)
from svidok.names.logic_v2 import LOGIC_V2_THRESHOLD
from svidok.names.scoring import (
    BIRTH_DATE_AGREES,
    BIRTH_DATE_OTHER_DAY,
    BIRTH_DATE_OTHER_YEAR,
    ONE_WORD_CAP,
    explain,
    score_entries,
    token_scores,
)
from svidok.names.shapes import (
    PATRONYMIC,
    Entry,
    MatchError,
    Shape,
    check_birth_date,
    make_entry,
    name_pieces,
    query_shapes,
    shapes_from_forms,
    shapes_of,
    surname_flags,
    word_skeleton,
)
from svidok.names.text import match_forms

__all__ = [
    "ALGORITHM", "ALGORITHMS", "BIRTH_DATE_AGREES", "BIRTH_DATE_OTHER_DAY", "BIRTH_DATE_OTHER_YEAR", "CACHE",
    "CANDIDATES", "DEFAULT_LIMIT", "DEFAULT_THRESHOLD", "LOGIC_V2_THRESHOLD", "MAX_LIMIT", "ONE_WORD_CAP", "VERSION",
    "Entry", "IndexCache", "MatchError", "MatchIndex", "MatchResult", "Scored", "Shape", "check_birth_date", "explain",
    "PATRONYMIC", "make_entry", "match_forms", "name_pieces", "query_shapes", "result_json", "score_entries", "shapes_from_forms",
    "shapes_of", "surname_flags", "token_scores", "word_skeleton",
]
