"""Places and dates on the news development set: how often the labelled place and date come out.

    python bench/news_places_dates.py [DIR] [--verbose]

``DIR`` defaults to ``../shared/data/news`` (read at run time, never copied). For every labelled
incident:

- **place**: the labelled place is the most specific part of its ``normalized`` form that the
  gazetteer knows ("Kerch, Crimea" → Kerch; "Kirovske district, Crimea" → Crimea, the gazetteer
  having no pre-2020 raions); it is found when ``best_place(find(quote))`` has its code (on the
  quote), or when any place ``find`` reports in the whole article has it (on the article); the
  region rate asks only for the right region.
- **place from quote or context**: the quote's place, else ``Gazetteer.context_place`` (the most
  specific place named earlier in the quote's paragraph, else the article's most named region).
- **date**: ``incident_date(find_dates(quote), published, article_mentions=find_dates(article))``
  equals the labelled date (exact), or one is a prefix of the other (compatible: "2018-03" for
  "2018-03-17").

Also times ``Gazetteer.load()`` (wall) and ``find`` / ``find_dates`` per sentence (CPU time, after
dateparser's one-off loading).
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from svidok.ingest.extraction.dates import election_days, find_dates, incident_date  # noqa: E402
from svidok.ingest.extraction.places import Gazetteer, best_place  # noqa: E402

# ``../shared`` beside the clone; a worktree under ``wt/NAME`` looks two levels up.
_REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = next((d for d in (_REPO.parent / "shared/data/news", _REPO.parents[1] / "shared/data/news") if d.is_dir()),
                   _REPO.parent / "shared/data/news")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def sentences(text: str):
    for m in _SENTENCE.finditer(text):
        if m.group().strip():
            yield m.start(), m.group()


def labelled_place(gazetteer: Gazetteer, normalized: str):
    """The most specific part of a label's normalized place that the gazetteer resolves."""
    parts = [re.sub(r"\(.*?\)|left-bank", "", p).strip() for p in normalized.split(",")]
    found = []
    for part in filter(None, parts):
        mentions = [m for m in gazetteer.find(part[:1].upper() + part[1:], 0, "en") if m.code]
        # "Kirovske district" is a pre-2020 raion the gazetteer lacks: its village namesake is not it.
        if "district" in part:
            mentions = [m for m in mentions if m.level == "raion"]
        found.extend(mentions)
    return best_place(found)


