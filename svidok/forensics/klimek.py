"""The fraud model of Klimek, Yegorov, Hanel and Thurner: simulate it and fit it by grid search.

Source: P. Klimek, Y. Yegorov, R. Hanel, S. Thurner, "Statistical detection of systematic election
irregularities", PNAS 109(41):16469-16473 (2012), doi:10.1073/pnas.1210722109, with the details
of the simulation as implemented in W. Mebane and K. Kalinin's Election Forensics Toolkit
(``ComputeKlimekModel``, converted from Klimek's MATLAB ``ElectionFitter.m``). The code here is
our own.

The model. Every unit (precinct) ``i`` keeps its real number of registered voters ``N_i``. In a
fair election its turnout ``a_i`` is drawn from a normal distribution (mean ``tau``, standard
deviation ``sigma_tau``) and the leader's share ``v_i`` from another (``nu``, ``sigma_nu``), both
truncated to (0, 1). Then, independently of ``a_i`` and ``v_i``:

- with probability ``f_i`` the unit has *incremental* fraud of intensity ``x_i = |Normal(0, theta)|``
  truncated to (0, 1);
- with probability ``f_e`` it has *extreme* fraud, ``x_i = 1 - |Normal(0, 0.075)|``;
- a fraction ``x_i`` of the non-voters ``N_i (1 - a_i)`` is added to the leader (ballot stuffing),
  and a fraction ``y_i = x_i ** alpha`` of the opposition's votes ``N_i a_i (1 - v_i)`` is moved to
  the leader (votes "stolen" from the others).

Counts are whole numbers (rounded at each step) so that small precincts produce the same lattice
of shares as real protocols. Truncated normals are drawn by inverting the CDF of a uniform number
rather than by redrawing: the distribution is the same, and a fixed set of uniform numbers then
maps smoothly onto every parameter value, which is what makes the grid search below behave.

The fit compares 2D histograms of (turnout, leader share), one unit per count, between the
observed precincts and the model; see :func:`fit`. Known criticisms (W. Mebane, "Positive
empirical models of election frauds"; D. Ferrari, K. McAlister, W. Mebane, "Developments in
positive empirical models of election frauds", 2018): the fair distributions are assumed normal
and independent of each other; fraud is assumed to help only the leader; the clean core is read
from the data's peak, which heavy incremental fraud itself shifts; the fit is a distance
minimisation, not a likelihood, so it carries no standard errors; and f_i trades off against the
fair peak's position (see :func:`fit`), so it is the least well determined parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.optimize import minimize
from scipy.special import ndtr, ndtri

from svidok.forensics.arrays import PROTOCOL_FIELDS, Precincts

EXTREME_SD = 0.075  # spread of 1 - x for extreme fraud, fixed in the published model
HIST_BINS = 50      # 2 percentage-point bins on each axis for the fit's 2D histogram

DEFAULT_F_I_GRID = tuple(round(0.05 * k, 2) for k in range(21))    # 0, 0.05, ..., 1
DEFAULT_F_E_GRID = tuple(round(0.01 * k, 2) for k in range(11))    # 0, 0.01, ..., 0.1
DEFAULT_ALPHA_GRID = tuple(round(0.5 * k, 1) for k in range(1, 13))  # 0.5, 1, ..., 6


@dataclass(frozen=True)
class Params:
    """Parameters of the model; fractions are in [0, 1], not percent."""

    f_i: float        # share of units with incremental fraud
    f_e: float        # share of units with extreme fraud
    alpha: float      # y = x ** alpha: how much of the opposition's vote goes with ballot stuffing x
    tau: float        # mean fair turnout
    sigma_tau: float  # its standard deviation
    nu: float         # mean fair leader share
    sigma_nu: float   # its standard deviation
    theta: float      # standard deviation of the (half-normal) incremental fraud intensity

    def __post_init__(self):
        for name in ("f_i", "f_e", "alpha", "tau", "sigma_tau", "nu", "sigma_nu", "theta"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        for name in ("f_i", "f_e"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} is a fraction of units and must be between 0 and 1, "
                                 f"got {getattr(self, name)}")
        if self.f_i + self.f_e > 1 + 1e-9:
            raise ValueError(f"f_i + f_e must not exceed 1 (a unit has one kind of fraud at most), "
                             f"got {self.f_i} + {self.f_e}")
        for name in ("tau", "nu"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"{name} is a mean fraction and must be strictly between 0 and 1, "
                                 f"got {getattr(self, name)}")
        for name in ("alpha", "sigma_tau", "sigma_nu", "theta"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    def as_dict(self) -> dict:
        return {k: float(v) for k, v in asdict(self).items()}


# --- simulation ---------------------------------------------------------------------------------

def _truncated_normal(u: np.ndarray, mean: float, sd: float, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Normal(mean, sd) restricted to (low, high), by inverse CDF of the uniform numbers ``u``."""
    lo, hi = ndtr((low - mean) / sd), ndtr((high - mean) / sd)
    x = mean + sd * ndtri(lo + u * (hi - lo))
    return np.clip(x, low, high)


