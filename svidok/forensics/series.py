"""The series of votes held in one territory (Crimea, Sevastopol, or both), side by side with what
has been recorded about each: the official figures computed from the imported precinct protocols,
the official figures and the independent estimates recorded as ``ElectionFigure``, and the gap
between an estimate and the official figure in percentage points.

Read-only: nothing here writes. An election belongs to a territory's series when its territory, a
figure recorded on it, or an imported result set lies in the territory (a result set by its
precincts' ``region``, a place by its KATOTTG code or its region's). The figures computed from a
result set use the definitions of :func:`svidok.forensics.stats.summary` (turnout = ballots issued /
registered; the leader's share of ballots cast = valid + invalid), restricted to the territory's
regions; the leader is the result set's (the candidate, party or answer analysed on its page).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from svidok.forensics import stats
from svidok.forensics.arrays import PROTOCOL_FIELDS, REQUIRED_FIELDS
from svidok.forensics.models import Precinct, ResultSet
from svidok.forensics.parsing import build_precincts
from svidok.incidents.models import Election, ElectionFigure

CRIMEA_REGION = "Республика Крым"
SEVASTOPOL_REGION = "город Севастополь"
ARC_CODE = "UA01000000000013043"         # Autonomous Republic of Crimea (KATOTTG)
SEVASTOPOL_CODE = "UA85000000000065278"  # Sevastopol, city with special status (KATOTTG)
CACHE_SECONDS = 6 * 3600
# Metrics an estimate can be set against a computed official figure.
COMPARABLE = {"turnout": "turnout", "leader_share": "leader_share"}


@dataclass(frozen=True)
class Territory:
    slug: str
    label: str
    regions: tuple[str, ...]   # as the CEC's files name them (a precinct's ``region``)
    places: tuple[str, ...]    # KATOTTG codes of the gazetteer's places


TERRITORIES = {
    "both": Territory("both", _("Crimea and Sevastopol"), (CRIMEA_REGION, SEVASTOPOL_REGION), (ARC_CODE, SEVASTOPOL_CODE)),
    "crimea": Territory("crimea", _("Crimea (without Sevastopol)"), (CRIMEA_REGION,), (ARC_CODE,)),
    "sevastopol": Territory("sevastopol", _("Sevastopol"), (SEVASTOPOL_REGION,), (SEVASTOPOL_CODE,)),
}
DEFAULT_TERRITORY = "both"
REGION_OF_PLACE = {ARC_CODE: CRIMEA_REGION, SEVASTOPOL_CODE: SEVASTOPOL_REGION}
# The metric in a sentence ("turnout ≤ 30%"); the model's labels carry a "(%)" for forms.
METRIC_LABELS = {"turnout": _("turnout"), "leader_share": _("leader's share"), "invalid_share": _("invalid ballots"),
                 "other": _("other")}
LEADER_ROLES = {
    "candidates": (_("candidate with most votes"), _("candidate")),
    "parties": (_("party with most votes"), _("party")),
    "answers": (_("answer with most votes"), _("answer")),
}


@dataclass
class FigureRow:
    """A recorded figure of a vote, and its gap to the official figure it is compared with."""

    figure: ElectionFigure
    region: str                     # the CEC region the figure's place stands for; "" for the territory
    reference: float | None = None  # the official figure it is set against, in %
    reference_kind: str = ""        # "protocols" (computed from the result set) or "recorded" (an official figure)
    gap: float | None = None        # value - reference, percentage points

    @property
    def value(self) -> float:
        return float(self.figure.value)

    @property
    def metric_label(self) -> str:
        return str(METRIC_LABELS.get(self.figure.metric, self.figure.metric))


@dataclass
class Vote:
    """One election of the series: computed figures (None without a result set) and recorded ones."""

    election: Election
    result_set: ResultSet | None
    official: dict | None                          # summary of the territory's precincts, see _figures
    by_region: dict[str, dict] = field(default_factory=dict)
    figures: list[FigureRow] = field(default_factory=list)

    @property
    def estimates(self) -> list[FigureRow]:
        return [f for f in self.figures if not f.figure.official]

    @property
    def recorded_official(self) -> list[FigureRow]:
        return [f for f in self.figures if f.figure.official]


def territory(slug: str) -> Territory:
    """The territory named by ``slug``; KeyError for an unknown one."""
    return TERRITORIES[slug]


def _place_q(prefix: str, codes) -> Q:
    return Q(**{f"{prefix}__code__in": codes}) | Q(**{f"{prefix}__region__code__in": codes})


def _region_of(place) -> str:
    if place is None:
        return ""
    code = place.code if place.code in REGION_OF_PLACE else getattr(place.region, "code", "")
    return REGION_OF_PLACE.get(code, "")


def _result_sets_in(regions) -> set[int]:
    """Ids of the result sets with precincts in ``regions``: one indexed look-up per result set not
    yet asked about (its precincts never change after import, so the answer is cached), rather than
    a scan of every precinct for its region."""
    scope = _scope_key(regions)
    keys = {f"forensics:series-in:{pk}:{at.timestamp()}:{scope}": pk
            for pk, at in ResultSet.objects.values_list("pk", "imported_at")}
    known = cache.get_many(list(keys))
    for key, pk in keys.items():
        if key not in known:
            known[key] = Precinct.objects.filter(result_set_id=pk, region__in=regions).exists()
            cache.set(key, known[key], CACHE_SECONDS)
    return {pk for key, pk in keys.items() if known[key]}


def _scope_key(regions) -> str:
    # Hashed: region names are Cyrillic, which some cache backends refuse in keys.
    return hashlib.sha256("\x1f".join(regions).encode()).hexdigest()[:16]


def _load(result_set: ResultSet, regions) -> dict[str, dict]:
    """Summaries of ``result_set``'s precincts in each of ``regions`` and in all of them ("")."""
    meta = Precinct._meta
    quote = connection.ops.quote_name
    names = ["region", "tik", "uik", *PROTOCOL_FIELDS, "votes"]
    columns = ", ".join(quote(meta.get_field(n).column) for n in names)
    marks = ", ".join(["%s"] * len(regions))
    sql = (f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote('result_set_id')} = %s "
           f"AND {quote('region')} IN ({marks}) ORDER BY {quote('line')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [result_set.pk, *regions])
        rows = cursor.fetchall()
    width = len(result_set.candidates)
    required = [3 + PROTOCOL_FIELDS.index(f) for f in REQUIRED_FIELDS]
    kept, excluded = [], {r: 0 for r in regions}
    for row in rows:
        votes = json.loads(row[-1]) if isinstance(row[-1], str) else row[-1]
        # As data.load_precincts: a precinct missing a required number is left out and counted.
        if any(row[i] is None for i in required) or len(votes) != width or None in votes:
            excluded[row[0]] += 1
            continue
        kept.append((row, votes))
    leader = result_set.candidates.index(result_set.leader)
    out = {}
    for scope in ("", *regions):
        chosen = [(r, v) for r, v in kept if not scope or r[0] == scope]
        p = build_precincts(
            region=[r[0] for r, _v in chosen], tik=[r[1] for r, _v in chosen], uik=[r[2] for r, _v in chosen],
            counts={f: [r[3 + j] or 0 for r, _v in chosen] for j, f in enumerate(PROTOCOL_FIELDS)},
            votes=[v for _r, v in chosen] or np.zeros((0, width), dtype=np.int64), candidates=result_set.candidates, leader=leader,
            excluded=excluded[scope] if scope else sum(excluded.values()))
        out[scope] = _figures(result_set, stats.summary(p))
    return out


