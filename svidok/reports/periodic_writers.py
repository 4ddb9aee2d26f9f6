"""The periodic report as a file: standalone HTML, PDF or a Word document.

Each writer takes a built :class:`~svidok.reports.periodic.Report` and writes to a path; the
incidents come from :func:`~svidok.reports.periodic.incident_entries`, read in batches, and leave
memory as soon as they are written:

- **HTML** is written piece by piece (head, each batch, tail); pictures are inline ``data:`` URIs,
  so the file needs nothing else to be read.
- **PDF** is rendered by WeasyPrint in parts (the head, then :data:`PART` incidents at a time, each
  part numbering its pages on from the last) and the parts are joined by poppler's ``pdfunite``:
  WeasyPrint lays out a whole document in memory, so one document of 100,000 incidents would not fit
  a small server, and pypdf, which joined them at first, held every page of the result (940 MiB for
  13,212 pages; ``pdfunite`` joins 27,000 pages in 1.5 s within about 100 MiB, bench/RESULTS.md).
  The joined file gets its title by an incremental update (:func:`_set_info`).
- **DOCX**: python-docx keeps a document in memory, so it makes everything but the incidents, and
  the incidents are written into its ``word/document.xml`` batch by batch as the ZIP is copied
  (:func:`_docx_stream`); its pictures are PNGs drawn with matplotlib from the same tables and points.

:func:`write` writes to a temporary file beside the target and renames it only when complete: a
failed report leaves no half-written file.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from svidok.reports.periodic import Report, day, incident_entries

PART = 1000  # incidents per PDF part, and per piece of HTML
CONTENT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _uri(svg: str | bytes) -> str:
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def _context(report: Report) -> dict:
    for found in report.forensics:
        found.plot_list = [{"uri": _uri(svg), "alt": found.plot_alts.get(name, "")} for name, svg in found.plots.items()]
    return {"report": report, "generated": day(report.generated_on),
            "map_uri": _uri(report.map_svg) if report.map_svg else "",
            "charts": [{"table": c.table, "uri": _uri(c.svg)} for c in report.charts]}


def _batches(entries: Iterator[dict], size: int = PART) -> Iterator[list[dict]]:
    while batch := list(islice(entries, size)):
        yield batch


def write(report: Report, fmt: str, path: str | os.PathLike, *, progress: Callable[[int], None] | None = None) -> int:
    """Write the report in ``fmt`` to ``path`` (through a temporary file renamed when complete);
    returns the file's size in bytes."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown report format {fmt!r}")
    target = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=".report-", suffix=".part", dir=target.parent or ".")
    os.close(handle)
    try:
        {"html": write_html, "pdf": write_pdf, "docx": write_docx}[fmt](report, temporary, progress)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.stat().st_size


# --- HTML ----------------------------------------------------------------------------------------------


def write_html(report: Report, path, progress=None) -> None:
    context = _context(report)
    with open(path, "w", encoding="utf-8") as out:
        out.write(render_to_string("reports/periodic/head.html", context))
        for batch in _batches(incident_entries(report, batch=progress)):
            out.write(render_to_string("reports/periodic/_incidents.html", {**context, "entries": batch}))
        out.write(render_to_string("reports/periodic/tail.html", context))


# --- PDF -----------------------------------------------------------------------------------------------


