"""Scoring extraction against a labelled directory (``svidok news eval``, docs/news.md).

The directory has the development set's format: ``NNN.txt`` articles, ``index.jsonl`` (language,
publication date, outlet) and ``labels.jsonl`` (per file, its incidents with an evidence quote).
A proposal finds a labelled incident when its quote overlaps the labelled quote in the article's
text (at least ``MIN_OVERLAP`` characters in common, or the whole of the shorter); proposals and
labels are paired one to one (a maximum matching), so one sentence proposed once cannot find two
labelled incidents, and two proposals cannot both count for one. With the type, a pair counts only
when the types agree too. Place and date accuracy are over the pairs found with the type.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from svidok.search.normalize import text_keys

MIN_OVERLAP = 20
# Names the labelled set uses for vocabulary codes.
LABEL_TYPES = {"fine_or_administrative_case": "administrative_case"}


class EvalError(ValueError):
    pass


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where a quote stands in the text: exactly, or (quotes retyped, spacing changed) the best
    alignment of at least 90% similarity."""
    quote = quote.strip()
    if not quote:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    alignment = fuzz.partial_ratio_alignment(quote, text, score_cutoff=90)
    if alignment is None:
        return None
    return alignment.dest_start, alignment.dest_end


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    common = min(a[1], b[1]) - max(a[0], b[0])
    return common >= min(MIN_OVERLAP, a[1] - a[0], b[1] - b[0]) and common > 0


def _matching(pairs: dict[int, list[int]]) -> dict[int, int]:
    """Maximum bipartite matching (Kuhn's augmenting paths): label index -> proposal index."""
    owner: dict[int, int] = {}

    def augment(label: int, seen: set[int]) -> bool:
        for proposal in pairs.get(label, ()):
            if proposal in seen:
                continue
            seen.add(proposal)
            if proposal not in owner or augment(owner[proposal], seen):
                owner[proposal] = label
                return True
        return False

    for label in pairs:
        augment(label, set())
    return {label: proposal for proposal, label in owner.items()}


def same_place(label_place: dict | None, predicted: dict | None, gazetteer=None) -> bool:
    """The labelled place (its normalized name's first part: "Kerch" of "Kerch, Crimea") is the
    predicted one: the gazetteer reads the label to the same code, or (without a gazetteer, or a
    label it cannot read) the names share a spelling."""
    if not label_place or not predicted:
        return not label_place and not predicted
    wanted = label_place.get("normalized") or label_place.get("as_written") or ""
    head = re.split(r"[,(]", wanted)[0].strip()
    if gazetteer is not None and predicted.get("code"):
        codes = {m.code for m in gazetteer.find(head, 0, "en" if head.isascii() else "") if m.code}
        if codes:
            return predicted["code"] in codes
    got = " ".join(filter(None, [predicted.get("name"), predicted.get("as_written")]))
    return bool(text_keys(head) & text_keys(got))


@dataclass
class Tally:
    labelled: int = 0
    proposed: int = 0
    found: int = 0          # with the type
    found_any: int = 0      # quote only
    place_right: int = 0
    date_right: int = 0
    articles: int = 0

    @staticmethod
    def _f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    def figures(self) -> dict:
        p = self.found / self.proposed if self.proposed else 0.0
        r = self.found / self.labelled if self.labelled else 0.0
        pa = self.found_any / self.proposed if self.proposed else 0.0
        ra = self.found_any / self.labelled if self.labelled else 0.0
        return {
            "articles": self.articles, "labelled": self.labelled, "proposed": self.proposed,
            "precision": round(p, 3), "recall": round(r, 3), "f1": round(self._f1(p, r), 3),
            "precision_untyped": round(pa, 3), "recall_untyped": round(ra, 3), "f1_untyped": round(self._f1(pa, ra), 3),
            "place_accuracy": round(self.place_right / self.found, 3) if self.found else None,
            "date_accuracy": round(self.date_right / self.found, 3) if self.found else None,
        }


@dataclass
class Report:
    by_language: dict[str, Tally] = field(default_factory=dict)
    details: list[dict] = field(default_factory=list)

    def total(self) -> Tally:
        total = Tally()
        for tally in self.by_language.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(tally, name))
        return total


def read_labels(directory: Path) -> dict[str, list[dict]]:
    path = directory / "labels.jsonl"
    if not path.is_file():
        raise EvalError(f"{directory}: no labels.jsonl")
    labels = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            labels[row["file"]] = list(row["incidents"])
        except (ValueError, KeyError, TypeError):
            raise EvalError(f"labels.jsonl line {number}: not an object with “file” and “incidents”") from None
    return labels


def score_article(report: Report, *, name: str, language: str, text: str, labels: list[dict], proposals: list[dict],
                  gazetteer=None) -> None:
    tally = report.by_language.setdefault(language, Tally())
    tally.articles += 1
    tally.labelled += len(labels)
    tally.proposed += len(proposals)
    label_spans = [locate(label.get("evidence_quote", ""), text) for label in labels]
    proposal_spans = [locate(p["evidence_quote"], text) for p in proposals]
    untyped, typed = {}, {}
    for i, (label, span) in enumerate(zip(labels, label_spans, strict=True)):
        if span is None:
            continue
        kind = LABEL_TYPES.get(label.get("type"), label.get("type"))
        for j, (proposal, pspan) in enumerate(zip(proposals, proposal_spans, strict=True)):
            if pspan is not None and overlaps(span, pspan):
                untyped.setdefault(i, []).append(j)
                if proposal["type"] == kind:
                    typed.setdefault(i, []).append(j)
    # Prefer, among proposals of the right type, the one naming the labelled place.
    for i, options in typed.items():
        options.sort(key=lambda j: not same_place(labels[i].get("place"), proposals[j].get("place"), gazetteer))
    found_any = _matching(untyped)
    found = _matching(typed)
    tally.found_any += len(found_any)
    tally.found += len(found)
    for i, j in found.items():
        label, proposal = labels[i], proposals[j]
        place_right = same_place(label.get("place"), proposal.get("place"), gazetteer)
        date_right = (label.get("date") or None) == (proposal.get("date") or None)
        tally.place_right += place_right
        tally.date_right += date_right
        if not (place_right and date_right):
            report.details.append({"file": name, "found": proposal["type"], "quote": proposal["evidence_quote"][:60],
                                   "place": None if place_right else [(label.get("place") or {}).get("normalized"),
                                                                      (proposal.get("place") or {}).get("name")],
                                   "date": None if date_right else [label.get("date"), proposal.get("date")]})
    for i, label in enumerate(labels):
        if i not in found:
            report.details.append({"file": name, "missed": label.get("type"), "quote": label.get("evidence_quote", "")[:90],
                                   "as": proposals[found_any[i]]["type"] if i in found_any else None})
    matched = set(found.values())
    for j, proposal in enumerate(proposals):
        if j not in matched:
            report.details.append({"file": name, "extra": proposal["type"], "quote": proposal["evidence_quote"][:90]})
