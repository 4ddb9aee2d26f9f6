"""The design notes say what the code does: the import graph in docs/architecture.md is the code's."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_graph():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_architecture_import_graph_is_the_code_s():
    graph = _import_graph()
    text = graph.DOC.read_text(encoding="utf-8")
    shown = text[text.index(graph.BEGIN) + len(graph.BEGIN):text.index(graph.END)].strip()

    assert shown == graph.mermaid()


def test_import_graph_arrows_point_down_the_layers():
    graph = _import_graph()

    upward = [(a, b) for (a, b) in graph.edges() if graph.LAYERS.index(a) <= graph.LAYERS.index(b)]

    assert upward == []