def _render_pdf(html: str, path: str) -> int:
    """One part as PDF; returns its number of pages. Nothing is fetched: pictures are data URIs."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).render()
    document.write_pdf(path)
    return len(document.pages)


def _join(parts: list[str], path, info: dict[str, str]) -> None:
    """The parts, in order, as one PDF at ``path`` (poppler-utils' ``pdfunite``), its document
    information (title, creator) ``info``."""
    if len(parts) == 1:
        shutil.copyfile(parts[0], path)
    else:
        pdfunite = shutil.which("pdfunite")
        if pdfunite is None:
            raise RuntimeError("pdfunite (Debian package poppler-utils) is needed to write a PDF report: scripts/system-deps.sh run")
        subprocess.run([pdfunite, *parts, os.fspath(path)], check=True, capture_output=True, timeout=3600)
    _set_info(path, info)


def _pdf_text(value: str) -> str:
    return "<" + ("\ufeff" + value).encode("utf-16-be").hex().upper() + ">"


def _set_info(path, info: dict[str, str]) -> None:
    """Give the PDF at ``path`` its document information by an incremental update (PDF 1.7, 7.5.6):
    a new Info object, an xref section for it and a trailer pointing back to the file's own, appended
    at the end. ``pdfunite`` writes none, and rewriting the file with pypdf would load every page
    again (500 MiB at 27,000 pages); this reads only the cross-reference table."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    numbers = [number for generation in reader.xref.values() for number in generation]
    # pdfunite's trailer may understate /Size: the new object takes a number above every one in use.
    number = max([*numbers, *reader.xref_objStm, int(reader.trailer.get("/Size", 1)) - 1]) + 1
    root = reader.trailer.raw_get("/Root")
    ids = reader.trailer.get("/ID")
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 1024))
        tail = f.read()
    previous = int(tail[tail.rindex(b"startxref") + len(b"startxref"):].split()[0])
    entries = " ".join(f"/{key} {_pdf_text(value)}" for key, value in info.items())
    identifier = " /ID [" + " ".join(f"<{bytes(getattr(part, 'original_bytes', part)).hex()}>" for part in ids) + "]" if ids else ""
    with open(path, "r+b") as f:
        f.seek(0, os.SEEK_END)
        offset = f.tell() + 1  # after the newline that starts the update
        obj = f"\n{number} 0 obj\n<< {entries} >>\nendobj\n".encode()
        xref = offset - 1 + len(obj)
        f.write(obj)
        f.write((f"xref\n{number} 1\n{offset:010d} 00000 n \ntrailer\n"
                 f"<< /Size {number + 1} /Root {root.idnum} {root.generation} R /Info {number} 0 R /Prev {previous}{identifier} >>\n"
                 f"startxref\n{xref}\n%%EOF\n").encode())


def write_pdf(report: Report, path, progress=None) -> None:
    context = _context(report)
    folder = tempfile.mkdtemp(prefix=".report-parts-", dir=Path(path).parent)
    parts: list[str] = []
    try:
        def part(**extra) -> None:
            name = os.path.join(folder, f"{len(parts):06d}.pdf")
            pages = _render_pdf(render_to_string("reports/periodic/part.html", {**context, **extra}), name)
            parts.append(name)
            context["first_page"] = context.get("first_page", 1) + pages

        # The list of incidents begins on a page of its own, its heading with its first incidents.
        part(head=True, heading_later=True)
        batches = _batches(incident_entries(report, batch=progress))
        part(heading=True, entries=next(batches, []))
        for batch in batches:
            part(entries=batch)
        part(tail=True)
        _join(parts, path, {"Title": f"{report.title} – {report.subtitle}", "Creator": "Svidok"})
    finally:
        for name in parts:
            Path(name).unlink(missing_ok=True)
        os.rmdir(folder)


# --- DOCX ----------------------------------------------------------------------------------------------


def _figure() -> tuple:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.2, 3.6), dpi=120)
    return figure, figure.add_subplot()


def _png(figure) -> io.BytesIO:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png")
    buffer.seek(0)
    return buffer


