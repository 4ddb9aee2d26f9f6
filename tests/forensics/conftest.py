"""Shared fixtures of the forensics tests: the shipped result files, parsed once per session, and
small synthetic results files. Fixture names say what they hold, so that the test modules of the
several parts of the app can share this file without clashing."""

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from svidok.forensics.parsing import read_results
from svidok.incidents.services import record_election

ELECTIONS_DIR = Path(__file__).resolve().parents[2] / "data" / "elections"
FILE_2018 = ELECTIONS_DIR / "2018.csv.zip"
FILE_2016 = ELECTIONS_DIR / "2016.csv.zip"
CRIMEA = "Республика Крым"
SEVASTOPOL = "город Севастополь"

# A minimal results file in the wording of the CEC's 2018 export: the required protocol lines,
# two candidates. SYNTHETIC_ROW is a clean precinct: 650 of 1000 voters, 10 invalid, 640 valid.
SYNTHETIC_HEADER = [
    "region", "tik", "uik",
    "Число избирателей, включенных в список избирателей",
    "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
    "Число избирательных бюллетеней в переносных ящиках для голосования",
    "Число бюллетеней в стационарных ящиках для голосования",
    "Число недействительных избирательных бюллетеней",
    "Число действительных избирательных бюллетеней",
    "Иванов Иван Иванович",
    "Петров Пётр Петрович",
]
SYNTHETIC_ROW = ["Область А", "1 Первая", "1", 1000, 0, 600, 50, 50, 600, 10, 640, 400, 240]


def csv_text(rows, *, header=SYNTHETIC_HEADER, delimiter=",") -> str:
    """CSV text of ``header`` and ``rows``, quoting cells that hold the delimiter or a comma."""

    def cell(value):
        text = str(value)
        if "," in text or delimiter in text or '"' in text or "\n" in text:
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(delimiter.join(cell(c) for c in row) + "\n" for row in [header, *rows])


def synthetic_row(**changes) -> list:
    """SYNTHETIC_ROW with some cells changed, by position name (see SYNTHETIC_HEADER)."""
    names = ["region", "tik", "uik", "registered", "issued_early", "issued_station", "issued_outside",
             "portable_box", "stationary_box", "invalid", "valid", "ivanov", "petrov"]
    row = list(SYNTHETIC_ROW)
    for name, value in changes.items():
        row[names.index(name)] = value
    return row


@pytest.fixture
def results_csv_file(tmp_path):
    """Write a synthetic results file: ``results_csv_file(rows, header=..., delimiter=..., encoding=...)``."""

    def write(rows, *, header=SYNTHETIC_HEADER, delimiter=",", encoding="utf-8", name="results.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(csv_text(rows, header=header, delimiter=delimiter).encode(encoding))
        return path

    return write


@pytest.fixture(scope="session")
def parsed_2018_file():
    """data/elections/2018.csv.zip, read once per session (about 2 s). Do not modify."""
    return read_results(FILE_2018)


@pytest.fixture(scope="session")
def parsed_2016_file():
    """data/elections/2016.csv.zip, read once per session (about 2 s). Do not modify."""
    return read_results(FILE_2016)


@pytest.fixture(scope="session")
def precincts_2018_file(parsed_2018_file):
    return parsed_2018_file.to_precincts()


@pytest.fixture(scope="session")
def crimea_2018_csv_bytes():
    """The 2018 file cut down to its header and the rows of Crimea and Sevastopol (1,388 precincts):
    quick to import, and the published Crimea figures still hold for it."""
    with zipfile.ZipFile(FILE_2018) as archive:
        text = archive.read("2018.csv").decode("utf-8")
    lines = text.splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if line.startswith((CRIMEA + ",", SEVASTOPOL + ","))]
    return "".join(kept).encode("utf-8")


@pytest.fixture
def forensics_election(coordinator):
    return record_election(actor=coordinator, fields={"name": "Presidential election 2018", "date": dt.date(2018, 3, 18),
                                                      "kind": "presidential"})
