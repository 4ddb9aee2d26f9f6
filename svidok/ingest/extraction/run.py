"""Extraction over files: what ``svidok news extract`` and ``svidok news eval`` do (docs/news.md).

Models are loaded once (``load_resources``) for every file; each file is read by ``reading`` (its
``index.jsonl`` row, when one lies beside it, gives the publication date and outlet), extracted,
and turned into one JSON object. A file that cannot be read gives an object with an ``error`` and
the others go on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from svidok.ingest import reading
from svidok.ingest.extraction import evaluation, pipeline


def load_resources() -> pipeline.Resources:
    return pipeline.Resources.load()


def _indexes():
    cache: dict[Path, dict] = {}

    def row(path: Path) -> dict | None:
        directory = path.parent
        if directory not in cache:
            try:
                cache[directory] = reading.read_index(directory)
            except reading.ReadError:
                cache[directory] = {}
        return cache[directory].get(path.name)

    return row


def read_for_extraction(path: Path, meta: dict | None, *, language: str | None = None,
                        published: dt.date | None = None) -> reading.ReadArticle:
    if language:
        # The reader was told the language: the index's or the detector's word does not refuse the file.
        meta = {**(meta or {}), "language": None}
    read = reading.read_article(path, meta)
    changes = {}
    if language:
        changes["language"] = language
    if published:
        changes["published"] = published
    return dataclasses.replace(read, **changes) if changes else read


def extract_files(paths: Iterable[Path], resources: pipeline.Resources, *, language: str | None = None,
                  published: dt.date | None = None) -> Iterator[dict]:
    index_row = _indexes()
    for path in paths:
        try:
            read = read_for_extraction(path, index_row(path), language=language, published=published)
        except reading.ReadError as error:
            yield {"file": path.name, "error": str(error), "incidents": []}
            continue
        if read.language not in reading.LANGUAGES:
            yield {"file": path.name, "language": read.language, "published": _iso(read.published), "incidents": [],
                   "error": "extraction reads Ukrainian, Russian and English; this article is stored, not extracted."}
            continue
        proposals = pipeline.extract(_article(read), resources)
        yield {"file": path.name, "language": read.language, "published": _iso(read.published),
               "outlet": read.outlet or None, "incidents": [p.as_json() for p in proposals]}


def _article(read: reading.ReadArticle) -> pipeline.Article:
    return pipeline.Article(text=read.text, language=read.language, published=read.published,
                            outlet=read.outlet, title=read.title)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def evaluate_directory(directory: Path, resources: pipeline.Resources) -> evaluation.Report:
    labels = evaluation.read_labels(directory)
    index_row = _indexes()
    report = evaluation.Report()
    for name in sorted(labels):
        path = directory / name
        try:
            read = read_for_extraction(path, index_row(path))
        except reading.ReadError as error:
            raise evaluation.EvalError(f"{name}: {error}") from None
        proposals = [p.as_json() for p in pipeline.extract(_article(read), resources)]
        evaluation.score_article(report, name=name, language=read.language, text=read.text,
                                 labels=labels[name], proposals=proposals, gazetteer=resources.gazetteer)
    return report


def report_figures(report: evaluation.Report) -> dict:
    figures = {language: tally.figures() for language, tally in sorted(report.by_language.items())}
    figures["all"] = report.total().figures()
    return figures


def report_table(figures: dict) -> str:
    def pct(value):
        return "—" if value is None else f"{value:.2f}"

    lines = ["| language | articles | labelled | proposed | precision | recall | F1 | F1 without type | place | date |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for language, f in figures.items():
        lines.append(f"| {language} | {f['articles']} | {f['labelled']} | {f['proposed']} | {pct(f['precision'])} | "
                     f"{pct(f['recall'])} | **{pct(f['f1'])}** | {pct(f['f1_untyped'])} | {pct(f['place_accuracy'])} | "
                     f"{pct(f['date_accuracy'])} |")
    return "\n".join(lines)
