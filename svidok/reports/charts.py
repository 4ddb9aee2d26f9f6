"""Charts of statistics tables as SVG built on the server (docs/statistics.md).

Hand-written SVG rather than matplotlib: a bar chart is a few rectangles, the text stays text (the
browser's and WeasyPrint's fonts draw Cyrillic and Crimean Tatar letters, and a reader can select
it), the file is a few kilobytes and is made in a millisecond. No ``style`` attribute and no
script: the SVG is served as an image (``<img src>``), embedded in PDFs, and printed; presentation
attributes (``fill``, ``stroke``) carry the colours.
"""

from xml.sax.saxutils import escape

from django.utils import formats

from svidok.reports.statistics import Table

# A palette that stays apart for colour-blind readers (Okabe–Ito) and in greyscale print, then greys.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#7f7f7f", "#b15928", "#6a3d9a", "#1b9e77", "#a6761d", "#666666")
FONT = "DejaVu Sans, Noto Sans, Arial, sans-serif"
INK, GRID, MARK = "#222222", "#d9d9d9", "#b00020"


def _n(value) -> str:
    return formats.number_format(value, force_grouping=True)


def _attr(value) -> str:
    return escape(str(value), {'"': "&quot;"})


def _text(x, y, content, *, size=12, anchor="start", fill=INK, weight=None, rotate=None) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    if rotate is not None:
        extra += f' transform="rotate({rotate} {x:.1f} {y:.1f})"'
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{extra}>'
            f"{escape(str(content))}</text>")


def _clip(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _nice_max(value: float) -> int:
    """The axis top: the smallest whole number of 1, 2, 2.5, 4, 5, 6, 8 × 10^k at or above ``value``."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 2.5, 4, 5, 6, 8):
            top = factor * step
            if top >= value and top == int(top):
                return int(top)
        step *= 10


def _ticks(top: int) -> tuple:
    """Zero, the half when it is a whole number, and the top: counts have no halves."""
    return (0, top // 2, top) if top % 2 == 0 else (0, top)


def _svg(width: int, height: int, title: str, body: list[str], description: str = "") -> str:
    desc = f"<desc>{escape(description)}</desc>" if description else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" font-family="{_attr(FONT)}"><title>{escape(title)}</title>{desc}'
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>")


def _empty(table: Table, width: int, height: int) -> str:
    message = table.empty or table.note
    body = [_text(16, 28, table.title, size=15, weight="bold"), _text(width / 2, height / 2, _clip(message, 110), anchor="middle", fill="#555555")]
    return _svg(width, height, table.title, body, message)


def _bars(table: Table, width: int, height: int | None) -> str:
    """One horizontal bar per row, its count at its end."""
    rows = table.rows
    row_height, top = 26, 44
    height = height or top + row_height * len(rows) + 24
    label_width = min(260, int(width * 0.4), max(90, 7 * max(len(str(r[0])) for r in rows) + 12))
    left, right = 16 + label_width, 64
    top_value = _nice_max(max(r[-1] for r in rows))
    scale = (width - left - right) / top_value
    body = [_text(16, 26, table.title, size=15, weight="bold")]
    for tick in _ticks(top_value):
        x = left + tick * scale
        body.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + row_height * len(rows)}" stroke="{GRID}" stroke-width="1"/>')
    for i, row in enumerate(rows):
        y = top + i * row_height
        value = row[-1]
        body.append(_text(left - 8, y + 17, _clip(str(row[0]), label_width // 7), anchor="end"))
        body.append(f'<rect x="{left}" y="{y + 4}" width="{max(value * scale, 0):.1f}" height="{row_height - 8}" fill="{PALETTE[0]}">'
                    f"<title>{escape(str(row[0]))}: {escape(_n(value))}</title></rect>")
        body.append(_text(left + value * scale + 6, y + 17, _n(value)))
    description = "; ".join(f"{row[0]}: {_n(row[-1])}" for row in rows)
    return _svg(width, height, table.title, body, description)


def _timeline(table: Table, width: int, height: int | None) -> str:
    """Months along, a column per month stacked by type, the election days as red lines."""
    height = height or 400
    series = table.columns[1:-1]
    per_row = 3 if width >= 560 else 2
    legend_rows = (len(series) + per_row - 1) // per_row
    left, right, top = 56, 16, 40
    bottom = 58 + 18 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom
    months = table.months
    count = len(table.rows)
    top_value = _nice_max(max(row[-1] for row in table.rows))
    scale = plot_h / top_value
    step = plot_w / count
    base_y = top + plot_h
    body = [_text(16, 24, table.title, size=15, weight="bold")]
    for tick in _ticks(top_value):
        y = base_y - tick * scale
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(left - 6, y + 4, _n(tick), size=11, anchor="end"))
    for i, row in enumerate(table.rows):
        x, y = left + i * step, base_y
        for j, value in enumerate(row[1:-1]):
            if value:
                h = value * scale
                y -= h
                body.append(f'<rect x="{x + step * 0.1:.1f}" y="{y:.1f}" width="{max(step * 0.8, 1):.1f}" height="{h:.1f}" '
                            f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(str(row[0]))}, {escape(series[j])}: {escape(_n(value))}</title></rect>')
    # Month labels: as many as fit, always the first and the last; "03.2018", the short month form of the
    # incident dates ({% incident_date %}), read alike in every language (a month's name would not fit).
    every = max(1, int(70 // step) + 1)
    for i in range(count):
        if i % every == 0 or i == count - 1 and (count - 1) % every >= every * 0.8:
            body.append(_text(left + (i + 0.5) * step, base_y + 16, months[i].strftime("%m.%Y"), size=10, anchor="middle"))
    for day, label in table.marks:
        index = (day.year - months[0].year) * 12 + day.month - months[0].month
        x = left + (index + (day.day - 0.5) / 31) * step
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{base_y}" stroke="{MARK}" stroke-width="1.5" stroke-dasharray="4 3">'
                    f"<title>{escape(label)} ({escape(formats.date_format(day, 'SHORT_DATE_FORMAT'))})</title></line>")
        label = _clip(label, 40)
        # The name to the right of its line, or to the left where it would run off the picture.
        fits = x + 3 + 6 * len(label) <= width - right
        body.append(_text(x + 3 if fits else x - 3, top + 8, label, size=10, fill=MARK, anchor="start" if fits else "end"))
    legend_y = base_y + 36
    column_w = plot_w / per_row
    for j, name in enumerate(series):
        x = left + (j % per_row) * column_w
        y = legend_y + (j // per_row) * 18
        body.append(f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>')
        body.append(_text(x + 18, y, _clip(name, int(column_w // 7) - 3), size=11))
    description = "; ".join(f"{row[0]}: {_n(row[-1])}" for row in table.rows if row[-1])
    return _svg(width, height, table.title, body, description)


def svg(table: Table, *, width: int = 720, height: int | None = None) -> str:
    """The table drawn as an SVG document (a ``<title>`` names it; a ``<desc>`` lists its numbers).
    An empty table gives a picture that says what is missing, never an error."""
    if not table.rows or not any(row[-1] for row in table.rows):
        return _empty(table, width, height or 120)
    if table.kind == "timeline":
        return _timeline(table, width, height)
    return _bars(table, width, height)
