"""Statistics on precinct results: summary, integer-percentage test, Shpilkin's estimate, same-precinct change.

The analyses (:func:`summary`, :func:`integer_test`, :func:`shpilkin`, :func:`same_precinct`,
:func:`histogram`, :func:`histogram2d`) take :class:`~svidok.forensics.arrays.Precincts` and return
plain JSON-ready values (Python ``int``/``float``/``str``/``list``/``dict``, never NumPy types), so
the CLI, the pages and the report block can print or store them as they are. The helpers they are
built from (``*_percent``, :func:`integer_probability`, :func:`match_precincts`,
:func:`turnout_changes`) return NumPy arrays, for the plots and the tests.

Definitions used throughout (as in the published work):

* turnout = ballots issued (early + at the station + outside) / registered voters;
* leader share = the leader's votes / ballots cast (valid + invalid), as the CEC publishes it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from svidok.forensics.arrays import Precincts

# Integer-percentage test (Kobak, Shpilkin & Pshenichnikov 2016): a percentage 100*k/n counts as
# integer when it is within 0.05 percentage points of a whole number.
TOLERANCE_PP = 0.05
_TOL = Fraction(1, 20)  # the same 0.05, as a fraction, for exact integer comparisons
KINDS = ("either", "result", "turnout")
WEIGHTS = ("registered", "ballots", "leader_votes")
SHPILKIN_WIDTHS = (0.5, 1.0, 2.0)
PERCENTILES = (5, 25, 50, 75, 95)
# Replicates simulated per batch: bounds memory (2 x 64 x n doubles) without changing the stream.
_BATCH = 64


def _ratio(num, den, scale: float = 100.0) -> float | None:
    num, den = int(num), int(den)
    return scale * num / den if den else None


def _round(x, digits: int):
    return None if x is None else round(float(x), digits)


# -- summary ---------------------------------------------------------------------------------


def summary(p: Precincts) -> dict:
    """Official totals of a set of precincts, as the CEC computes them (turnout = issued / registered,
    shares of ballots cast = valid + invalid). Full precision; round when displaying.

    Keys: ``precincts``, ``excluded`` (left out for missing numbers), ``registered``,
    ``ballots_issued``, ``ballots_cast``, ``valid``, ``invalid``, ``turnout`` (%), ``leader``,
    ``leader_votes``, ``leader_share`` (% of cast), ``invalid_share`` (% of cast),
    ``home_voting_share`` (ballots issued outside the station, % of issued), ``early_share``
    (% of issued), ``candidates`` (list of ``{name, votes, share}``, share in % of cast).
    A percentage whose denominator is zero is ``None``.
    """
    registered = int(p.registered.sum())
    issued = int(p.issued.sum())
    cast = int(p.cast.sum())
    leader_votes = int(p.leader_votes.sum())
    votes = p.votes.sum(axis=0)
    return {
        "precincts": len(p),
        "excluded": int(p.excluded),
        "registered": registered,
        "ballots_issued": issued,
        "ballots_cast": cast,
        "valid": int(p.valid.sum()),
        "invalid": int(p.invalid.sum()),
        "turnout": _ratio(issued, registered),
        "leader": p.leader_name,
        "leader_votes": leader_votes,
        "leader_share": _ratio(leader_votes, cast),
        "invalid_share": _ratio(p.invalid.sum(), cast),
        "home_voting_share": _ratio(p.issued_outside.sum(), issued),
        "early_share": _ratio(p.issued_early.sum(), issued),
        "candidates": [
            {"name": name, "votes": int(v), "share": _ratio(v, cast)} for name, v in zip(p.candidates, votes, strict=True)
        ],
    }


# -- per-precinct percentages and histograms (also used by the plots) -------------------------


def turnout_percent(p: Precincts) -> np.ndarray:
    """Turnout of each precinct in percent (NaN where nobody is registered)."""
    reg = p.registered
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(reg > 0, 100.0 * p.issued / np.maximum(reg, 1), np.nan)


def leader_share_percent(p: Precincts) -> np.ndarray:
    """The leader's share of ballots cast in each precinct, in percent (NaN where none were cast)."""
    cast = p.cast
    return np.where(cast > 0, 100.0 * p.leader_votes / np.maximum(cast, 1), np.nan)


