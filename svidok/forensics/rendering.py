"""The analysis as a self-contained document: the report block with its plots embedded.

Used by ``svidok forensics analyze --html FILE`` and meant for later PDF dossiers: the same
``forensics/_analysis_block.html`` the pages show, with each plot inlined as a ``data:`` URI so the
file needs nothing else (no server, no network) to be read, mailed or archived.
"""

from __future__ import annotations

import base64

from django.template.loader import render_to_string
from django.utils import timezone

from svidok.forensics.arrays import Precincts
from svidok.forensics.regions import region_label


def plot_data_uris(p: Precincts, *, compare: Precincts | None = None, names=None, scope: str = "",
                   klimek: dict | None = None) -> dict[str, str]:
    """The page's plots for ``p`` as ``data:image/svg+xml`` URIs (plots that cannot be drawn are left out)."""
    from svidok.forensics.views import PLOTS, render_plot

    uris = {}
    for name in names or (*PLOTS, "klimek"):
        if (name == "change" and compare is None) or (name == "klimek" and not klimek):
            continue
        try:
            svg = render_plot(name, p, "svg", compare=compare, scope=scope, klimek=klimek)
        except ValueError:
            continue
        uris[name] = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    return uris


def standalone_html(result: dict, p: Precincts, *, compare: Precincts | None = None) -> str:
    """A complete HTML document of one analysis report (``result`` from ``report.analyze``)."""
    return render_to_string("forensics/standalone.html", {
        "report": result,
        "plots": plot_data_uris(p, compare=compare, scope=result["params"].get("tik") or region_label(result["params"].get("region", "")),
                                klimek=result.get("klimek")),
        "generated": timezone.now(),
    })
