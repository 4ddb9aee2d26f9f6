"""The plot of a territory's series of votes: official turnout beside the independent estimates.

Drawn as the plots of :mod:`svidok.forensics.plots` are (own Figure, Agg canvas, DejaVu Sans,
deterministic SVG, text in the active language), with its helpers. Imported by the view when a
plot is asked for, so matplotlib is not loaded with every page.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from svidok.forensics.plots import FONT, LEADER, NEUTRAL, OTHER, _check_format, _figure, _render, _style, _text

# An estimate's comparator as a marker: a bound points the way the real figure lies.
MARKERS = {"le": "v", "ge": "^", "eq": "D", "approx": "D"}
BOUNDS = {"le": "≤ ", "ge": "≥ ", "approx": "≈ "}


def turnout_series(votes, *, fmt: str = "svg", scope: str = "") -> bytes:
    """Official turnout of each vote (computed from the protocols; a recorded official figure where
    no protocols were imported) and every turnout estimate, one column per vote in date order.

    ValueError when no vote has a turnout to draw.
    """
    _check_format(fmt)
    points = []  # (x, value, style) with style "computed", "recorded", "estimate", "group"
    labels = []
    for x, vote in enumerate(votes):
        labels.append(vote.election.date.strftime("%d.%m.%Y"))
        if vote.official and vote.official.get("turnout") is not None:
            points.append((x, vote.official["turnout"], "computed", "eq"))
        else:
            for row in vote.recorded_official:
                if row.figure.metric == "turnout" and not row.figure.population_group:
                    points.append((x, row.value, "recorded", row.figure.comparator))
        for row in vote.estimates:
            if row.figure.metric == "turnout":
                points.append((x, row.value, "group" if row.figure.population_group else "estimate",
                               row.figure.comparator))
    if not points:
        raise ValueError(_("No vote of the series has a turnout to plot."))

    fig = _figure(figsize=(8.0, 4.8))
    ax = fig.add_subplot()
    _style(ax)
    styles = {
        "computed": {"color": OTHER, "marker": "o", "label": _("Official turnout (protocols)")},
        "recorded": {"color": OTHER, "marker": "o", "facecolor": "white",
                     "label": _("Official turnout (recorded, no protocols imported)")},
        "estimate": {"color": NEUTRAL, "label": _("Independent estimate")},
        "group": {"color": LEADER, "label": _("Independent estimate for a population group")},
    }
    seen = set()
    for x, value, style, comparator in points:
        s = styles[style]
        marker = s.get("marker") or MARKERS.get(comparator, "D")
        label = s["label"] if style not in seen else None
        seen.add(style)
        ax.scatter([x], [value], marker=marker, s=60, color=s.get("facecolor", s["color"]), edgecolors=s["color"],
                   linewidths=1.4, zorder=3, label=label)
        # Official figures as the table rounds them; estimates as they were given ("≤ 30%").
        text = f"{value:.2f}%" if style in ("computed", "recorded") else f"{BOUNDS.get(comparator, '')}{value:g}%"
        ax.annotate(text, (x, value),
                    xytext=(8, -3), textcoords="offset points", fontsize=8, fontfamily=FONT, color=s["color"])
    official = [(x, v) for x, v, style, _c in points if style in ("computed", "recorded")]
    if len(official) > 1:
        ax.plot([x for x, _v in official], [v for _x, v in official], color=OTHER, linewidth=1, alpha=0.6, zorder=2)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlim(-0.5, len(labels) - 0.5)
    ax.set_ylim(0, 100)
    ax.set_ylabel(_("Turnout, %"), **_text())
    ax.set_title(_("Turnout: official figures and independent estimates") + (f" — {scope}" if scope else ""),
                 **_text(fontsize=11))
    ax.legend(loc="lower left", frameon=False, prop={"family": FONT, "size": 8})
    return _render(fig, fmt)