def _half_normal(u: np.ndarray, sd: float) -> np.ndarray:
    """|Normal(0, sd)| restricted to (0, 1), by inverse CDF."""
    top = 2 * ndtr(1 / sd) - 1
    return np.clip(sd * ndtri(0.5 + 0.5 * u * top), 0.0, 1.0)


def _uniforms(rng: np.random.Generator, n: int) -> np.ndarray:
    """The random numbers of one replicate, always drawn in this order and shape.

    Rows: fair turnout, fair share, fraud assignment, incremental intensity, extreme intensity.
    """
    return rng.random((5, n))


@dataclass
class _Fair:
    """The fair election of one replicate, as whole numbers, with its uniforms for the fraud."""

    registered: np.ndarray
    voters: np.ndarray
    leader: np.ndarray
    assign: np.ndarray
    u_incremental: np.ndarray
    u_extreme: np.ndarray


def _fair(tau, sigma_tau, nu, sigma_nu, registered: np.ndarray, u: np.ndarray) -> _Fair:
    a = _truncated_normal(u[0], tau, sigma_tau)
    v = _truncated_normal(u[1], nu, sigma_nu)
    voters = np.rint(registered * a).astype(np.int64)
    leader = np.rint(voters * v).astype(np.int64)
    return _Fair(registered, voters, leader, u[2], u[3], u[4])


