"""Across votes: which precincts of two imported votes are the same precinct, and one precinct's history.

The matching rule (docs/forensics.md, "Across votes"; decision in docs/decisions.md): two rows of
different votes are the same precinct when their **region**, compared after :func:`normalize_region`,
and their **precinct number** (``uik_number``) are equal. The territorial commission is compared
too, after :func:`normalize_commission`: a pair whose commissions differ is still matched, and
reported as such (``commission_differs``), never silently. A row without a number (remote
electronic voting, number -1) and a (region, number) that occurs more than once in its own vote
are never matched: they are counted (``unnumbered_*``, ``duplicate_*``) and said so on the page.

:func:`match` is the rule on plain columns (the same-precinct comparison in
:func:`svidok.forensics.stats.match_precincts` and the measurement in ``bench/matching.py`` call
it); :func:`precinct_history` applies it to one stored precinct against every imported vote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# Dashes of every kind the CEC's files use, written as one ASCII hyphen before comparing.
_DASHES = re.compile(r"[‐‑‒–—―−]")
# A region's second name after a spaced dash: "Кемеровская область - Кузбасс" (2020) is
# "Кемеровская область" (earlier years); "Чувашская Республика - Чувашия" keeps its first name in
# every year. An unspaced hyphen belongs to the name ("Санкт-Петербург", "Ханты-Мансийский").
_SECOND_NAME = re.compile(r"\s+-\s+.*$")
# The CEC's code in front of some regions ("98 Город Байконур (Республика Казахстан)" in 2004 and
# 2018, without it in 2011 and 2020) and the order number in front of a commission ("1 Алуштинская").
_LEADING_NUMBER = re.compile(r"^\d+\s+")
_CITY = re.compile(r"(^|\s)г\.\s*")
# "№3", "№ 3", "N 3" and "N3" are one commission number (2004 writes №, 2008 N).
_NUMBER_SIGN = re.compile(r"(?:№|\bn)\s*(\d+)")
# Two names of one pseudo-region: the precincts abroad ("Зарубежная территория" until 2011).
REGION_ALIASES = {"зарубежная территория": "территория за пределами рф"}


def _base(name: str) -> str:
    text = (name or "").replace("ё", "е").replace("Ё", "Е").lower()
    text = _DASHES.sub("-", text)
    return " ".join(text.split())


def normalize_region(name: str) -> str:
    """A region's name as compared across votes: lower case, ё as е, one space between words, every
    dash a hyphen, "г." written "город", without the CEC's leading code and without a second name
    after a spaced dash; the precincts abroad under one name (see ``REGION_ALIASES``)."""
    text = _base(name)
    text = _CITY.sub(r"\1город ", text)
    text = _LEADING_NUMBER.sub("", text)
    text = _SECOND_NAME.sub("", text).strip()
    return REGION_ALIASES.get(text, text)


def normalize_commission(name: str) -> str:
    """A territorial commission's name as compared across votes: as :func:`normalize_region` for
    case, spaces, dashes and "г.", without the order number the file puts in front ("1 Алуштинская
    городская" and "2 Алуштинская городская" are the same commission, renumbered in the list), and
    "№ 3", "N3" written "№3". Nothing cleverer: a commission renamed ("Симферопольская" in 2018,
    "ТИК Симферопольского района" in 2020) differs, and is reported with the match."""
    text = _CITY.sub(r"\1город ", _base(name))
    text = _NUMBER_SIGN.sub(r"№\1", text)
    return _LEADING_NUMBER.sub("", text).strip()


@dataclass
class Matching:
    """The outcome of :func:`match`: the pairs (indexes in each side, in the first side's order),
    the pairs whose commission differs, and the counts (see :data:`COUNTS`)."""

    first: list[int] = field(default_factory=list)
    second: list[int] = field(default_factory=list)
    commission_differs: list[int] = field(default_factory=list)  # positions in first/second
    counts: dict = field(default_factory=dict)


# The counts of a matching, in the order shown.
COUNTS = ("matched", "unmatched_first", "unmatched_second", "unnumbered_first", "unnumbered_second",
          "duplicate_first", "duplicate_second", "commission_differs")


def _keyed(regions: Sequence[str], numbers: Sequence[int]) -> tuple[dict, int, int]:
    """{(region, number): row} of the rows that can be matched, and the unnumbered and duplicate counts."""
    names: dict[str, str] = {}  # a file has ~90 region names for ~100k rows: normalise each once
    rows: dict[tuple[str, int], list[int]] = {}
    unnumbered = 0
    for i, (region, number) in enumerate(zip(regions, numbers, strict=True)):
        if number < 0:
            unnumbered += 1
            continue
        name = names.get(region)
        if name is None:
            name = names[region] = normalize_region(region)
        rows.setdefault((name, number), []).append(i)
    unique = {key: found[0] for key, found in rows.items() if len(found) == 1}
    return unique, unnumbered, len(regions) - unnumbered - len(unique)


def match(first: tuple[Sequence[str], Sequence[str], Sequence[int]],
          second: tuple[Sequence[str], Sequence[str], Sequence[int]]) -> Matching:
    """Pair the rows of two votes, each given as ``(regions, commissions, numbers)``, by the rule above."""
    keys_a, unnumbered_a, dup_a = _keyed(first[0], first[2])
    keys_b, unnumbered_b, dup_b = _keyed(second[0], second[2])
    pairs = sorted((i, keys_b[key]) for key, i in keys_a.items() if key in keys_b)
    out = Matching(first=[i for i, _ in pairs], second=[j for _, j in pairs])
    tiks_a, tiks_b = first[1], second[1]
    names: dict[str, str] = {}

    def commission(name: str) -> str:
        found = names.get(name)
        if found is None:
            found = names[name] = normalize_commission(name)
        return found

    out.commission_differs = [k for k, (i, j) in enumerate(pairs) if commission(tiks_a[i]) != commission(tiks_b[j])]
    out.counts = {
        "matched": len(pairs),
        "unmatched_first": len(keys_a) - len(pairs),
        "unmatched_second": len(keys_b) - len(pairs),
        "unnumbered_first": unnumbered_a,
        "unnumbered_second": unnumbered_b,
        "duplicate_first": dup_a,
        "duplicate_second": dup_b,
        "commission_differs": len(out.commission_differs),
    }
    return out


def in_scope(regions: Sequence[str], commissions: Sequence[str], region: str = "", tik: str = "") -> list[bool]:
    """Which rows of another vote belong to the scope ``region`` / ``tik`` of this one, compared as
    the matching rule compares them (so "Кемеровская область - Кузбасс" in 2020 finds the
    precincts of "Кемеровская область" in 2018)."""
    want_region = normalize_region(region) if region else None
    want_tik = normalize_commission(tik) if tik else None
    cache_r: dict[str, bool] = {}
    cache_t: dict[str, bool] = {}
    out = []
    for r, t in zip(regions, commissions, strict=True):
        ok = True
        if want_region is not None:
            if r not in cache_r:
                cache_r[r] = normalize_region(r) == want_region
            ok = cache_r[r]
        if ok and want_tik is not None:
            if t not in cache_t:
                cache_t[t] = normalize_commission(t) == want_tik
            ok = cache_t[t]
        out.append(ok)
    return out


def counterpart(compare, region: str = "", tik: str = "", *, without_electronic_voting: bool = False,
                regions: tuple[str, ...] = ()):
    """The precincts of another result set ``compare`` in the scope ``region`` / ``tik`` of this one,
    the names compared as the matching rule compares them (see :func:`in_scope`); without its rows of
    remote electronic voting when asked (see :func:`svidok.forensics.data.load_precincts`)."""
    import numpy as np

    from svidok.forensics.data import load_precincts

    every = load_precincts(compare, without_electronic_voting=without_electronic_voting)
    if regions:
        names, tiks = every.region.tolist(), every.tik.tolist()
        mask = np.zeros(len(every), dtype=bool)
        for name in regions:
            mask |= np.array(in_scope(names, tiks, name, tik), dtype=bool)
        return every.subset(mask)
    if not region and not tik:
        return every
    return every.subset(np.array(in_scope(every.region.tolist(), every.tik.tolist(), region, tik), dtype=bool))


# -- one precinct across every imported vote ----------------------------------------------------

# How a vote's row relates to the precinct asked about.
THIS_ROW = "this_row"            # the row the history was asked for
MATCHED = "matched"              # the same region and number, once in that vote
NOT_FOUND = "not_found"          # no row with this region and number in that vote
DUPLICATE = "duplicate"          # the region and number occur more than once in that vote: not matched
NOT_COMPARED = "not_compared"    # the row asked for has no number, or its own vote lists it twice
STATUSES = {
    THIS_ROW: _("this row"),
    MATCHED: _("same precinct"),
    NOT_FOUND: _("not in this vote"),
    DUPLICATE: _("listed more than once in this vote: not matched"),
    NOT_COMPARED: _("not compared"),
}
# What the leader of a result set is, by its kind (parsing.vote_kind).
LEADER_KINDS = {"candidates": _("candidate"), "parties": _("party"), "answers": _("answer")}


@dataclass
class HistoryRow:
    """One vote in a precinct's history; ``precinct`` is None unless the vote has the precinct."""

    result_set: object
    status: str
    precinct: object = None
    rows_found: int = 0            # rows of that vote with the same region and number
    commission_differs: bool = False
    issued: int | None = None
    turnout: float | None = None
    leader_share: float | None = None
    flags: list[str] = field(default_factory=list)   # FLAGS codes
    marks: list[str] = field(default_factory=list)   # MARKS codes

    @property
    def election(self):
        return self.result_set.election

    @property
    def kind(self) -> str:
        return (self.result_set.mapping or {}).get("kind", "candidates")


@dataclass
class History:
    precinct: object               # the Precinct asked for
    result_set: object
    rows: list[HistoryRow]
    own_rows: int = 1              # rows of its own vote with its region and number

    @property
    def duplicate_in_own(self) -> bool:
        """Its region and number occur more than once in its own vote."""
        return self.own_rows > 1

    @property
    def matchable(self) -> bool:
        return self.precinct.uik_number >= 0 and not self.duplicate_in_own


def _figures(row: HistoryRow) -> HistoryRow:
    """Issued, turnout, the result set's leader's share, flags and marks of the row's precinct."""
    from svidok.forensics.parsing import ELECTRONIC, MARK_ELECTRONIC, MARK_NO_BALLOTS, MARK_NO_REGISTERED

    p, rs = row.precinct, row.result_set
    parts = (p.issued_early, p.issued_station, p.issued_outside)
    row.issued = sum(parts) if all(x is not None for x in parts) else None
    if row.issued is not None and p.registered:
        row.turnout = 100.0 * row.issued / p.registered
    leader = rs.candidates.index(rs.leader) if rs.leader in rs.candidates else None
    votes = p.votes or []
    cast = (p.valid or 0) + (p.invalid or 0) if p.valid is not None and p.invalid is not None else 0
    if leader is not None and cast and len(votes) > leader and votes[leader] is not None:
        row.leader_share = 100.0 * votes[leader] / cast
    row.flags = p.flag_list
    # The same facts the import marks (parsing._marks), read from the row itself: the result set
    # keeps only the first lines of each mark.
    if ELECTRONIC in _base(p.tik) or ELECTRONIC in _base(p.uik):
        row.marks.append(MARK_ELECTRONIC)
    if p.registered == 0:
        row.marks.append(MARK_NO_REGISTERED)
    if row.issued == 0:
        row.marks.append(MARK_NO_BALLOTS)
    return row


def precinct_history(*, actor, result_set, line: int) -> History:
    """The precinct on ``line`` of ``result_set`` in every imported vote the actor may see (all of
    them, with ``forensics.view``, as the result set pages), oldest vote first.

    One query finds the rows with the precinct's number in every result set at once (the number is
    compared in the database, the region in Python among those few rows): never a whole file.
    ``Precinct.DoesNotExist`` when the line holds no precinct.
    """
    from svidok.accounts.rules import require
    from svidok.forensics.models import Precinct, ResultSet

    require(actor, "forensics.view")
    precinct = Precinct.objects.get(result_set=result_set, line=line)
    result_sets = list(ResultSet.objects.select_related("election").order_by("election__date", "imported_at", "id"))
    key = normalize_region(precinct.region)
    found: dict[int, list] = {}
    if precinct.uik_number >= 0:
        candidates = Precinct.objects.filter(result_set__in=[rs.pk for rs in result_sets],
                                             uik_number=precinct.uik_number).order_by("result_set_id", "line")
        for other in candidates:
            if normalize_region(other.region) == key:
                found.setdefault(other.result_set_id, []).append(other)
    own = found.get(result_set.pk, [precinct])
    history = History(precinct=precinct, result_set=result_set, rows=[], own_rows=len(own))
    commission = normalize_commission(precinct.tik)
    for rs in result_sets:
        if rs.pk == result_set.pk:
            history.rows.append(_figures(HistoryRow(result_set=rs, status=THIS_ROW, precinct=precinct,
                                                    rows_found=len(own))))
            continue
        rows = found.get(rs.pk, [])
        if not history.matchable:
            history.rows.append(HistoryRow(result_set=rs, status=NOT_COMPARED, rows_found=len(rows)))
        elif len(rows) == 1:
            history.rows.append(_figures(HistoryRow(
                result_set=rs, status=MATCHED, precinct=rows[0], rows_found=1,
                commission_differs=normalize_commission(rows[0].tik) != commission)))
        else:
            history.rows.append(HistoryRow(result_set=rs, status=DUPLICATE if rows else NOT_FOUND,
                                           rows_found=len(rows)))
    return history


def as_rows(history: History) -> list[dict]:
    """The history as plain rows, codes not words (the API answers these; the CSV puts words in)."""
    out = []
    for row in history.rows:
        rs, p = row.result_set, row.precinct
        out.append({
            "vote": rs.election.name,
            "date": rs.election.date.isoformat(),
            "election": rs.election.public_id,
            "result_set": rs.public_id,
            "file": rs.source_name,
            "match": row.status,
            "rows_found": row.rows_found,
            "region": p.region if p else None,
            "commission": p.tik if p else None,
            "commission_differs": row.commission_differs,
            "precinct": p.uik if p else None,
            "line": p.line if p else None,
            "registered": p.registered if p else None,
            "ballots_issued": row.issued,
            "turnout": None if row.turnout is None else round(row.turnout, 2),
            "leader_kind": row.kind,
            "leader": rs.leader,
            "leader_share": None if row.leader_share is None else round(row.leader_share, 2),
            "flags": list(row.flags),
            "marks": list(row.marks),
        })
    return out
