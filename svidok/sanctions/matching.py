"""Matching for the sanctions desk: a name against the registry or an imported reference list,
for a user (the registry's birth dates count only for those who may see identities)."""

from __future__ import annotations

import functools
import logging
import threading
import time

from svidok.accounts import rules
from svidok.names.index import ALGORITHM, CACHE, DEFAULT_LIMIT, MatchIndex, MatchResult
from svidok.names.index import result_json as _result_json
from svidok.names.shapes import Entry, MatchError, make_entry
from svidok.people.registry import REGISTRY, registry_index
from svidok.sanctions.models import ReferenceList

logger = logging.getLogger(__name__)


def entry_from_record(entity) -> Entry:
    """An entry for one entity of a reference list (a ``ReferenceEntity``, or a ``ParsedEntity``
    read from a file but not imported)."""
    props = entity.properties or {}
    return make_entry(
        id=entity.record_id, schema=entity.schema, caption=entity.caption, names=entity.names or [entity.caption],
        birth_dates=tuple(props.get("birthDate", [])), record_id=entity.record_id, properties=props,
        listed_since=entity.listed_since.isoformat() if entity.listed_since else None, program=entity.program,
    )


def list_entries(reference_list) -> list[Entry]:
    return [entry_from_record(e) for e in reference_list.entities.all().order_by("id").iterator(chunk_size=1000)]



def get_index(list_name: str | None = None) -> MatchIndex:
    """The index of the registry (``list_name`` None or ``"registry"``) or of a reference list,
    built once per process and rebuilt when the registry or the list changed since.
    ``LookupError`` for an unknown list."""
    if list_name in (None, "", REGISTRY):
        return registry_index()
    reference_list = ReferenceList.objects.filter(name=list_name).first()
    if reference_list is None:
        raise LookupError(list_name)
    state = (reference_list.pk, reference_list.sha256, reference_list.imported_at.isoformat(), reference_list.entity_count)
    return CACHE.get(f"list:{list_name}", state, functools.partial(list_entries, reference_list))


def match_for(actor, name: str, *, dataset: str | None = None, birth_date=None, limit: int = DEFAULT_LIMIT,
              threshold: float | None = None, algorithm: str = ALGORITHM, schema: str = "Person") -> MatchResult:
    """Match ``name`` for ``actor`` against the registry or the reference list ``dataset``. The
    registry's birth dates take part only for actors who may see identities (``person.identity``):
    for anybody else a birth date would be a way to test one. ``PermissionDenied``,
    ``LookupError`` (unknown list), ``MatchError``."""
    rules.require(actor, "person.match")
    index = get_index(dataset)
    use_birth_dates = dataset not in (None, "", REGISTRY) or rules.can(actor, "person.identity")
    return index.match(name, birth_date=birth_date, limit=limit, threshold=threshold, algorithm=algorithm,
                       persons=schema == "Person", use_birth_dates=use_birth_dates)


def match_many(actor, queries, *, dataset: str | None = None, limit: int = DEFAULT_LIMIT, threshold: float | None = None,
               algorithm: str = ALGORITHM, schema: str = "Person"):
    """:func:`match_for` for many ``(name, birth_date)`` at once: the permission checked and the index
    found once, when called (``PermissionDenied``, ``LookupError`` for an unknown list). Returns an
    iterator of a :class:`MatchResult` or the :class:`MatchError` of each query, in order."""
    rules.require(actor, "person.match")
    index = get_index(dataset)
    use_birth_dates = dataset not in (None, "", REGISTRY) or rules.can(actor, "person.identity")

    def each():
        for name, birth_date in queries:
            try:
                yield index.match(name, birth_date=birth_date, limit=limit, threshold=threshold, algorithm=algorithm,
                                  persons=schema == "Person", use_birth_dates=use_birth_dates)
            except MatchError as exc:
                yield exc

    return each()


def result_json(result: MatchResult, *, dataset: str | None = None) -> dict:
    """The command line's JSON (see :func:`svidok.names.index.result_json`)."""
    return _result_json(result, dataset=dataset or REGISTRY)


def warm() -> dict[str, float]:
    """Make the registry's index and every reference list's ready in this process (read from the
    store, or built and stored for the other processes). Seconds per index."""
    took = {}
    for name in [REGISTRY, *ReferenceList.objects.order_by("name").values_list("name", flat=True)]:
        started = time.perf_counter()
        try:
            get_index(name)
        except LookupError:  # deleted meanwhile
            continue
        took[name] = time.perf_counter() - started
    return took


def warm_in_background() -> threading.Thread:
    """:func:`warm` in a daemon thread, so that a server answers at once and the first name check
    of a new process finds its indexes ready. A failure is logged, never raised (the first match
    then builds the index as before)."""

    def run():
        from django.db import connections

        try:
            took = warm()
            logger.info("Matcher indexes ready: %d in %.1f s", len(took), sum(took.values()))
        except Exception:
            logger.warning("The matcher's indexes could not be prepared at start-up; the first match will.", exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="svidok-warm-matcher", daemon=True)
    thread.start()
    return thread