def _figures(result_set: ResultSet, summary: dict) -> dict:
    top = max((c["votes"] for c in summary["candidates"]), default=0)
    keys = ("precincts", "excluded", "registered", "ballots_issued", "ballots_cast", "turnout", "leader",
            "leader_votes", "leader_share")
    return {**{k: summary[k] for k in keys}, "leader_kind": (result_set.mapping or {}).get("kind", "candidates"),
            # The file's leader (most votes in the whole file, or chosen at import) need not lead here.
            "leader_is_top": summary["leader_votes"] == top > 0}


def _computed(result_set: ResultSet, regions) -> dict[str, dict]:
    """:func:`_load`, kept in the cache (a re-import is a new result set, so an entry is never stale)."""
    key = f"forensics:series:{result_set.pk}:{result_set.imported_at.timestamp()}:{_scope_key(regions)}"
    found = cache.get(key)
    if found is None:
        found = _load(result_set, regions)
        cache.set(key, found, CACHE_SECONDS)
    out = {}
    for scope, figures in found.items():
        most, plain = LEADER_ROLES.get(figures["leader_kind"], LEADER_ROLES["candidates"])
        out[scope] = {**figures, "leader_role": str(most if figures["leader_is_top"] else plain)}
    return out


def _gap(value: Decimal, reference: float | None) -> float | None:
    return None if reference is None else round(float(value) - reference, 2)


