"""Sections of bench/RESULTS.md written by the separate benchmarks (forensics, matching, duplicates, audit).

Each writes its own part between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``; bench/run.py
rewrites the rest of the file and keeps these parts.
"""

from pathlib import Path

PARTS = ("forensics", "forensics-votes", "forensics-pages", "matching", "given-names", "duplicates", "suite", "audit", "evidence-ingest",
         "evidence-bundle", "news", "open-data", "public-portal", "periodic-report", "load-sqlite", "load-postgresql", "first-match")


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(path: Path, name: str, text: str) -> None:
    """Replace the ``name`` section of ``path`` (or add it before the Notes, or at the end)."""
    start, end = markers(name)
    section = f"{start}\n{text.rstrip()}\n{end}\n"
    old = path.read_text() if path.exists() else ""
    if start in old and end in old:
        new = old[: old.index(start)] + section + old[old.index(end) + len(end) + 1:]
    elif "\n## Notes" in old:
        i = old.index("\n## Notes") + 1
        new = old[:i] + section + "\n" + old[i:]
    else:
        new = old + ("\n" if old else "") + section
    path.write_text(new)
