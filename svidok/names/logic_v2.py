"""nomenklatura's ``logic-v2`` (the OpenSanctions scorer) on the candidates of our index.

nomenklatura is a development and benchmark dependency, not a runtime one: it pulls duckdb,
scikit-learn and a terminal UI into production for an optional second opinion. :func:`available`
says whether it is installed; the index offers the algorithm only then."""

from __future__ import annotations

import importlib.util
import itertools

from svidok.names.shapes import Entry, Shape
from svidok.names.text import match_forms

NAME = "logic-v2"
LOGIC_V2_THRESHOLD = 0.7  # OpenSanctions' default for logic-v2 (yente SCORE_THRESHOLD)



def available() -> bool:
    """Whether nomenklatura is installed (it is in the dev and bench set, not in production)."""
    try:
        return importlib.util.find_spec("nomenklatura") is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules
        return False


_LOGIC_V2 = {}
_ids = itertools.count()


def _logic_v2():
    if not _LOGIC_V2:
        from nomenklatura.matching import get_algorithm

        algorithm = get_algorithm("logic-v2")
        _LOGIC_V2["algorithm"] = algorithm
        _LOGIC_V2["config"] = algorithm.default_config()
    return _LOGIC_V2["algorithm"], _LOGIC_V2["config"]


def ftm_proxy(schema: str, names: list[str], birth_dates=(), properties: dict | None = None):
    from followthemoney import model

    proxy = model.make_entity(schema if model.get(schema) else "LegalEntity")
    # A fresh id each time: nomenklatura caches per entity id.
    proxy.id = f"q{next(_ids)}"
    for prop, values in (properties or {}).items():
        if prop in proxy.schema.properties:
            proxy.add(prop, values, quiet=True)
    proxy.add("name", names, quiet=True)
    if birth_dates and "birthDate" in proxy.schema.properties:
        proxy.add("birthDate", list(birth_dates), quiet=True)
    return proxy


def entry_proxy(entry: Entry, dates: tuple[str, ...]):
    props = {k: v for k, v in entry.properties.items() if k != "birthDate"}
    return ftm_proxy(entry.schema, entry.names, dates, props)


def logic_v2_compare(query, candidate) -> tuple[float, dict, dict]:
    algorithm, config = _logic_v2()
    result = algorithm.compare(query, candidate, config)
    explanations = {name: {"score": round(f.score, 4), "detail": f.detail, "query": f.query, "candidate": f.candidate}
                    for name, f in result.explanations.items()}
    features = {name: round(f["score"], 4) for name, f in explanations.items() if f["score"]}
    return round(float(result.score), 4), explanations, features


def logic_v2_score(name: str, shapes: tuple[Shape, ...], birth_date: str | None, entry: Entry,
                   dates: tuple[str, ...]) -> tuple[float, dict, dict]:
    """logic-v2 on one candidate; the query carries its name as written and its normalized forms
    (lemma, romanizations), which logic-v2 cannot make itself."""
    query = ftm_proxy("Person" if entry.is_person else entry.schema, [name, *match_forms(shapes[0].source)],
                      (birth_date,) if birth_date else ())
    return logic_v2_compare(query, entry_proxy(entry, dates))