def _number(value) -> float | None:
    try:
        return float(str(value).replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None


def table_png(table) -> io.BytesIO | None:
    """A chart of a statistics table for a Word document: stacked bars of its numeric columns (a
    timeline by month, or counts by label)."""
    rows = [row for row in table.rows if len(row) > 1]
    numeric = [i for i in range(1, len(table.columns)) if all(_number(r[i]) is not None for r in rows if i < len(r))]
    if not rows or not numeric:
        return None
    figure, axes = _figure()
    labels = [str(r[0]) for r in rows]
    bottom = [0.0] * len(rows)
    horizontal = getattr(table, "kind", "bars") != "timeline"
    for i in numeric[:8]:
        values = [_number(r[i]) or 0.0 for r in rows]
        if horizontal:
            axes.barh(range(len(rows)), values, left=bottom, label=str(table.columns[i]))
        else:
            axes.bar(range(len(rows)), values, bottom=bottom, label=str(table.columns[i]))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if horizontal:
        axes.set_yticks(range(len(rows)), labels, fontsize=7)
        axes.invert_yaxis()
    else:
        step = max(1, len(rows) // 12)
        axes.set_xticks(range(0, len(rows), step), labels[::step], rotation=45, ha="right", fontsize=7)
    if len(numeric) > 1:
        axes.legend(fontsize=7)
    return _png(figure)


def map_png(features: list[dict]) -> io.BytesIO | None:
    from svidok.reports import geo

    if not features:
        return None
    figure, axes = _figure()
    figure.set_size_inches(7.2, 5.2)
    for boundary in geo.boundaries().get("features", []):
        geometry = boundary.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        for polygon in polygons if geometry.get("type") in ("Polygon", "MultiPolygon") else []:
            for ring in polygon:
                axes.plot([p[0] for p in ring], [p[1] for p in ring], color="#9aa5b1", linewidth=0.4)
    # One scatter per type (a call per point would take minutes for a report's thousands of places);
    # a group's point is repeated once per incident in ``features`` (periodic._map): drawn once.
    by_type: dict[tuple[str, str], tuple[list, list]] = {}
    drawn = set()
    for feature in features:
        if id(feature) in drawn:
            continue
        drawn.add(id(feature))
        lon, lat = feature["geometry"]["coordinates"]
        props = feature["properties"]
        xs, ys = by_type.setdefault((props.get("type_label", ""), props.get("colour", "#1f4f82")), ([], []))
        xs.append(lon)
        ys.append(lat)
    for (label, colour), (xs, ys) in by_type.items():
        axes.scatter(xs, ys, s=18, color=colour, edgecolors="white", linewidths=0.4, label=label, zorder=3)
    axes.set_aspect(1.4)
    axes.set_axis_off()
    if by_type:
        axes.legend(fontsize=7, loc="lower left")
    return _png(figure)


def write_docx(report: Report, path, progress=None) -> None:
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "DejaVu Sans", Pt(10)
    document.core_properties.title = f"{report.title} – {report.subtitle}"
    document.add_paragraph("Svidok")
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.subtitle)
    kind = _("Report for publication") if report.purpose.value == "publication" else _("Internal report")
    purpose = document.add_paragraph()
    purpose.add_run(f"{kind}. ").bold = True
    purpose.add_run(report.purpose_text)
    document.add_paragraph(_("Made on %(date)s.") % {"date": day(report.generated_on)})
    document.add_page_break()

    document.add_heading(_("Summary"), level=1)
    summary = document.add_table(rows=0, cols=2)
    for label, value in report.figures:
        cells = summary.add_row().cells
        cells[0].text, cells[1].text = label, value

    document.add_heading(_("What is not known"), level=1)
    for line in report.unknown or [_("Every incident counted here has a place with coordinates, and every vote its "
                                     "official results.")]:
        document.add_paragraph(line, style="List Bullet")

    document.add_heading(_("Map"), level=1)
    picture = map_png(report.map_features)
    if picture is None:
        document.add_paragraph(_("No incident of this report has a place with coordinates: there is nothing to map."))
    else:
        document.add_picture(picture, width=Cm(16))
        document.add_paragraph(" ".join(filter(None, [_("Each point is a place, coloured by the type of incident."),
                                                       report.map_note])))

    document.add_heading(_("Figures"), level=1)
    for chart in report.charts:
        table = chart.table
        document.add_heading(str(table.title), level=2)
        picture = table_png(table)
        if picture is not None:
            document.add_picture(picture, width=Cm(16))
        grid = document.add_table(rows=1, cols=len(table.columns))
        grid.style = "Table Grid"
        for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
            cell.text = str(column)
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=False):
                cell.text = str(value)
        if table.note:
            document.add_paragraph(str(table.note))

    if report.forensics:
        _docx_forensics(document, report)

    document.add_heading(_("Methodology"), level=1)
    for paragraph in report.methodology:
        document.add_paragraph(paragraph)

    document.add_heading(_("Verified incidents"), level=1)
    if not report.listed:
        document.add_paragraph(_("No verified incident in this report's scope."))
    document.add_paragraph(_DOCX_MARK)
    head = Path(path).with_name(Path(path).name + ".head")
    document.save(head)
    try:
        _docx_stream(report, head, path, progress)
    finally:
        head.unlink(missing_ok=True)


# A paragraph of the head document that the incidents replace (text no report holds).
_DOCX_MARK = "svidok-periodic-report-incidents-go-here"


