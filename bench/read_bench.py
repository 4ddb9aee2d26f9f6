"""Read benchmark: the incident list with two filters and the transliteration search, at scale.

Each case calls the code the web UI runs (``visible_incidents`` → ``filter_incidents`` →
``views.list_page``, or ``search.api.search``), records the SQL
it sends, and times the same statements with the bare DB-API cursor. ORM and bare runs alternate,
so both see the same cache state; parameters rotate so no case is one repeated query.

Every case runs twice on the same database: "before", with the query shapes of commit 7ffac52
and the incident table's indexes as they were before migrations incidents 0009 and 0010 swapped in
(``bench/read_before.py``), and "after", with today's;
the bench checks that both give the same page and count for every parameter set.
"""

import fcntl
import json
import os
import statistics
import time
from pathlib import Path

from bench import generate, read_before

# Query words for the search cases: a surname in Cyrillic and Latin, Crimean Tatar Latin and
# Cyrillic, a Russian name in Latin, a town in four spellings. All must find the same records
# whatever the spelling; the bench checks that the spellings of one name return the same ids.
SEARCH_QUERIES = ["Шевченко", "Shevchenko", "Seitumerov", "Сеитумеров", "Ivanov", "Бахчисарай", "Bakhchysarai",
                  "Bağçasaray", "Bakhchisaray", "Ленур Асанов"]
# Two letters: the prefix of thousands of keys and up to a million entries ("Се": 1,781 keys).
SHORT_QUERIES = ["Ше", "Ка", "Ив", "Ме", "Ас", "Се"]
SPELLING_GROUPS = [("Шевченко", "Shevchenko"), ("Seitumerov", "Сеитумеров"),
                   ("Бахчисарай", "Bakhchysarai", "Bağçasaray", "Bakhchisaray")]


