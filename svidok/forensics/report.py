"""One analysis report: every method on one scope of a result set, as stable JSON.

The JSON shape is a contract (documented in docs/forensics.md, checked by tests): `version`
changes whenever a key is renamed or its meaning changes. The CLI prints it, the UI renders it,
saved :class:`~svidok.forensics.models.Analysis` records keep it, and later PDF dossiers embed it
through the ``forensics/_analysis_block.html`` template.
"""

from __future__ import annotations

from svidok.forensics import history, stats
from svidok.forensics.arrays import Precincts
from svidok.forensics.data import electronic_rows, load_precincts
from svidok.forensics.models import Precinct, ResultSet

VERSION = "1"
DEFAULT_REPLICATES = 1000


def scope_flags(result_set: ResultSet, region: str = "", tik: str = "", regions: tuple[str, ...] = ()) -> dict[str, int]:
    """Validation flags of the precincts in scope (counted per flag)."""
    qs = Precinct.objects.filter(result_set=result_set).exclude(flags="")
    if region:
        qs = qs.filter(region=region)
    if regions:
        qs = qs.filter(region__in=regions)
    if tik:
        qs = qs.filter(tik=tik)
    totals: dict[str, int] = {}
    for flags in qs.values_list("flags", flat=True).iterator():
        for flag in flags.split(","):
            totals[flag] = totals.get(flag, 0) + 1
    return dict(sorted(totals.items()))


def analyze_precincts(p: Precincts, *, replicates: int = DEFAULT_REPLICATES, seed: int = 0, bin_width: float = 1.0,
                      klimek: bool = False, compare: Precincts | None = None, progress=None) -> dict:
    """Every analysis of ``p``; ``compare`` (the same territory in another vote; change = this one minus that one) adds the
    same-precinct comparison, ``klimek`` the (slower) Klimek et al. model fit."""
    if len(p) == 0:
        raise ValueError("No analysable precincts in this scope.")
    if replicates < 1 or replicates > 100_000:
        raise ValueError(f"replicates must be between 1 and 100,000 (got {replicates}).")
    result = {
        "version": VERSION,
        "params": {"replicates": replicates, "seed": seed, "bin_width": bin_width, "klimek": klimek,
                   "compared": compare is not None},
        "summary": stats.summary(p),
        "integer_test": stats.integer_test(p, replicates=replicates, seed=seed, progress=progress),
        "shpilkin": stats.shpilkin(p, bin_width=bin_width),
    }
    if compare is not None:
        comparison = stats.same_precinct(compare, p)
        comparison.pop("changes", None)
        result["same_precinct"] = comparison
    if klimek:
        from svidok.forensics import klimek as klimek_model

        result["klimek"] = klimek_model.fit(p, seed=seed)
    return result


def analyze(result_set: ResultSet, *, region: str = "", tik: str = "", replicates: int = DEFAULT_REPLICATES,
            seed: int = 0, bin_width: float = 1.0, klimek: bool = False, compare: ResultSet | None = None,
            without_electronic_voting: bool = False, progress=None, regions: tuple[str, ...] = ()) -> dict:
    """:func:`analyze_precincts` on a stored result set, with where the numbers come from.

    ``without_electronic_voting`` leaves the rows of remote electronic voting out (of the earlier
    election's too); by default every row is counted. ``electronic_voting`` in the output says how
    many such rows the scope has, their registered voters, and whether they were left out.
    ``regions`` narrows to several regions at once (a territory: Crimea and Sevastopol); it is then
    listed in ``params.regions``."""
    regions = tuple(regions)
    everything = load_precincts(result_set, region=region, tik=tik, regions=regions)
    electronic = electronic_rows(everything)
    p = everything.subset(~electronic) if without_electronic_voting and electronic.any() else everything
    # The other vote's names may be written otherwise ("Кемеровская область - Кузбасс"): its scope is
    # found by the matching rule's comparison of names (svidok.forensics.history).
    baseline = (history.counterpart(compare, region=region, tik=tik, without_electronic_voting=without_electronic_voting,
                                    regions=regions)
                if compare is not None else None)
    result = analyze_precincts(p, replicates=replicates, seed=seed, bin_width=bin_width, klimek=klimek,
                               compare=baseline, progress=progress)
    election = result_set.election
    result["params"].update({"region": region, "tik": tik, "without_electronic_voting": without_electronic_voting})
    if regions:
        result["params"]["regions"] = list(regions)
    result["electronic_voting"] = {"rows": int(electronic.sum()),
                                   "registered": int(everything.registered[electronic].sum()),
                                   "left_out": bool(without_electronic_voting and electronic.any())}
    result["source"] = {
        "election": election.name,
        "election_id": election.public_id,
        "date": election.date.isoformat(),
        "result_set": result_set.public_id,
        "file": result_set.source_name,
        "sha256": result_set.sha256,
        "precincts_in_file": result_set.precinct_count,
        "compared_with": compare.public_id if compare is not None else None,
    }
    result["validation"] = scope_flags(result_set, region, tik, regions)
    return dict(sorted(result.items(), key=lambda kv: _ORDER.index(kv[0]) if kv[0] in _ORDER else 99))


_ORDER = ["version", "source", "params", "summary", "electronic_voting", "validation", "integer_test", "shpilkin", "same_precinct", "klimek"]
