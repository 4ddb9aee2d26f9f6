"""Plots of precinct results, as SVG or PNG bytes, for pages, reports and dossiers.

Each function builds its own :class:`matplotlib.figure.Figure` and renders it through the Agg
canvas into memory: no pyplot, no current figure, nothing shared between calls, so plots can be
drawn from several request threads at once, and ``matplotlib.use`` is never called. Text goes
through Django's ``gettext`` at call time (the active language), and is drawn in DejaVu Sans,
which has Cyrillic for region and candidate names; SVG text is stored as glyph outlines, so the
file shows the same everywhere without fonts.

Output is deterministic: SVG is written without a date and with a fixed ``svg.hashsalt`` (set
once here, at import, because matplotlib reads it from its global settings when saving), so the
same data give byte-identical files, which keeps cached and archived plots comparable.

Sources of the figures: turnout and leader-share histograms weighted by voters as in Kobak,
Shpilkin & Pshenichnikov, "Statistical fingerprints of electoral fraud?", Significance 13(4),
2016; the turnout x share "fingerprint" of Klimek, Yegorov, Hanel & Thurner, PNAS 109(41), 2012;
0.1-point histograms showing integer-percentage spikes, Kobak, Shpilkin & Pshenichnikov, Ann.
Appl. Stat. 10(1), 2016; votes by turnout bin with the expectation from the clean peak, Shpilkin's
method as described in Kobak, Shpilkin & Pshenichnikov, "Putin's peaks", Significance 15(3), 2018.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
from django.utils.translation import gettext as _
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from svidok.forensics import stats
from svidok.forensics.arrays import Precincts

FORMATS = ("svg", "png")
FONT = "DejaVu Sans"
SVG_HASHSALT = "svidok-forensics"
PNG_DPI = 120
SIZE = (8.0, 4.5)       # inches: 960 x 540 px in PNG
LEADER = "#d55e00"      # Okabe-Ito vermillion / blue / black: told apart by colour-blind readers
OTHER = "#0072b2"
NEUTRAL = "#333333"
CMAP = "viridis"

matplotlib.rcParams["svg.hashsalt"] = SVG_HASHSALT


# --- helpers ------------------------------------------------------------------------------------

def _figure(**kwargs) -> Figure:
    fig = Figure(figsize=kwargs.pop("figsize", SIZE), layout="constrained", **kwargs)
    FigureCanvasAgg(fig)
    return fig


def _style(ax) -> None:
    ax.tick_params(labelfontfamily=FONT, labelsize=9)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _text(**extra) -> dict:
    return {"fontfamily": FONT, **extra}


def _thousands(ax, axis: str = "y") -> None:
    formatter = FuncFormatter(lambda value, _pos: f"{value:,.0f}".replace(",", "\u2009"))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _title(text: str, scope: str) -> str:
    return f"{text} — {scope}" if scope else text


def _render(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(_("Plot format must be svg or png, not %(fmt)r.") % {"fmt": fmt})


def _check_precincts(p: Precincts) -> None:
    if len(p) == 0:
        raise ValueError(_("No precincts to plot: the selection is empty."))


def _weighted_histogram(values: np.ndarray, weights: np.ndarray | None, edges: np.ndarray) -> np.ndarray:
    keep = np.isfinite(values)
    counts, _edges = np.histogram(np.clip(values[keep], edges[0], edges[-1]), bins=edges,
                                  weights=None if weights is None else weights[keep].astype(float))
    return counts


def _histogram_plot(values, weights, *, title, xlabel, ylabel, overall, overall_label, fmt) -> bytes:
    edges = np.linspace(0.0, 100.0, 201)
    counts = _weighted_histogram(values, weights, edges)
    fig = _figure()
    ax = fig.add_subplot()
    _style(ax)
    ax.stairs(counts, edges, fill=True, color=OTHER, alpha=0.85, linewidth=0)
    if overall is not None:
        ax.axvline(overall, color=NEUTRAL, linestyle="--", linewidth=1,
                   label=overall_label % {"value": f"{overall:.2f}"})
        ax.legend(loc="upper left", frameon=False, prop={"family": FONT, "size": 9})
    ax.set_xlim(0, 100)
    ax.set_ylim(bottom=0)
    _thousands(ax)
    ax.set_xlabel(xlabel, **_text())
    ax.set_ylabel(ylabel, **_text())
    ax.set_title(title, **_text(fontsize=11))
    return _render(fig, fmt)


def _fingerprint_counts(turnout_pct: np.ndarray, share_pct: np.ndarray) -> np.ndarray:
    keep = np.isfinite(turnout_pct) & np.isfinite(share_pct)
    counts, _x, _y = np.histogram2d(np.clip(turnout_pct[keep], 0, 100), np.clip(share_pct[keep], 0, 100),
                                    bins=100, range=((0, 100), (0, 100)))
    return counts


def _fingerprint_axes(ax, counts: np.ndarray, vmax: float):
    _style(ax)
    ax.grid(False)
    image = ax.imshow(np.ma.masked_equal(counts.T, 0), origin="lower", extent=(0, 100, 0, 100), aspect="equal",
                      cmap=CMAP, norm=LogNorm(vmin=1, vmax=max(vmax, 2)), interpolation="none")
    ax.set_xlabel(_("Turnout, %"), **_text())
    ax.set_ylabel(_("Leader's share of ballots cast, %"), **_text())
    return image


def _colorbar(fig, image, axes) -> None:
    bar = fig.colorbar(image, ax=axes, shrink=0.9)
    bar.ax.tick_params(labelfontfamily=FONT, labelsize=9)
    bar.set_label(_("Precincts per 1 × 1 point cell (log scale)"), **_text())


# --- plots --------------------------------------------------------------------------------------

def turnout_histogram(p: Precincts, *, fmt: str = "svg", scope: str = "", weight: str = "voters") -> bytes:
    """Distribution of precinct turnout (ballots issued / registered) in 0.5-point bins.

    ``weight="voters"`` (default) counts each precinct's registered voters, as Kobak et al. plot
    it, so that large precincts count for what they weigh in the result; ``"precincts"`` counts
    precincts. The dashed line is the official turnout of the selection. ``scope`` (a region or
    commission name) is added to the title.
    """
    _check_format(fmt)
    _check_precincts(p)
    if weight not in ("voters", "precincts"):
        raise ValueError(_("Histogram weight must be voters or precincts, not %(weight)r.") % {"weight": weight})
    turnout = stats.turnout_percent(p)
    registered = int(p.registered.sum())
    if registered == 0:
        raise ValueError(_("No precinct in the selection has registered voters."))
    return _histogram_plot(
        turnout, p.registered if weight == "voters" else None,
        title=_title(_("Turnout"), scope), xlabel=_("Turnout, %"),
        ylabel=_("Registered voters per 0.5-point bin") if weight == "voters" else _("Precincts per 0.5-point bin"),
        overall=100.0 * int(p.issued.sum()) / registered, overall_label=_("Official turnout: %(value)s%%"),
        fmt=fmt)


def leader_share_histogram(p: Precincts, *, fmt: str = "svg", scope: str = "", weight: str = "voters") -> bytes:
    """Distribution of the leader's share of ballots cast per precinct, in 0.5-point bins.

    ``weight="voters"`` (default) counts each precinct's ballots cast (the voters the share is
    made of); ``"precincts"`` counts precincts. The dashed line is the leader's official share.
    """
    _check_format(fmt)
    _check_precincts(p)
    if weight not in ("voters", "precincts"):
        raise ValueError(_("Histogram weight must be voters or precincts, not %(weight)r.") % {"weight": weight})
    cast = int(p.cast.sum())
    if cast == 0:
        raise ValueError(_("No ballots were cast in the selection."))
    return _histogram_plot(
        stats.leader_share_percent(p), p.cast if weight == "voters" else None,
        title=_title(_("Share of %(leader)s") % {"leader": p.leader_name}, scope),
        xlabel=_("Leader's share of ballots cast, %"),
        ylabel=_("Ballots cast per 0.5-point bin") if weight == "voters" else _("Precincts per 0.5-point bin"),
        overall=100.0 * int(p.leader_votes.sum()) / cast, overall_label=_("Official result: %(value)s%%"),
        fmt=fmt)


def fingerprint(p: Precincts, *, fmt: str = "svg", scope: str = "") -> bytes:
    """The election "fingerprint" of Klimek et al. (PNAS 2012): precincts counted in 1 x 1 point
    cells of turnout (x) and the leader's share (y), on a log colour scale. A fair election is one
    round cloud; ballot stuffing smears it towards the top right, up to a second cluster at 100/100.
    """
    _check_format(fmt)
    _check_precincts(p)
    counts = _fingerprint_counts(stats.turnout_percent(p), stats.leader_share_percent(p))
    if counts.sum() == 0:
        raise ValueError(_("No precinct in the selection has registered voters and ballots cast."))
    fig = _figure(figsize=(6.4, 5.2))
    ax = fig.add_subplot()
    image = _fingerprint_axes(ax, counts, counts.max())
    _colorbar(fig, image, ax)
    ax.set_title(_title(_("Turnout and leader's share"), scope), **_text(fontsize=11))
    return _render(fig, fmt)


def integer_spikes(p: Precincts, *, fmt: str = "svg", scope: str = "", sample: bool = True) -> bytes:
    """Precincts per 0.1-point bin of turnout and of the leader's share, bins centred on tenths,
    so that whole percentages stand out as spikes where protocols were written to a target
    (Kobak, Shpilkin & Pshenichnikov, Ann. Appl. Stat. 2016).

    With ``sample=True`` only the integer test's precincts are drawn (at least 100 voters, turnout
    and share at most 99%): in tiny precincts simple fractions such as 1/2 or 3/4 make spikes of
    their own that say nothing about falsification.
    """
    _check_format(fmt)
    _check_precincts(p)
    if sample:
        p = p.subset(stats.integer_test_sample(p))
        if len(p) == 0:
            raise ValueError(_("No precinct in the selection meets the integer test's conditions "
                               "(100 voters or more, turnout and result at most 99%)."))
    edges = np.arange(1002) * 0.1 - 0.05
    fig = _figure(figsize=(8.0, 5.6))
    axes = fig.subplots(2, 1, sharex=True)
    for ax, values, label, colour in (
        (axes[0], stats.turnout_percent(p), _("Turnout, %"), OTHER),
        (axes[1], stats.leader_share_percent(p), _("Leader's share of ballots cast, %"), LEADER),
    ):
        _style(ax)
        ax.stairs(_weighted_histogram(values, None, edges), edges, color=colour, linewidth=0.7)
        ax.set_ylabel(_("Precincts"), **_text())
        ax.set_xlabel(label, **_text())
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.set_xticks(np.arange(0, 101, 10))
        ax.set_xlim(0, 100)
        ax.set_ylim(bottom=0)
    subtitle = _("%(count)s precincts, 0.1-point bins") % {"count": f"{len(p):,}".replace(",", "\u2009")}
    fig.suptitle(_title(_("Whole percentages"), scope) + "\n" + subtitle, **_text(fontsize=11))
    return _render(fig, fmt)


def shpilkin_bins(result, *, fmt: str = "svg", scope: str = "") -> bytes:
    """Votes per turnout bin for the leader and the others, with the leader's votes expected if
    his ratio to the others at the clean peak held at every higher turnout (Shpilkin's method).

    ``result`` is the dict :func:`svidok.forensics.stats.shpilkin` returns (its ``bins``,
    ``bin_width``, ``peak_turnout`` and ``anomalous_votes`` are used) or just its ``bins`` list.
    The shaded area between the leader's votes and the expectation, from the peak up, is what the
    method counts as anomalous.
    """
    _check_format(fmt)
    bins = result.get("bins", []) if isinstance(result, dict) else list(result or [])
    if not bins:
        raise ValueError(_("No turnout bins to plot: the selection is empty."))
    start = np.array([b["turnout_from"] for b in bins], dtype=float)
    width = float(result.get("bin_width") or 0) if isinstance(result, dict) else 0.0
    if width <= 0:
        width = float(np.min(np.diff(start))) if start.size > 1 else 1.0
    edges = np.append(start, start[-1] + width)
    leader = np.array([b["leader"] for b in bins], dtype=float)
    other = np.array([b["other"] for b in bins], dtype=float)
    expected = np.array([b["expected_leader"] for b in bins], dtype=float)

    fig = _figure()
    ax = fig.add_subplot()
    _style(ax)
    ax.stairs(other, edges, color=OTHER, linewidth=1.2, label=_("Other candidates"))
    ax.stairs(leader, edges, color=LEADER, linewidth=1.2, label=_("Leader"))
    ax.stairs(expected, edges, color=NEUTRAL, linewidth=1, linestyle="--",
              label=_("Leader expected from the ratio at the peak"))
    excess = leader > expected
    if excess.any():
        ax.stairs(np.where(excess, leader, expected), edges, baseline=expected, fill=True, color=LEADER, alpha=0.25,
                  linewidth=0, label=_("Counted as anomalous"))
    if isinstance(result, dict) and result.get("peak_turnout") is not None:
        ax.axvline(float(result["peak_turnout"]) + width / 2, color=NEUTRAL, linewidth=0.8, linestyle=":")
    ax.set_xlim(0, max(100.0, float(edges[-1])))
    ax.set_ylim(bottom=0)
    _thousands(ax)
    ax.set_xlabel(_("Turnout, %% (%(width)s-point bins)") % {"width": f"{width:g}"}, **_text())
    ax.set_ylabel(_("Votes per bin"), **_text())
    title = _title(_("Votes by turnout (Shpilkin's method)"), scope)
    if isinstance(result, dict) and result.get("anomalous_votes") is not None:
        votes = f"{float(result['anomalous_votes']):,.0f}".replace(",", "\u2009")
        title += "\n" + _("Anomalous votes for the leader: %(votes)s") % {"votes": votes}
    ax.set_title(title, **_text(fontsize=11))
    ax.legend(loc="upper left", frameon=False, prop={"family": FONT, "size": 9})
    return _render(fig, fmt)


def turnout_change(changes, *, fmt: str = "svg", scope: str = "") -> bytes:
    """Distribution of the change in turnout of the same precincts between two elections, in
    percentage points (1-point bins), with its median.

    ``changes`` is the array :func:`svidok.forensics.stats.turnout_changes` returns, or the dict
    of :func:`svidok.forensics.stats.same_precinct` (its ``changes``).
    """
    _check_format(fmt)
    values = np.asarray(changes.get("changes", []) if isinstance(changes, dict) else changes, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError(_("No matched precincts to plot."))
    low = float(np.floor(min(values.min(), 0.0)))
    high = float(np.ceil(max(values.max(), 0.0)))
    edges = np.arange(max(low, -100.0), min(high, 100.0) + 1.0, 1.0)
    if edges.size < 2:
        edges = np.array([edges[0], edges[0] + 1.0])
    counts = _weighted_histogram(values, None, edges)
    median = float(np.median(values))
    fig = _figure()
    ax = fig.add_subplot()
    _style(ax)
    ax.stairs(counts, edges, fill=True, color=OTHER, alpha=0.85, linewidth=0)
    ax.axvline(0, color="#999999", linewidth=0.8)
    ax.axvline(median, color=LEADER, linestyle="--", linewidth=1.2,
               label=_("Median: %(value)s points") % {"value": f"{median:+.1f}"})
    ax.set_ylim(bottom=0)
    ax.set_xlabel(_("Change in turnout, percentage points"), **_text())
    ax.set_ylabel(_("Precincts per 1-point bin"), **_text())
    count = f"{values.size:,}".replace(",", "\u2009")
    ax.set_title(_title(_("Turnout change in the same precincts"), scope) + "\n"
                 + _("%(count)s precincts matched") % {"count": count}, **_text(fontsize=11))
    ax.legend(loc="upper left", frameon=False, prop={"family": FONT, "size": 9})
    return _render(fig, fmt)


def klimek_comparison(p: Precincts, turnout, share, *, fmt: str = "svg", scope: str = "",
                      params: dict | None = None) -> bytes:
    """The observed fingerprint beside that of the fitted Klimek et al. model, on one colour scale.

    ``turnout`` and ``share`` are the simulated units as fractions (0-1), as
    :func:`svidok.forensics.klimek.simulate` and :func:`~svidok.forensics.klimek.fitted_sample`
    return them; ``params`` (the fit's ``params`` dict) puts f_i, f_e and alpha in the title.
    """
    _check_format(fmt)
    _check_precincts(p)
    observed = _fingerprint_counts(stats.turnout_percent(p), stats.leader_share_percent(p))
    simulated = _fingerprint_counts(100.0 * np.asarray(turnout, dtype=float), 100.0 * np.asarray(share, dtype=float))
    if observed.sum() == 0:
        raise ValueError(_("No precinct in the selection has registered voters and ballots cast."))
    if simulated.sum() == 0:
        raise ValueError(_("The simulated election has no precincts to plot."))
    vmax = max(observed.max(), simulated.max())
    fig = _figure(figsize=(10.0, 4.8))
    axes = fig.subplots(1, 2, sharey=True)
    image = _fingerprint_axes(axes[0], observed, vmax)
    _fingerprint_axes(axes[1], simulated, vmax)
    axes[1].set_ylabel("")
    axes[0].set_title(_("Observed"), **_text(fontsize=10))
    axes[1].set_title(_("Model (Klimek et al. 2012)"), **_text(fontsize=10))
    _colorbar(fig, image, list(axes))
    title = _title(_("Turnout and leader's share: observed and modelled"), scope)
    if params:
        title += "\n" + _("incremental fraud f_i = %(f_i)s, extreme fraud f_e = %(f_e)s, alpha = %(alpha)s") % {
            "f_i": f"{params['f_i']:.2f}", "f_e": f"{params['f_e']:.2f}", "alpha": f"{params['alpha']:.1f}"}
    fig.suptitle(title, **_text(fontsize=11))
    return _render(fig, fmt)