def _docx_stream(report: Report, head: Path, path, progress) -> None:
    """Copy the head document into ``path`` with the incidents (and the closing section) written in
    place of the mark, batch by batch: python-docx holds a whole document in memory, so the
    incidents are made as paragraphs of a small scratch document per batch, written out as XML and
    dropped. The scratch documents come from python-docx's own template, as the head does, so their
    styles and numbering are the head's."""
    import zipfile

    from docx import Document
    from lxml import etree

    def paragraphs(fill) -> Iterator[bytes]:
        scratch = Document()
        fill(scratch)
        for child in scratch.element.body.iterchildren():
            if etree.QName(child).localname != "sectPr":
                yield etree.tostring(child, encoding="utf-8")

    with zipfile.ZipFile(head) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                target.writestr(item, source.read(item.filename))
                continue
            xml = source.read(item.filename).decode("utf-8")
            mark = xml.index(_DOCX_MARK)
            begin = max(xml.rfind("<w:p>", 0, mark), xml.rfind("<w:p ", 0, mark))
            finish = xml.index("</w:p>", mark) + len("</w:p>")
            with target.open("word/document.xml", "w") as out:
                out.write(xml[:begin].encode("utf-8"))
                for batch in _batches(incident_entries(report, batch=progress)):
                    for chunk in paragraphs(lambda scratch, batch=batch: _docx_incidents(scratch, batch)):
                        out.write(chunk)
                for chunk in paragraphs(lambda scratch: _docx_closing(scratch, report)):
                    out.write(chunk)
                out.write(xml[finish:].encode("utf-8"))


def _docx_incidents(document, entries: list[dict]) -> None:
    for entry in entries:
        document.add_heading(f"{entry['reference']} · {entry['title']}", level=3)
        meta = " · ".join(filter(None, [entry["date"], entry["place"], entry["type"], entry["election"]]))
        document.add_paragraph(meta)
        if entry["narrative"]:
            document.add_paragraph(entry["narrative"])
        if entry["people"]:
            document.add_paragraph("; ".join(
                f"{p['role'][:1].upper()}{p['role'][1:]}: {p['name']}" + (f" ({p['details']})" if p["details"] else "")
                for p in entry["people"]))
        if entry["legal"]:
            document.add_paragraph(f"{_('Legal qualification')}: {', '.join(entry['legal'])}")
        for source in entry["sources"]:
            text = ", ".join(filter(None, [source["title"], source["publisher"], source["date"]]))
            document.add_paragraph(f"{text} {source['url']}".strip(), style="List Number")


def _docx_closing(document, report: Report) -> None:
    from django.utils.translation import ngettext

    document.add_heading(_("About this report"), level=1)
    if report.redactions:
        document.add_paragraph(ngettext(
            "%(count)s time a protected person is shown under a pseudonym or withheld.",
            "%(count)s times a protected person is shown under a pseudonym or withheld.",
            report.redactions) % {"count": report.redactions})
    document.add_paragraph(_("Made by Svidok on %(date)s. The figures are those of that day: incidents recorded or "
                             "verified later are not in them.") % {"date": day(report.generated_on)})


def _docx_forensics(document, report: Report) -> None:
    from docx.shared import Cm

    from svidok.forensics.views import render_plot  # the same drawing as the pages'

    document.add_heading(_("The official results"), level=1)
    for found in report.forensics:
        document.add_heading(f"{found.election.display_name} ({day(found.election.date)})", level=2)
        if not found.has_results:
            document.add_paragraph(_("No official precinct results of this vote are imported: there are no forensic "
                                     "findings on its count."))
            continue
        if found.problem:
            document.add_paragraph(found.problem)
            continue
        s, t, sh = found.summary, found.integer_test, found.shpilkin
        document.add_paragraph(_("Territory analysed: %(scope)s.") % {"scope": found.scope_label})
        rows = [(_("Precincts"), str(s["precincts"])), (_("Registered voters"), str(s["registered"])),
                (_("Turnout"), f"{s['turnout']:.2f}%"), (_("Leader"), f"{s['leader']}: {s['leader_share']:.2f}%"),
                (_("Whole percentages beyond chance (z)"), f"{t['z']['either']:.2f} (p = {t['p']['either']:.4f})"),
                (_("Anomalous votes (Shpilkin)"), f"{sh['anomalous_votes']:.0f}")]
        grid = document.add_table(rows=0, cols=2)
        for label, value in rows:
            cells = grid.add_row().cells
            cells[0].text, cells[1].text = label, value
        for name in found.plots:
            png = render_plot(name, found.precincts, "png", scope=found.scope_label)
            document.add_picture(io.BytesIO(png), width=Cm(15))