def series(slug: str = DEFAULT_TERRITORY) -> tuple[Territory, list[Vote]]:
    """Every election held in the territory, oldest first, with its computed and recorded figures.

    Official figures of a vote without an imported file are only those recorded; an estimate is set
    against the figure computed from the protocols for its own place (the Republic of Crimea or
    Sevastopol; the whole territory when its place is neither or not given), or, without protocols,
    against the official figure recorded for the same place and metric.
    """
    where = territory(slug)
    regions = where.regions
    with_precincts = _result_sets_in(regions)
    in_results = ResultSet.objects.filter(pk__in=with_precincts).values("election")
    elections = (Election.objects
                 .filter(_place_q("territory", where.places) | _place_q("figures__territory", where.places)
                         | Q(pk__in=in_results))
                 .distinct().order_by("date", "name").prefetch_related("result_sets"))
    figures = {}
    for f in (ElectionFigure.objects.filter(election__in=[e.pk for e in elections])
              .select_related("territory__region", "source").order_by("-official", "metric", "population_group", "pk")):
        figures.setdefault(f.election_id, []).append(f)
    votes = []
    for election in elections:
        # The latest import with precincts here (result sets come newest first within an election).
        rs = next((r for r in election.result_sets.all() if r.pk in with_precincts), None)
        computed = _computed(rs, regions) if rs is not None else {}
        vote = Vote(election=election, result_set=rs, official=computed.get(""),
                    by_region={r: computed[r] for r in regions if r in computed})
        for f in figures.get(election.pk, []):
            region = _region_of(f.territory)
            if f.territory_id and region not in regions:
                continue  # another territory's figure (e.g. Sevastopol's on the Crimea page)
            if not f.territory_id and slug != DEFAULT_TERRITORY:
                continue  # a figure of no stated place belongs to the whole only
            vote.figures.append(FigureRow(figure=f, region=region))
        _set_gaps(vote)
        votes.append(vote)
    return where, votes


def _set_gaps(vote: Vote) -> None:
    recorded = {(f.region, f.figure.metric): f for f in vote.recorded_official
                if not f.figure.population_group and f.figure.comparator == "eq"}
    for row in vote.figures:
        metric = COMPARABLE.get(row.figure.metric)
        if metric is None:
            continue
        scope = vote.by_region.get(row.region) if row.region else vote.official
        if scope is not None and scope.get(metric) is not None:
            row.reference, row.reference_kind = round(scope[metric], 2), "protocols"
        elif not row.figure.official and (row.region, row.figure.metric) in recorded:
            row.reference = float(recorded[(row.region, row.figure.metric)].figure.value)
            row.reference_kind = "recorded"
        row.gap = _gap(row.figure.value, row.reference)


def as_rows(votes: list[Vote], read=None) -> list[dict]:
    """The series flattened for CSV and the API: one row per vote (the computed figures), then one
    per recorded figure of it. Official numbers and published estimates only; a source's title is
    free text, so it is given as ``read`` reads it (``people.freetext.Reader``: a protected person's
    name as the pseudonym for a reader without clearance; without ``read``, as written)."""
    read = read or (lambda text: text)
    rows = []
    for vote in votes:
        e, o = vote.election, vote.official or {}
        base = {"date": e.date.isoformat(), "election": e.display_name, "election_id": e.public_id}
        rows.append({**base, "row": "protocols", "file": vote.result_set.source_name if vote.result_set else "",
                     "precincts": o.get("precincts"), "registered": o.get("registered"),
                     "ballots_issued": o.get("ballots_issued"), "turnout": _round(o.get("turnout")),
                     "leader": o.get("leader", ""), "leader_kind": o.get("leader_kind", ""),
                     "leader_share": _round(o.get("leader_share"))})
        for f in vote.figures:
            fig = f.figure
            rows.append({**base, "row": "official" if fig.official else "estimate",
                         "territory": fig.territory_text or (fig.territory.name if fig.territory_id else ""),
                         "population_group": fig.population_group, "metric": fig.metric,
                         "comparator": fig.get_comparator_display(), "value": float(fig.value),
                         "claimed_by": fig.claimed_by, "source": read(fig.source.title) if fig.source_id else "",
                         "source_url": fig.source.url if fig.source_id else "",
                         "compared_with": f.reference, "compared_with_kind": f.reference_kind, "gap_pp": f.gap})
    return rows


CSV_COLUMNS = ["date", "election", "election_id", "row", "file", "precincts", "registered", "ballots_issued",
               "turnout", "leader", "leader_kind", "leader_share", "territory", "population_group", "metric",
               "comparator", "value", "claimed_by", "source", "source_url", "compared_with", "compared_with_kind",
               "gap_pp"]


def _round(value):
    return None if value is None else round(value, 2)