def histogram(values, *, bins: int = 100, range: tuple[float, float] = (0.0, 100.0), weights=None) -> dict:
    """Counts of ``values`` (NaN ignored) in ``bins`` equal bins over ``range``, optionally weighted
    (e.g. by voters, as Kobak et al. plot turnout). Returns ``{"edges": [...], "counts": [...]}``
    (``len(edges) == bins + 1``; the last bin includes its upper edge)."""
    values = np.asarray(values, dtype=float)
    keep = ~np.isnan(values)
    w = None if weights is None else np.asarray(weights, dtype=float)[keep]
    counts, edges = np.histogram(values[keep], bins=bins, range=range, weights=w)
    as_number = int if weights is None or np.all(np.mod(counts, 1) == 0) else float
    return {"edges": [float(e) for e in edges], "counts": [as_number(c) for c in counts]}


def histogram2d(x, y, *, bins: int = 100, range=((0.0, 100.0), (0.0, 100.0)), weights=None) -> dict:
    """2D counts (``counts[i][j]``: x in bin i, y in bin j), NaN pairs ignored; for the turnout x
    leader-share "fingerprint" of Klimek et al. (PNAS 2012). Returns ``{"x_edges", "y_edges", "counts"}``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    w = None if weights is None else np.asarray(weights, dtype=float)[keep]
    counts, xe, ye = np.histogram2d(x[keep], y[keep], bins=bins, range=range, weights=w)
    as_number = int if weights is None or np.all(np.mod(counts, 1) == 0) else float
    return {
        "x_edges": [float(e) for e in xe],
        "y_edges": [float(e) for e in ye],
        "counts": [[as_number(c) for c in row] for row in counts],
    }


# -- integer-percentage test -----------------------------------------------------------------


def is_integer_percent(k, n) -> np.ndarray:
    """Whether ``100*k/n`` is within 0.05 of a whole number, decided in integer arithmetic
    (``20 * |100k - j n| <= n`` for the nearest ``j``), so values exactly 0.05 away count, as they
    should, whatever floating point would make of them. ``n`` must be positive."""
    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    r = (100 * k) % n
    distance = np.minimum(r, n - r)  # |100k - j n| for the nearest j
    return distance * _TOL.denominator <= _TOL.numerator * n


def integer_test_sample(p: Precincts) -> np.ndarray:
    """Mask of the precincts the integer test uses (Kobak et al. 2016): ballots cast > 0, at least
    100 registered voters, turnout <= 99% and leader share <= 99% (so the binomial null is not
    degenerate), compared in integers."""
    reg, issued, cast, leader = p.registered, p.issued, p.cast, p.leader_votes
    return (cast > 0) & (reg >= 100) & (100 * issued <= 99 * reg) & (100 * leader <= 99 * cast)


def integer_probability(n, q) -> np.ndarray:
    """P(100*K/n is an integer percentage) for K ~ Binomial(n, q), per element.

    The sum of the binomial pmf (``scipy.stats.binom.pmf``) over the k that pass
    :func:`is_integer_percent`: for each whole percentage j, the window
    ``ceil((20jn - n)/2000) <= k <= floor((20jn + n)/2000)`` (bounds in integers, so k exactly
    0.05 away are in). Only k within ``mean +/- (10 sd + 10)`` are summed; the binomial mass
    outside that range is below 1e-20 on the shipped data and 1e-14 for any n and q (checked,
    with the whole sum, against full enumeration in the tests). ``n >= 1``, ``0 <= q <= 1``.
    """
    n = np.asarray(n, dtype=np.int64)
    q = np.asarray(q, dtype=float)
    n, q = np.broadcast_arrays(n, q)
    n = n.ravel()
    q = q.ravel()
    if n.size == 0:
        return np.zeros(0)
    if np.any(n < 1):
        raise ValueError("integer_probability needs n >= 1 for every element")
    owner, k = _integer_points(n, q)
    from scipy.stats import binom  # here, not at the top: scipy.stats takes 0.6 s to import, paid by every process

    mass = binom.pmf(k, n[owner], q[owner])
    return np.minimum(np.bincount(owner, weights=mass, minlength=n.size), 1.0)


def _ragged(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of the given lengths laid end to end: each slot's segment and its offset in it."""
    starts = np.cumsum(lengths) - lengths
    owner = np.repeat(np.arange(lengths.size), lengths)
    return owner, np.arange(owner.size) - starts[owner]


