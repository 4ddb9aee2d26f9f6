"""Given names that are one name across languages: Oleksandr / Aleksandr / Alexander, Mykola /
Nikolai, Mykhailo / Mikhail / Michael.

The table is ``data/names/given-names.csv``, one group a row: ``key`` (the group's name, its
Ukrainian national romanization), ``gender`` (m or f), then the spellings of the name by language,
several separated by ``;``: ``uk`` and ``ru`` in Cyrillic, ``en`` (the English form, only where
English-language writing uses it for people of the region), ``crh`` (Crimean Tatar Latin) and
``latin`` (other romanizations seen in lists and the press). Each Cyrillic spelling brings its
standard romanizations (:func:`svidok.names.text.match_forms`), so the table lists only the Latin
spellings no scheme gives.

The matcher folds every spelling of a word to its group (:func:`group_of`): two words of one group
compare as a transliteration variant would (:mod:`svidok.names.scoring`). Diminutives (Sasha,
Kolya) are left out: Sasha is also Oleksandra, and a diminutive says less about who is meant.
Yurii and George (one name in etymology, two names in use) are separate groups, as are Ivan and
John; docs/matching.md says why.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from svidok.names.text import has_cyrillic, match_forms

TABLE = Path(__file__).resolve().parents[2] / "data" / "names" / "given-names.csv"
COLUMNS = ("key", "gender", "uk", "ru", "en", "crh", "latin")
NAME_COLUMNS = ("uk", "ru", "en", "crh", "latin")
_KEY = re.compile(r"[a-z]+")
_SPELLING = re.compile(r"[^\W\d_]+(?:['’ʼ-][^\W\d_]+)*")


class TableError(Exception):
    """The given-name table cannot be read: the message names the file, the row and what is wrong."""


@dataclass(frozen=True, slots=True)
class Group:
    number: int
    key: str
    gender: str
    spellings: tuple[str, ...]  # as written in the table
    row: int


@dataclass(frozen=True, slots=True)
class Table:
    groups: tuple[Group, ...]
    tokens: dict[str, int]  # a folded spelling -> its group's number

    def group_of(self, token: str) -> int:
        """The group of a folded word (lower-case ASCII, as the matcher's spellings are), -1 for none."""
        return self.tokens.get(token, -1)


def read_table(path: Path | str = TABLE) -> Table:
    """Read and check the table; :class:`TableError` names the row of the first problem.

    Refused: a header other than :data:`COLUMNS`; a row with another number of fields; a key that
    is not lower-case Latin letters, or repeated; a gender other than m or f; a row with no
    spelling; a spelling that is not letters (apostrophes and hyphens inside allowed); Cyrillic in
    a Latin column or Latin in a Cyrillic one; and a spelling, or one of its romanizations, that
    is in two groups (a word must fold to one group).
    """
    path = Path(path)
    label = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError(f"{label}: cannot be read ({exc.__class__.__name__}).") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or tuple(c.strip() for c in rows[0]) != COLUMNS:
        raise TableError(f"{label}, row 1: the header must be {','.join(COLUMNS)}.")
    groups: list[Group] = []
    tokens: dict[str, int] = {}
    keys: dict[str, int] = {}
    for line, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(COLUMNS):
            raise TableError(f"{label}, row {line}: {len(row)} fields, expected {len(COLUMNS)}.")
        fields = dict(zip(COLUMNS, (c.strip() for c in row), strict=True))
        key = fields["key"]
        if not _KEY.fullmatch(key):
            raise TableError(f"{label}, row {line}: the key {key!r} must be lower-case Latin letters.")
        if key in keys:
            raise TableError(f"{label}, row {line}: the key {key!r} is already used in row {keys[key]}.")
        keys[key] = line
        if fields["gender"] not in ("m", "f"):
            raise TableError(f"{label}, row {line}: the gender must be m or f, not {fields['gender']!r}.")
        number = len(groups)
        spellings: list[str] = []
        for column in NAME_COLUMNS:
            for spelling in (s.strip() for s in fields[column].split(";")):
                if not spelling:
                    continue
                if not _SPELLING.fullmatch(spelling):
                    raise TableError(f"{label}, row {line}, column {column}: {spelling!r} is not a name (letters only).")
                cyrillic = column in ("uk", "ru")
                if cyrillic != has_cyrillic(spelling) or (cyrillic and re.search("[A-Za-z]", spelling)):
                    script = "Cyrillic" if cyrillic else "Latin"
                    raise TableError(f"{label}, row {line}, column {column}: {spelling!r} is not in {script} letters.")
                spellings.append(spelling)
                lang = column if column in ("uk", "ru", "crh") else None
                for token in dict.fromkeys([*match_forms(spelling, lang, inflected=False),
                                            *match_forms(spelling, None, inflected=False), key]):
                    if " " in token:
                        raise TableError(f"{label}, row {line}, column {column}: {spelling!r} is more than one word.")
                    other = tokens.setdefault(token, number)
                    if other != number:
                        raise TableError(f"{label}, row {line}, column {column}: {spelling!r} ({token}) is already "
                                         f"in the group of row {groups[other].row} ({groups[other].key}).")
        if not spellings:
            raise TableError(f"{label}, row {line}: the group {key!r} has no spelling.")
        groups.append(Group(number=number, key=key, gender=fields["gender"], spellings=tuple(spellings), row=line))
    return Table(groups=tuple(groups), tokens=tokens)


@functools.cache
def table() -> Table:
    """The shipped table, read once per process."""
    return read_table(TABLE)


def group_of(token: str) -> int:
    """The group number of a folded word of a name, -1 when it is no given name of the table."""
    return table().group_of(token)