def _pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Capture:
    """Record (sql, params) of every statement sent through Django's connection."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        self.queries.append((sql, params))
        return execute(sql, params, many, context)


def _bare_runner(connection):
    raw = connection.connection
    if connection.vendor == "sqlite":
        from django.db.backends.sqlite3.base import SQLiteCursorWrapper

        convert = SQLiteCursorWrapper.convert_query

        def run(queries):
            cursor = raw.cursor()
            for sql, params in queries:
                cursor.execute(convert(None, sql), params or ())
                cursor.fetchall()
            cursor.close()
    else:
        def run(queries):
            with raw.cursor() as cursor:
                for sql, params in queries:
                    cursor.execute(sql, params)
                    cursor.fetchall()
    return run


def measure(name: str, fn, param_sets, reps: int, log) -> dict:
    """Time ``fn(params)`` and the bare SQL it sends, alternating, ``reps`` times each."""
    from django.db import connection

    connection.ensure_connection()
    bare = _bare_runner(connection)
    captured = {}
    outcome = {}
    for i, params in enumerate(param_sets):
        capture = Capture()
        with connection.execute_wrapper(capture):
            outcome[i] = fn(params)
        captured[i] = capture.queries
        bare(capture.queries)  # warm the bare path the same way
    orm_ms, bare_ms = [], []
    for rep in range(reps):
        i = rep % len(param_sets)
        t0 = time.perf_counter()
        fn(param_sets[i])
        t1 = time.perf_counter()
        bare(captured[i])
        t2 = time.perf_counter()
        orm_ms.append((t1 - t0) * 1000)
        bare_ms.append((t2 - t1) * 1000)
    result = {
        "case": name, "reps": reps, "param_sets": len(param_sets),
        "queries": statistics.median(len(q) for q in captured.values()),
        "orm_p50": _pct(orm_ms, 50), "orm_p95": _pct(orm_ms, 95),
        "bare_p50": _pct(bare_ms, 50), "bare_p95": _pct(bare_ms, 95),
        "rows": statistics.median(outcome.values()) if all(isinstance(v, int) for v in outcome.values()) else None,
        "sql_example": [sql for sql, _params in captured[0]],
    }
    result["ratio_p50"] = result["orm_p50"] / result["bare_p50"] if result["bare_p50"] else None
    result["ratio_p95"] = result["orm_p95"] / result["bare_p95"] if result["bare_p95"] else None
    log(f"  {name}: ORM p50 {result['orm_p50']:.1f} ms p95 {result['orm_p95']:.1f} ms | bare p50 {result['bare_p50']:.1f} ms "
        f"p95 {result['bare_p95']:.1f} ms | ×{result['ratio_p50']:.2f} (p50) | {result['queries']} queries")
    return result


def _fixture_info() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "read-fixture.json"


def _reuse_fixture(n: int, log) -> dict | None:
    """The fixture a previous run loaded into this database (``bench/run.py --keep``), when it holds
    exactly ``n`` incidents; None means load one. Anything else in the database refuses the run."""
    from svidok.incidents.models import Incident

    held = Incident.objects.count()
    info = _fixture_info()
    if held == 0:
        return None
    if held != n or not info.exists():
        raise SystemExit(f"the kept database holds {held:,} incidents, not a read fixture of {n:,}: remove it or keep elsewhere")
    fixture = json.loads(info.read_text())
    fixture["reused"] = True
    log(f"read benchmark: reusing the fixture of {n:,} incidents loaded earlier ({fixture['seconds']} s then)")
    return fixture


def run(n: int, *, reps: int, log) -> dict:
    from django.test import RequestFactory

    from svidok.accounts.models import Role, User
    from svidok.incidents import views
    from svidok.incidents.models import Incident, Place
    from svidok.incidents.queries import filter_incidents, visible_incidents
    from svidok.search.api import matching_ids, search

    fixture = _reuse_fixture(n, log)
    if fixture is None:
        log(f"read benchmark: loading {n:,} incidents")
        fixture = generate.load_read_fixture(n, log=log)
        log(f"  loaded in {fixture['seconds']} s ({fixture['places']} places)")
        _fixture_info().write_text(json.dumps(fixture))
    lock_path = os.environ.get("SVIDOK_BENCH_READ_LOCK")
    if lock_path:
        # Load outside the benchmark lock, time inside it: the fixture of one database can be loaded
        # while another benchmark times, and nothing is timed while another benchmark holds the lock.
        lock = open(lock_path, "a")  # noqa: SIM115 (held until the process ends)
        log(f"  waiting for {lock_path}")
        fcntl.flock(lock, fcntl.LOCK_EX)
        log(f"  {lock_path} taken; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    analyst, _ = User.objects.get_or_create(username="bench-analyst", defaults={"role": Role.ANALYST})
    coordinator, _ = User.objects.get_or_create(username="bench-coordinator", defaults={"role": Role.COORDINATOR})
    request = RequestFactory().get("/incidents/")

    def list_page(user, params, ids=False):
        queryset, cleaned = filter_incidents(visible_incidents(user), params, match_text=False)
        # Looked up on the module at each call: read_before swaps the old page query in.
        page = views.list_page(request, queryset, cleaned.get("q", ""), params.get("sort"))
        rows = list(page.object_list)
        if ids:
            # A text's count stops at TEXT_COUNT_CAP + 1 now (10,001 before): compared up to there.
            count = min(page.paginator.count, views.TEXT_COUNT_CAP + 1) if "q" in cleaned else page.paginator.count
            return count, [row.pk for row in rows]
        return page.paginator.count if rows or page.paginator.count == 0 else -1

    def search_all(q, ids=False):
        found = search(analyst, q)
        return {k: [r.pk for r in v] for k, v in found.items()} if ids else sum(len(v) for v in found.values())

    # The raions with most incidents first: a filter that selects something is the realistic one.
    raions = list(
        Place.objects.filter(category="P").order_by("code").values_list("code", flat=True)
    )
    years = list(range(2014, 2025))
    types = ["dismissal", "threat_of_dismissal", "forced_voting", "intimidation", "coerced_election_work", "detention"]
    type_date = [{"type": types[i % len(types)], "date_from": f"{years[i % len(years)]}-01-01",
                  "date_to": f"{years[i % len(years)]}-12-31"} for i in range(12)]
    statuses = ["verified", "submitted", "rejected"]
    status_raion = [{"status": statuses[i % 3], "place": raions[i % len(raions)]} for i in range(max(6, min(12, len(raions))))]
    text_filter = [{"q": q, "status": "verified"} for q in SEARCH_QUERIES]
    short_filter = [{"q": q, "status": "verified"} for q in SHORT_QUERIES]

    # (name, function, parameter sets, repetitions before): the two-letter cases took seconds each
    # before, so they repeat each parameter set twice there.
    specs = [
        ("list: type + date range (analyst)", lambda p, ids=False: list_page(analyst, p, ids), type_date, reps),
        ("list: status + raion (analyst)", lambda p, ids=False: list_page(analyst, p, ids), status_raion, reps),
        ("list: no filter, newest first (coordinator)", lambda p, ids=False: list_page(coordinator, p, ids), [{}], reps),
        ("list: text + status (analyst)", lambda p, ids=False: list_page(analyst, p, ids), text_filter, reps),
        ("list: two-letter text + status (analyst)", lambda p, ids=False: list_page(analyst, p, ids), short_filter,
         min(reps, 2 * len(short_filter))),
        ("search: all types, 20 each (analyst)", search_all, SEARCH_QUERIES, reps),
        ("search: two-letter words (analyst)", search_all, SHORT_QUERIES, min(reps, 2 * len(SHORT_QUERIES))),
    ]
    # Every "before" first, on the old indexes, then every "after" on today's: switching the indexes
    # of a million rows takes minutes, so it happens twice, not once per case.
    befores = []
    with read_before.shapes(), read_before.indexes(log):
        for name, fn, param_sets, before_reps in specs:
            before = measure(name + " [before]", fn, param_sets, before_reps, log)
            befores.append((before, [fn(p, ids=True) for p in param_sets]))
    cases = []
    for (name, fn, param_sets, _before_reps), (before, before_ids) in zip(specs, befores, strict=True):
        after = measure(name, fn, param_sets, reps, log)
        after_ids = [fn(p, ids=True) for p in param_sets]
        after["before"] = before
        after["same_results"] = before_ids == after_ids
        log(f"    same results before and after: {after['same_results']}")
        cases.append(after)
    spellings = {}
    for group in SPELLING_GROUPS:
        found = [sorted(matching_ids("incident", q).values_list("object_id", flat=True)[:100000]) for q in group]
        spellings[" / ".join(group)] = {"same_ids": all(f == found[0] for f in found), "incidents": len(found[0])}
    return {"fixture": fixture, "incidents_in_db": Incident.objects.count(), "cases": cases, "spellings": spellings}