def _with_fraud(fair: _Fair, x: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(ballots cast, leader's votes) per unit after fraud of intensity ``x``."""
    stuffed = np.rint(x * (fair.registered - fair.voters)).astype(np.int64)
    moved = np.rint(x ** alpha * (fair.voters - fair.leader)).astype(np.int64)
    return fair.voters + stuffed, fair.leader + stuffed + moved


def _shares(registered, cast, leader) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return cast / registered, leader / cast


def _check_registered(registered) -> np.ndarray:
    registered = np.asarray(registered)
    if registered.ndim != 1 or registered.size == 0:
        raise ValueError("no precincts to simulate: registered must be a non-empty list of voter counts")
    if not np.issubdtype(registered.dtype, np.integer):
        if not np.all(np.isfinite(registered)) or np.any(registered != np.rint(registered)):
            raise ValueError("registered voters must be whole numbers")
        registered = registered.astype(np.int64)
    bad = np.flatnonzero(registered <= 0)
    if bad.size:
        raise ValueError(f"registered voters must be positive; precinct at position {bad[0]} has "
                         f"{registered[bad[0]]} ({bad.size} such)")
    return registered.astype(np.int64, copy=False)


def _simulate_counts(params: Params, registered, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(params, Params):
        raise ValueError("params must be a klimek.Params")
    registered = _check_registered(registered)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    u = _uniforms(rng, registered.size)
    fair = _fair(params.tau, params.sigma_tau, params.nu, params.sigma_nu, registered, u)
    x = np.zeros(registered.size)
    incremental = fair.assign < params.f_i
    extreme = ~incremental & (fair.assign < params.f_i + params.f_e)
    x[incremental] = _half_normal(fair.u_incremental[incremental], params.theta)
    x[extreme] = 1 - _half_normal(fair.u_extreme[extreme], EXTREME_SD)
    return (registered, *_with_fraud(fair, x, params.alpha))


def simulate(params: Params, registered, rng: np.random.Generator | int | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """One election drawn from the model: (turnout, leader share) per unit, as fractions.

    ``registered`` gives the units and their sizes (use the real precincts' ``p.registered``);
    ``rng`` is a NumPy Generator or a seed. A unit where nobody voted has share NaN.
    """
    return _shares(*_simulate_counts(params, registered, rng))


def simulate_precincts(params: Params, registered, rng: np.random.Generator | int | None = None,
                       *, region: str = "Simulated") -> Precincts:
    """The same draw as :func:`simulate`, as :class:`Precincts` with two candidates (leader first).

    Every ballot is issued at the station and valid, so official turnout and leader share are the
    simulated ones: what the analyses and plots would show for an election of these parameters.
    """
    registered, cast, leader = _simulate_counts(params, registered, rng)
    n = registered.size
    counts = {name: np.zeros(n, dtype=np.int64) for name in PROTOCOL_FIELDS}
    counts.update(registered=registered.copy(), issued_station=cast, valid=cast, stationary_box=cast,
                  ballots_received=registered.copy(), cancelled=registered - cast)
    labels = np.array([str(k + 1) for k in range(n)], dtype=object)
    return Precincts(region=np.full(n, region, dtype=object), tik=np.full(n, "", dtype=object), uik=labels,
                     uik_number=np.arange(1, n + 1, dtype=np.int64), counts=counts,
                     votes=np.stack([leader, cast - leader], axis=1), candidates=("Leader", "Others"),
                     leader=0)


# --- observed data ------------------------------------------------------------------------------

def observed(p: Precincts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(turnout, leader share, mask) of the precincts the model can describe.

    Official turnout is ballots issued / registered, the leader's share is his votes / ballots
    cast; precincts with nobody registered or no ballot cast are left out (``mask`` is False).
    """
    if len(p) == 0:
        raise ValueError("no precincts in this selection")
    registered, cast = p.registered, p.cast
    mask = (registered > 0) & (cast > 0)
    if not mask.any():
        raise ValueError("no precinct in this selection has registered voters and ballots cast")
    turnout = p.issued[mask] / registered[mask]
    share = p.leader_votes[mask] / cast[mask]
    return turnout, share, mask


def _mode_and_left_sd(values: np.ndarray, name: str) -> tuple[float, float]:
    # The mode is searched below 95% so that a pile of extreme-fraud units at 100% cannot pass for
    # the clean peak; the histogram is smoothed over ~1 point so integer-percentage spikes do not
    # either.
    counts, edges = np.histogram(np.clip(values, 0, 1), bins=200, range=(0, 1))
    smooth = gaussian_filter1d(counts.astype(float), 2.0, mode="constant")
    top = int(np.argmax(smooth[:190]))
    mode = round(float((edges[top] + edges[top + 1]) / 2), 4)
    below = mode - values[values < mode]
    if below.size < 10:
        raise ValueError(f"too few precincts below the peak of the {name} distribution "
                         f"({below.size}) to estimate its spread")
    # The median of a half-normal's deviation is 0.6745 sd: robust to the odd precinct at 5%.
    sd = float(np.median(below) / 0.6744897501960817)
    return mode, max(sd, 1e-3)


def estimate_fair(p: Precincts) -> dict:
    """The fair part of the model (and theta) read off the data's clean core.

    ``tau`` and ``nu`` are the modes of the turnout and leader-share distributions (one count per
    precinct, 0.5-point bins smoothed with a Gaussian of 1 point, searched below 95%);
    ``sigma_tau`` and ``sigma_nu`` come from their *low* side only (median deviation below the
    mode / 0.6745, the half-normal's ratio), because fraud in this model only moves units up and
    right and leaves the low side as the fair election made it. This follows the paper's reading
    of the fair distribution from the main peak; Mebane and Kalinin's toolkit uses the root mean
    square below the peak, which the few near-empty precincts of Russian data inflate.

    ``theta`` follows the toolkit (``theta = sqrt(rms of the share above its mode)``): a rough
    starting value only, since fraud and the fair spread both widen that side; :func:`fit`
    adjusts it together with the fair part.
    """
    turnout, share, _ = observed(p)
    tau, sigma_tau = _mode_and_left_sd(turnout, "turnout")
    nu, sigma_nu = _mode_and_left_sd(share, "leader share")
    above = share[share > nu] - nu
    theta = float(math.sqrt(math.sqrt(np.mean(above ** 2)))) if above.size else 0.1
    return {"tau": tau, "sigma_tau": sigma_tau, "nu": nu, "sigma_nu": sigma_nu,
            "theta": min(max(theta, 0.01), 1.0), "precincts": int(turnout.size)}


# --- fit ----------------------------------------------------------------------------------------

def _bin_index(turnout: np.ndarray, share: np.ndarray, bins: int) -> np.ndarray:
    """Flat 2D bin per unit; units with no share (nobody voted) go to the discarded bin ``bins**2``."""
    ti = np.minimum((np.clip(turnout, 0, 1) * bins).astype(np.int64), bins - 1)
    ok = np.isfinite(share)
    si = np.minimum((np.clip(np.where(ok, share, 0), 0, 1) * bins).astype(np.int64), bins - 1)
    return np.where(ok, ti * bins + si, bins * bins)


def histogram2d(turnout: np.ndarray, share: np.ndarray, bins: int = HIST_BINS) -> np.ndarray:
    """Units per (turnout, share) bin, shape (bins, bins), axis 0 turnout; values at 1 fall in the last bin."""
    idx = _bin_index(np.asarray(turnout, float), np.asarray(share, float), bins)
    return np.bincount(idx, minlength=bins * bins + 1)[: bins * bins].reshape(bins, bins)


def _check_grid(name: str, values, low: float, high: float, low_open: bool = False) -> np.ndarray:
    try:
        grid = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of numbers") from None
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"{name} must be a non-empty list of numbers")
    if not np.all(np.isfinite(grid)) or (grid < low).any() or (grid > high).any() \
            or (low_open and (grid <= low).any()):
        bound = "above" if low_open else "from"
        raise ValueError(f"{name} values must be {bound} {low} to {high}, got {list(map(float, grid))}")
    return np.unique(grid)


def _step(grid: np.ndarray) -> float | None:
    return round(float(np.min(np.diff(grid))), 10) if grid.size > 1 else None


def _replicate_rng(seed: int, replicate: int) -> np.random.Generator:
    # Replicate 0 is the plain seed so that simulate(params, registered, seed) replays it.
    return np.random.default_rng(seed if replicate == 0 else [seed, replicate])


FAIR_KEYS = ("tau", "sigma_tau", "nu", "sigma_nu")
PARAM_KEYS = ("f_i", "f_e", "alpha", *FAIR_KEYS, "theta")
# Nelder-Mead works on parameters divided by these scales (a simplex edge of one scale unit).
_SCALES = np.array([0.1, 0.01, 0.5, 0.02, 0.01, 0.02, 0.01, 0.05])
MAX_EVALUATIONS = 2000


class _Model:
    """The model on fixed precincts and fixed random numbers (``replicates`` sets from ``seed``)."""

    def __init__(self, registered: np.ndarray, observed_hist: np.ndarray, bins: int, seed: int, replicates: int):
        self.registered, self.obs, self.bins = registered, observed_hist, bins
        self.seed, self.replicates = seed, replicates
        self.nb = bins * bins
        self.evaluations = 0
        self._cache = None
        if registered.size * replicates <= 1_000_000:
            self._cache = list(self._uniforms())

    def _uniforms(self):
        # Kept while they take under ~40 MB (40 bytes per precinct and replicate), else redrawn.
        if self._cache is not None:
            yield from self._cache
            return
        for r in range(self.replicates):
            yield _uniforms(_replicate_rng(self.seed, r), self.registered.size)

    def _index(self, cast, leader) -> np.ndarray:
        return _bin_index(*_shares(self.registered, cast, leader), self.bins)

    def distance(self, sim: np.ndarray) -> np.ndarray:
        """Symmetric chi-square distance to the observed histogram (last axis: bins)."""
        denom = self.obs + sim
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denom > 0, (self.obs - sim) ** 2 / denom, 0.0).sum(axis=-1)

    def loss(self, params: Params) -> float:
        sim = np.zeros(self.nb)
        for u in self._uniforms():
            fair = _fair(params.tau, params.sigma_tau, params.nu, params.sigma_nu, self.registered, u)
            x = np.zeros(self.registered.size)
            incremental = fair.assign < params.f_i
            extreme = ~incremental & (fair.assign < params.f_i + params.f_e)
            x[incremental] = _half_normal(fair.u_incremental[incremental], params.theta)
            x[extreme] = 1 - _half_normal(fair.u_extreme[extreme], EXTREME_SD)
            sim += np.bincount(self._index(*_with_fraud(fair, x, params.alpha)), minlength=self.nb + 1)[: self.nb]
        self.evaluations += 1
        return float(self.distance(sim / self.replicates))

    def grid(self, fair: dict, f_i_grid, f_e_grid, alpha_grid) -> np.ndarray:
        """Loss table over the grid, axes (f_i, f_e, alpha); impossible points are inf.

        ``fair`` gives tau, sigma_tau, nu, sigma_nu and theta.

        Units are defrauded when their assignment number is below f_i (incremental) or from f_i
        to f_i + f_e (extreme), so the defrauded units of a grid point are a prefix of those of
        any larger f_i. Histograms of those prefixes are computed once per (alpha,
        replicate), and every (f_i, f_e) is then a sum of three of them.
        """
        nb = self.nb
        fi_fe = np.minimum(f_i_grid[:, None] + f_e_grid[None, :], 1.0)
        cuts = np.unique(np.concatenate([f_i_grid, fi_fe.ravel()]))
        cut_of_fi = np.searchsorted(cuts, f_i_grid)
        cut_of_sum = np.searchsorted(cuts, fi_fe)
        possible = f_i_grid[:, None] + f_e_grid[None, :] <= 1 + 1e-9

        def prefix_histograms(index: np.ndarray, segment: np.ndarray) -> np.ndarray:
            # Row k: histogram of the units whose assignment number is below cuts[k].
            seg = np.bincount(segment * (nb + 1) + index, minlength=(cuts.size + 1) * (nb + 1))
            return np.cumsum(seg.reshape(cuts.size + 1, nb + 1)[:, :nb], axis=0)[: cuts.size].astype(float)

        table = np.full((f_i_grid.size, f_e_grid.size, alpha_grid.size), np.inf)
        for ia, alpha in enumerate(alpha_grid):
            # alpha outermost keeps memory at one (f_i, f_e, bin) array; the fair part is
            # recomputed per alpha, which costs less than keeping it per replicate.
            sim = np.zeros((f_i_grid.size, f_e_grid.size, nb))
            for u in self._uniforms():
                fr = _fair(fair["tau"], fair["sigma_tau"], fair["nu"], fair["sigma_nu"], self.registered, u)
                # segment: how many cuts are <= the unit's number, i.e. the first prefix it belongs to
                segment = np.searchsorted(cuts, fr.assign, side="right")
                fair_index = self._index(fr.voters, fr.leader)
                sim += np.bincount(fair_index, minlength=nb + 1)[:nb]
                sim -= prefix_histograms(fair_index, segment)[cut_of_sum]
                x = 1 - _half_normal(fr.u_extreme, EXTREME_SD)
                ext = prefix_histograms(self._index(*_with_fraud(fr, x, alpha)), segment)
                sim += ext[cut_of_sum] - ext[cut_of_fi][:, None, :]
                x = _half_normal(fr.u_incremental, fair["theta"])
                inc = prefix_histograms(self._index(*_with_fraud(fr, x, alpha)), segment)
                sim += inc[cut_of_fi][:, None, :]
            table[:, :, ia] = np.where(possible, self.distance(sim / self.replicates), np.inf)
        self.evaluations += table.size
        return table

    def polish(self, start: Params) -> tuple[Params, float]:
        """Nelder-Mead over all eight parameters, as continuous numbers, from ``start``.

        With common random numbers the loss is a deterministic function of the parameters, so a
        local optimiser applies. It is there because the parameters trade off along a ridge: a
        few more defrauded units and a fair peak a little lower fit almost equally well, and a
        search that moves one parameter at a time stalls on it.
        """
        def loss(z, x0):
            try:
                params = Params(*(x0 + z * _SCALES))
            except ValueError:
                return 1e300
            return self.loss(params)

        x0 = np.array([getattr(start, k) for k in PARAM_KEYS], dtype=float)
        simplex = np.vstack([np.zeros(x0.size), np.eye(x0.size)])
        found = minimize(loss, np.zeros(x0.size), args=(x0,), method="Nelder-Mead",
                         options={"initial_simplex": simplex, "xatol": 0.05, "fatol": 0.5,
                                  "maxfev": MAX_EVALUATIONS, "adaptive": True})
        return Params(*(x0 + found.x * _SCALES)), float(found.fun)


def fit(p: Precincts, *, f_i_grid: Sequence[float] = DEFAULT_F_I_GRID,
        f_e_grid: Sequence[float] = DEFAULT_F_E_GRID, alpha_grid: Sequence[float] = DEFAULT_ALPHA_GRID,
        fair: dict | None = None, refine: bool = True, bins: int = HIST_BINS, seed: int = 0,
        replicates: int = 1, progress: Callable[[int, int], None] | None = None) -> dict:
    """Fit ``f_i``, ``f_e`` and ``alpha`` by grid search, with the fair part fitted alongside.

    Distance: the 2D histograms of (turnout, leader share) in ``bins`` x ``bins`` cells, one
    count per precinct, of the observed precincts and of the model simulated on their registered
    counts, compared by the symmetric chi-square distance ``sum((O - S)**2 / (O + S))`` (S
    averaged over ``replicates``). The paper fits the same kind of 2D histogram; the toolkit fits
    the 1D share histogram only. Every grid point uses the same random numbers (common random
    numbers, from ``seed``), so the loss surface is smooth and differences between neighbouring
    points are not Monte Carlo noise.

    Procedure (``refine=True``): (1) fair part and theta from :func:`estimate_fair` (or
    ``fair``) and a search of the grid, which is the paper's procedure and all that
    ``refine=False`` does; (2) from the best grid point, Nelder-Mead over all eight parameters
    (``polished``); (3) the grid searched again with the fair part and theta of step 2; its best
    point is the result. Step 2 is there because incremental fraud shifts the peak the fair part
    is read from: on elections simulated on the 2018 precincts with f_i = 0.3 (f_e 0.02, alpha 2,
    three data seeds) the paper's procedure found f_i = 0.10-0.15, the refined one 0.25 with one
    replicate and 0.30 with four (f_e and alpha exact in both). On 97,699 precincts a fit takes
    5-10 s per replicate on two cores, mostly step 2.

    ``progress(done, total)`` is called after each of the steps.

    Returns a JSON-ready dict: ``params`` (the best grid point, all eight parameters, as
    :meth:`Params.as_dict`; ``Params(**result["params"])`` rebuilds it), ``loss`` (its distance),
    ``polished`` (the continuous optimum of step 2, or None) with ``polished_loss``, ``fair``
    (the starting estimates), ``grid`` and ``step`` (per fitted parameter), ``edge`` (fitted
    parameters whose best value is on the edge of their grid: the optimum may lie beyond),
    ``table`` (losses of the last grid search as nested lists ``[f_i][f_e][alpha]``, None where
    f_i + f_e > 1), ``evaluations`` (grid points and simulations compared), ``precincts``,
    ``bins``, ``seed``, ``replicates``. Losses are rounded to 4 decimals.
    :func:`fitted_sample` replays the best fit's first replicate.
    """
    f_i_grid = _check_grid("f_i_grid", f_i_grid, 0, 1)
    f_e_grid = _check_grid("f_e_grid", f_e_grid, 0, 1)
    alpha_grid = _check_grid("alpha_grid", alpha_grid, 0, 100, low_open=True)
    if isinstance(bins, bool) or not isinstance(bins, int) or not 2 <= bins <= 500:
        raise ValueError(f"bins must be a whole number from 2 to 500, got {bins!r}")
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise ValueError(f"replicates must be a positive whole number, got {replicates!r}")
    turnout, share, mask = observed(p)
    start = dict(fair) if fair is not None else estimate_fair(p)
    missing = [k for k in (*FAIR_KEYS, "theta") if k not in start]
    if missing:
        raise ValueError(f"fair must give {', '.join(missing)}")
    current = {k: float(start[k]) for k in (*FAIR_KEYS, "theta")}
    Params(0.0, 0.0, 1.0, **current)  # a clear message if the fair part is out of range

    obs = np.bincount(_bin_index(turnout, share, bins), minlength=bins * bins + 1)[: bins * bins].astype(float)
    model = _Model(p.registered[mask].astype(np.int64), obs, bins, seed, replicates)
    total = 3 if refine else 1

    def search(fair_part: dict) -> tuple[np.ndarray, Params]:
        table = model.grid(fair_part, f_i_grid, f_e_grid, alpha_grid)
        i, e, a = np.unravel_index(int(np.argmin(table)), table.shape)
        return table, Params(float(f_i_grid[i]), float(f_e_grid[e]), float(alpha_grid[a]), **fair_part)

    table, params = search(current)
    polished = polished_loss = None
    if progress:
        progress(1, total)
    if refine:
        polished, polished_loss = model.polish(params)
        if progress:
            progress(2, total)
        if polished_loss < float(np.min(table)):
            table, params = search({k: getattr(polished, k) for k in (*FAIR_KEYS, "theta")})
        if progress:
            progress(3, total)

    grid = {"f_i": f_i_grid, "f_e": f_e_grid, "alpha": alpha_grid}
    # A best value on the grid's edge (other than the natural bounds 0 and 1 of the fractions)
    # means the optimum may lie outside the grid.
    edge = [name for name, values in grid.items() if values.size > 1 and (
        (getattr(params, name) == values[-1] and not (name != "alpha" and values[-1] == 1))
        or (getattr(params, name) == values[0] and not (name != "alpha" and values[0] == 0)))]
    best_loss = float(np.min(table))
    return {
        "params": params.as_dict(),
        "loss": round(best_loss, 4),
        "polished": polished.as_dict() if polished is not None else None,
        "polished_loss": round(polished_loss, 4) if polished_loss is not None else None,
        "fair": {k: float(start[k]) for k in (*FAIR_KEYS, "theta")},
        "grid": {k: [float(v) for v in g] for k, g in grid.items()},
        "step": {k: _step(g) for k, g in grid.items()},
        "edge": edge,
        "table": [[[None if math.isinf(v) else round(float(v), 4) for v in row] for row in plane] for plane in table],
        "evaluations": model.evaluations,
        "precincts": int(mask.sum()),
        "bins": bins,
        "seed": seed,
        "replicates": replicates,
    }


def fitted_sample(p: Precincts, result: dict) -> tuple[np.ndarray, np.ndarray]:
    """(turnout, share) of the best fit's first replicate on ``p``: what the fit compared with the data."""
    _, _, mask = observed(p)
    return simulate(Params(**result["params"]), p.registered[mask], result["seed"])
