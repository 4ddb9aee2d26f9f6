"""Hostile files, built in memory: the shapes the attack on the landed code used (issue 10).

Shared by the tests (small sizes, with limits lowered to match) and by ``bench/hostile_inputs.py``
(the sizes of the findings).
"""

import io
import zipfile

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="incidents" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>title</t></is></c><c r="B1" t="inlineStr"><is><t>type</t></is></c>'
               '<c r="C1" t="inlineStr"><is><t>date_start</t></is></c></row>')


def xlsx(sheet_xml: str) -> bytes:
    """A minimal workbook whose only sheet is ``sheet_xml``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def _sheet(rows: str, dimension: str | None) -> str:
    ref = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{ref}'
            f"<sheetData>{_HEADER_ROW}{rows}</sheetData></worksheet>")


def xlsx_declaring_rows(count: int) -> bytes:
    """A header, then ``count`` empty rows declared in the dimension and written as ``<row/>``."""
    rows = "".join(f'<row r="{n}"/>' for n in range(2, count + 2))
    return xlsx(_sheet(rows, f"A1:C{count + 1}"))


def xlsx_far_row(row: int) -> bytes:
    """No dimension, a header and one cell on row ``row``: openpyxl fills every row in between."""
    return xlsx(_sheet(f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>x</t></is></c></row>', None))


def xlsx_entity_bomb(levels: int = 10) -> bytes:
    """The "billion laughs": entities of entities, ten times ten deep, used in a cell."""
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, levels))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>'
             f"<!DOCTYPE worksheet [{entities}]>"
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             f'{_HEADER_ROW}<row r="2"><c r="A2" t="inlineStr"><is><t>&lol{levels - 1};</t></is></c></row>'
             "</sheetData></worksheet>")
    return xlsx(sheet)


def zip_of_zeros(unpacked: int, member: str = "results.csv") -> bytes:
    """A ZIP holding one member of ``unpacked`` zero bytes (deflate packs them about 1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(member, "w", force_zip64=True) as handle:
        chunk = b"0" * (1024 * 1024)
        left = unpacked
        while left > 0:
            handle.write(chunk[:left])
            left -= len(chunk)
    return out.getvalue()


def deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def long_number_json(digits: int) -> bytes:
    return b'[{"title": "x", "victim_count": ' + b"9" * digits + b"}]"