def run(directory: Path, verbose: bool = False) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    gazetteer = Gazetteer.load()
    load_seconds, load_cpu = time.perf_counter() - started, time.process_time() - cpu
    days = election_days()
    # dateparser loads its language data on first use (a one-off, like the gazetteer): not per sentence.
    for language in ("uk", "ru", "en"):
        find_dates("5 March 2018, 5 марта 2018, 5 березня 2018", 0, language, published=dt.date(2018, 3, 20), election_days=days)
    index = {json.loads(line)["file"]: json.loads(line) for line in open(directory / "index.jsonl", encoding="utf-8")}
    counts = {"incidents": 0, "place_context": 0, "written": 0, "place_written": 0, "place_quote": 0, "place_article": 0, "region_quote": 0, "date_exact": 0,
              "date_compatible": 0, "no_target": 0}
    per_language: dict[str, dict[str, int]] = {}
    find_times, date_times, n_sentences = 0.0, 0.0, 0
    for line in open(directory / "labels.jsonl", encoding="utf-8"):
        item = json.loads(line)
        meta = index[item["file"]]
        language = meta["language"]
        published = dt.date.fromisoformat(meta["published"]) if meta.get("published") else None
        text = (directory / item["file"]).read_text(encoding="utf-8")
        article_places, article_dates = [], []
        for start, sentence in sentences(text):
            # CPU time, not wall time: the machine is shared.
            t0 = time.process_time()
            article_places.extend(gazetteer.find(sentence, start, language))
            t1 = time.process_time()
            article_dates.extend(find_dates(sentence, start, language, published=published, election_days=days))
            find_times += t1 - t0
            date_times += time.process_time() - t1
            n_sentences += 1
        article_codes = {m.code for m in article_places}
        lang = per_language.setdefault(language, {"incidents": 0, "place_quote": 0, "date_compatible": 0})
        for incident in item["incidents"]:
            counts["incidents"] += 1
            lang["incidents"] += 1
            quote = incident["evidence_quote"]
            target = labelled_place(gazetteer, incident["place"]["normalized"])
            found = best_place(gazetteer.find(quote, 0, language))
            if target is None:
                counts["no_target"] += 1
            hit = bool(target and found and found.code == target.code)
            # An institution stands for its town ("Crimean Federal University, Simferopol").
            counts["place_quote"] += hit
            lang["place_quote"] += hit
            counts["place_article"] += bool(target and target.code in article_codes)
            # The quote's place, else the article's context (Gazetteer.context_place).
            position = text.find(quote)
            chosen = found
            if chosen is None and position >= 0:
                chosen = gazetteer.context_place(article_places, position, paragraph_start=text.rfind("\n\n", 0, position) + 1)
            counts["place_context"] += bool(target and chosen and chosen.code == target.code)
            # Most quotes do not name the place (the article does, earlier): the rate over the
            # quotes that contain the label's place as written says how well find() reads them.
            written = re.sub(r"^the\s+", "", incident["place"]["as_written"], flags=re.I)
            if written.lower() in quote.lower():
                counts["written"] += 1
                counts["place_written"] += hit
            counts["region_quote"] += bool(target and found and found.region == target.region)
            value, _precision = incident_date(find_dates(quote, 0, language, published=published, election_days=days),
                                              published=published, election_days=days, article_mentions=article_dates)
            label = incident["date"]
            exact = value == label
            compatible = bool(value and label and (value.startswith(label) or label.startswith(value)))
            counts["date_exact"] += exact
            counts["date_compatible"] += compatible
            lang["date_compatible"] += compatible
            if verbose:
                print(f"{item['file']} {language} place: {incident['place']['normalized']!r} → target "
                      f"{target.name if target else None}; quote gave {found.name if found else None}"
                      f" ({'ok' if hit else 'miss'}), with context {chosen.name if chosen else None} | date: label {label}, got {value} ({'ok' if exact else 'compatible' if compatible else 'miss'})")
    n = counts["incidents"]
    return {
        "incidents": n,
        "place_from_quote": round(counts["place_quote"] / n, 3),
        "place_in_article": round(counts["place_article"] / n, 3),
        "place_from_quote_or_context": round(counts["place_context"] / n, 3),
        "region_from_quote": round(counts["region_quote"] / n, 3),
        "quotes_naming_the_place": counts["written"],
        "place_from_quotes_naming_it": round(counts["place_written"] / max(1, counts["written"]), 3),
        "labels_without_gazetteer_place": counts["no_target"],
        "date_exact": round(counts["date_exact"] / n, 3),
        "date_compatible": round(counts["date_compatible"] / n, 3),
        "per_language": {k: {"incidents": v["incidents"], "place_from_quote": round(v["place_quote"] / v["incidents"], 3),
                             "date_compatible": round(v["date_compatible"] / v["incidents"], 3)}
                         for k, v in sorted(per_language.items()) if v["incidents"]},
        "gazetteer_load_seconds": round(load_seconds, 2),
        "gazetteer_load_cpu_seconds": round(load_cpu, 2),
        "sentences": n_sentences,
        "find_ms_per_sentence": round(1000 * find_times / n_sentences, 3),
        "find_dates_ms_per_sentence": round(1000 * date_times / n_sentences, 3),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=str(DEFAULT_DIR))
    parser.add_argument("--verbose", action="store_true", help="one line per labelled incident")
    args = parser.parse_args(argv)
    print(json.dumps(run(Path(args.directory), verbose=args.verbose), indent=2))


if __name__ == "__main__":
    main()