def _integer_points(n: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (element, k) with k near n*q and 100k/n an integer percentage (see :func:`integer_probability`)."""
    mean = n * q
    reach = 10.0 * np.sqrt(mean * (1.0 - q)) + 10.0
    k_lo = np.clip(np.floor(mean - reach), 0, n).astype(np.int64)
    k_hi = np.clip(np.ceil(mean + reach), 0, n).astype(np.int64)
    # Any k in [k_lo, k_hi] that is within 0.05 of j has j between these two.
    j_lo = (100 * k_lo) // n
    j_hi = -((-100 * k_hi) // n)
    owner, offset = _ragged(j_hi - j_lo + 1)
    j = j_lo[owner] + offset
    nn = n[owner]
    num, den = _TOL.numerator, _TOL.denominator
    scale = 100 * den  # |100k - jn| * den <= num * n, solved for k
    lo = np.maximum(-((num * nn - den * j * nn) // scale), 0)
    hi = np.minimum((den * j * nn + num * nn) // scale, nn)
    nonempty = hi >= lo
    owner, lo, hi = owner[nonempty], lo[nonempty], hi[nonempty]
    window, offset = _ragged(hi - lo + 1)
    return owner[window], lo[window] + offset


def _test_block(observed: float, sims: np.ndarray, exp_analytic: float, var_analytic: float) -> dict:
    expected = float(sims.mean())
    sd = float(sims.std(ddof=1)) if sims.size > 1 else float("nan")
    excess = observed - expected
    a_sd = math.sqrt(var_analytic)
    return {
        "observed": observed,
        "expected": expected,
        "sd": sd,
        "excess": excess,
        "z": excess / sd if sd > 0 else None,
        "p": (1 + int(np.count_nonzero(sims >= observed))) / (sims.size + 1),
        "analytic_expected": exp_analytic,
        "analytic_sd": a_sd,
        "analytic_z": (observed - exp_analytic) / a_sd if a_sd > 0 else None,
    }


def _pack(blocks: dict[str, dict], keys=("observed", "expected", "sd", "excess", "z", "p"),
          integer_observed: bool = True) -> dict:
    """{kind: {key: v}} -> {key: {kind: v}}, rounded for output."""
    digits = {"expected": 2, "sd": 2, "excess": 2, "z": 3, "p": 6}
    out = {}
    for key in keys:
        out[key] = {}
        for kind in KINDS:
            v = blocks[kind][key]
            if key == "observed":
                out[key][kind] = int(round(v)) if integer_observed else float(v)
            else:
                out[key][kind] = None if v is None or not math.isfinite(v) else round(float(v), digits[key])
    out["analytic"] = {
        "expected": {k: round(blocks[k]["analytic_expected"], 2) for k in KINDS},
        "sd": {k: round(blocks[k]["analytic_sd"], 2) for k in KINDS},
        "z": {k: _round(blocks[k]["analytic_z"], 3) for k in KINDS},
    }
    return out


def integer_test(p: Precincts, *, replicates: int = 1000, seed: int = 0,
                 progress: Callable[[int, int], None] | None = None) -> dict:
    """Integer-percentage test of Kobak, Shpilkin & Pshenichnikov, "Integer percentages as electoral
    falsification fingerprints", Ann. Appl. Stat. 10(1), 2016 (arXiv:1410.6059).

    Counts the included precincts (:func:`integer_test_sample`) whose turnout, leader share, or
    either, is an integer percentage (:func:`is_integer_percent`), and compares them with a
    binomial null: each precinct's turnout count ~ Binomial(registered, its turnout) and leader
    count ~ Binomial(cast, its leader share), independent, simulated ``replicates`` times from
    ``numpy.random.default_rng(seed)``.

    The simulation is exact, not an approximation: under the null, whether a precinct's simulated
    percentage is integer is a Bernoulli variable with probability P_i = the binomial mass of the
    integer-percentage windows (:func:`integer_probability`), independent between precincts and
    between turnout and result. So drawing a uniform U and counting U < P_i gives the same joint
    distribution of the counts (plain and weighted) as drawing the binomial counts and testing them,
    for a fraction of the work. The analytic mean and SD (sums of P_i and P_i(1-P_i)) come free.

    Returns ``precincts``, ``replicates``, ``seed``, ``tolerance_pp``; ``observed``, ``expected``,
    ``sd`` (of the simulated counts), ``excess`` (observed - expected), ``z`` (excess / sd) and ``p``
    ((1 + replicates with a count >= observed) / (replicates + 1)), each ``{either, result,
    turnout}``; ``analytic`` (exact ``expected``, ``sd``, ``z``); and ``weighted``: the same for the
    counts weighted by each precinct's ``registered`` voters, ``ballots`` cast and ``leader_votes``.
    """
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    mask = integer_test_sample(p)
    reg = p.registered[mask]
    issued = p.issued[mask]
    cast = p.cast[mask]
    leader = p.leader_votes[mask]
    n = int(mask.sum())

    obs_t = is_integer_percent(issued, reg) if n else np.zeros(0, bool)
    obs_r = is_integer_percent(leader, cast) if n else np.zeros(0, bool)
    prob_t = integer_probability(reg, issued / np.maximum(reg, 1))
    prob_r = integer_probability(cast, leader / np.maximum(cast, 1))
    prob_e = 1.0 - (1.0 - prob_t) * (1.0 - prob_r)

    # Columns: plain count, then the three weights.
    weights = np.column_stack([np.ones(n), reg, cast, leader]).astype(float)
    observed = {
        "turnout": obs_t.astype(float) @ weights,
        "result": obs_r.astype(float) @ weights,
        "either": (obs_t | obs_r).astype(float) @ weights,
    }
    analytic = {
        kind: (prob @ weights, (prob * (1.0 - prob)) @ (weights**2))
        for kind, prob in (("turnout", prob_t), ("result", prob_r), ("either", prob_e))
    }

    rng = np.random.default_rng(seed)
    sims = {kind: np.empty((replicates, weights.shape[1])) for kind in KINDS}
    u_t = np.empty((_BATCH, n))
    u_r = np.empty((_BATCH, n))
    done = 0
    while done < replicates:
        b = min(_BATCH, replicates - done)
        rng.random(out=u_t[:b])
        rng.random(out=u_r[:b])
        hit_t = u_t[:b] < prob_t
        hit_r = u_r[:b] < prob_r
        sims["turnout"][done:done + b] = hit_t.astype(float) @ weights
        sims["result"][done:done + b] = hit_r.astype(float) @ weights
        sims["either"][done:done + b] = (hit_t | hit_r).astype(float) @ weights
        done += b
        if progress is not None:
            progress(done, replicates)

    def blocks(column: int) -> dict:
        return {
            kind: _test_block(float(observed[kind][column]), sims[kind][:, column],
                              float(analytic[kind][0][column]), float(analytic[kind][1][column]))
            for kind in KINDS
        }

    result = {"precincts": n, "replicates": int(replicates), "seed": int(seed), "tolerance_pp": TOLERANCE_PP}
    result.update(_pack(blocks(0)))
    result["weighted"] = {name: _pack(blocks(i + 1)) for i, name in enumerate(WEIGHTS)}
    return result


# -- Shpilkin's estimate -----------------------------------------------------------------------


def _turnout_bins(issued: np.ndarray, registered: np.ndarray, bin_width: float) -> tuple[np.ndarray, Fraction]:
    """Bin index of each precinct's turnout, floor(100 * issued / registered / width), in integers."""
    width = Fraction(bin_width).limit_denominator(1000)
    if width <= 0:
        raise ValueError("bin_width must be positive")
    return (100 * issued * width.denominator) // (registered * width.numerator), width


def _shpilkin(issued, registered, leader, other, bin_width: float) -> dict:
    index, width = _turnout_bins(issued, registered, bin_width)
    size = int(index.max()) + 1 if index.size else 1
    leader_by_bin = np.bincount(index, weights=leader, minlength=size)
    other_by_bin = np.bincount(index, weights=other, minlength=size)
    peak = int(np.argmax(other_by_bin))
    ratio = leader_by_bin[peak] / other_by_bin[peak] if other_by_bin[peak] > 0 else 0.0
    at_or_above = np.arange(size) >= peak
    expected = np.where(at_or_above, ratio * other_by_bin, leader_by_bin)
    anomalous = float(np.sum((leader_by_bin - expected)[at_or_above]))
    step = float(width)
    return {
        "anomalous_votes": anomalous,
        "peak_turnout": peak * step,
        "ratio": float(ratio),
        "bin_width": step,
        "bins": [
            {"turnout_from": i * step, "leader": int(leader_by_bin[i]), "other": int(other_by_bin[i]),
             "expected_leader": float(expected[i])}
            for i in range(size)
        ],
    }


def shpilkin(p: Precincts, *, bin_width: float = 1.0) -> dict:
    """Shpilkin's estimate of anomalous votes for the leader, as described in Kobak, Shpilkin &
    Pshenichnikov, "Putin's peaks", Significance, June 2018 (arXiv:1804.09495).

    Precincts (with registered voters) are binned by turnout (``bin_width`` percentage points);
    "other" votes are ballots cast minus the leader's. The clean peak is the bin with the most
    other votes; its leader/other ratio is assumed to hold at every higher turnout, so the anomalous
    votes are the sum, over the peak bin and above, of leader - ratio * other (signed: negative when
    the leader does worse at high turnout than at the peak). Assumes that turnout and leader
    preference are unrelated in clean precincts; it cannot see padding that does not raise turnout.

    Returns ``anomalous_votes``, ``peak_turnout`` (lower edge of the peak bin, %), ``ratio``,
    ``bin_width``, ``sensitivity`` (``{bin_width, anomalous_votes, peak_turnout}`` for 0.5, 1 and
    2 points and the requested width) and ``bins`` (``{turnout_from, leader, other,
    expected_leader}``; expected_leader is ratio * other from the peak up, the actual votes below).
    """
    keep = p.registered > 0
    issued = p.issued[keep]
    registered = p.registered[keep]
    leader = p.leader_votes[keep]
    other = p.cast[keep] - leader
    main = _shpilkin(issued, registered, leader, other, bin_width)
    sensitivity = []
    for width in sorted({*SHPILKIN_WIDTHS, float(bin_width)}):
        r = main if width == float(bin_width) else _shpilkin(issued, registered, leader, other, width)
        sensitivity.append({"bin_width": r["bin_width"], "anomalous_votes": round(r["anomalous_votes"], 1),
                            "peak_turnout": r["peak_turnout"]})
    return {
        "anomalous_votes": round(main["anomalous_votes"], 1),
        "peak_turnout": main["peak_turnout"],
        "ratio": round(main["ratio"], 6),
        "bin_width": main["bin_width"],
        "sensitivity": sensitivity,
        "bins": [dict(b, expected_leader=round(b["expected_leader"], 1)) for b in main["bins"]],
    }


# -- same-precinct comparison ------------------------------------------------------------------


def match_precincts(a: Precincts, b: Precincts) -> tuple[np.ndarray, np.ndarray, dict]:
    """Pair the precincts of two elections by the rule of :mod:`svidok.forensics.history`:
    (region, precinct number), the region compared after its normalisation.

    A precinct whose label has no number, or whose (region, number) occurs more than once in its
    own election, cannot be paired reliably: it is skipped and counted (``unnumbered_*``,
    ``duplicate_*``), never guessed. Pairs whose territorial commission is written differently are
    kept and counted (``commission_differs``). Returns the index arrays of the pairs in ``a`` and
    ``b`` (in ``a``'s order) and those counts.
    """
    from svidok.forensics import history  # the rule lives there, beside the precinct history

    found = history.match((a.region.tolist(), a.tik.tolist(), a.uik_number.tolist()),
                          (b.region.tolist(), b.tik.tolist(), b.uik_number.tolist()))
    return np.array(found.first, dtype=np.int64), np.array(found.second, dtype=np.int64), found.counts


def turnout_changes(a: Precincts, b: Precincts) -> tuple[np.ndarray, dict]:
    """Turnout change (percentage points, ``b`` minus ``a``) of each precinct present in both
    elections (see :func:`match_precincts`); pairs with nobody registered in either are dropped and
    counted as ``no_voters``. Returns the changes and the matching counts."""
    ia, ib, info = match_precincts(a, b)
    reg_a, reg_b = a.registered[ia], b.registered[ib]
    ok = (reg_a > 0) & (reg_b > 0)
    change = 100.0 * b.issued[ib][ok] / reg_b[ok] - 100.0 * a.issued[ia][ok] / reg_a[ok]
    info["no_voters"] = int((~ok).sum())
    info["matched"] -= info["no_voters"]
    return change, info


def same_precinct(a: Precincts, b: Precincts) -> dict:
    """Same-precinct comparison of turnout between two elections: a descriptive method (no model and
    no single published source): precincts matched by (region, number), the distribution of the
    change shows whether a territory's turnout moved as a whole or in part of its precincts.

    Returns ``matched``, ``unmatched_first``, ``unmatched_second``, ``unnumbered_first/second``,
    ``duplicate_first/second``, ``commission_differs`` (pairs kept whose commission is written
    differently), ``no_voters`` (see :func:`turnout_changes`), ``median_change`` and
    ``mean_change`` (percentage points, second minus first), ``percentiles`` (``{"5": .., "25": ..,
    "50": .., "75": .., "95": ..}``), ``share_increased`` (% of matched precincts whose turnout rose)
    and ``changes`` (each matched precinct's change, for plots). Statistics are ``None`` when
    nothing matched.
    """
    change, info = turnout_changes(a, b)
    if change.size:
        pct = np.percentile(change, PERCENTILES)
        stats = {
            "median_change": round(float(np.median(change)), 3),
            "mean_change": round(float(change.mean()), 3),
            "percentiles": {str(q): round(float(v), 3) for q, v in zip(PERCENTILES, pct, strict=True)},
            "share_increased": round(100.0 * float((change > 0).mean()), 3),
        }
    else:
        stats = {"median_change": None, "mean_change": None,
                 "percentiles": {str(q): None for q in PERCENTILES}, "share_increased": None}
    return {**info, **stats, "changes": [round(float(c), 4) for c in change]}
