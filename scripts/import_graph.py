#!/usr/bin/env python3
"""The apps' import graph, drawn from the code (grimp, the library behind lint-imports).

    scripts/import_graph.py            print the Mermaid diagram
    scripts/import_graph.py --write    replace the diagram in docs/architecture.md (between its markers)

An arrow A --> B means modules of app A import modules of app B; the label counts the importing
modules. The layers contract in pyproject.toml keeps every arrow pointing down.
"""

import sys
from collections import Counter
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- import-graph:begin (scripts/import_graph.py --write) -->", "<!-- import-graph:end -->"
# Bottom to top, as the layers contract lists them top to bottom.
LAYERS = ["common", "audit", "accounts", "search", "names", "people", "incidents", "sanctions", "forensics", "evidence", "ingest", "work", "reports", "public", "backup"]


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def edges() -> Counter:
    graph = grimp.build_graph("svidok", cache_dir=None)
    counts: Counter = Counter()
    for module in graph.modules:
        source = app_of(module)
        if source is None:
            continue
        targets = {app_of(m) for m in graph.find_modules_directly_imported_by(module)}
        for target in targets - {None, source}:
            counts[(source, target)] += 1
    return counts


def mermaid() -> str:
    lines = ["```mermaid", "flowchart TD"]
    for app in reversed(LAYERS):
        lines.append(f"    {app}")
    for (source, target), count in sorted(edges().items(), key=lambda e: (-LAYERS.index(e[0][0]), -LAYERS.index(e[0][1]))):
        lines.append(f"    {source} -->|{count}| {target}")
    lines.append("```")
    return "\n".join(lines)


def main() -> None:
    diagram = mermaid()
    if "--write" not in sys.argv:
        print(diagram)
        return
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + diagram + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
