#!/usr/bin/env python
"""Statistics at scale: the eight tables of the statistics page over N incidents, timed.

    SVIDOK_VAR_DIR=$(mktemp -d) .venv/bin/python bench/statistics_bench.py --n 100000
    scripts/with-postgres.sh .venv/bin/python bench/statistics_bench.py --n 100000

Runs on a fresh database (it migrates it): incidents, involvements with perpetrator types and
victims, and the audit entries of their verification are inserted in bulk (the services would take
an hour at this size; what is measured is reading), then ``statistics.compute`` runs over all of
them and over a filtered part, and each table alone, with the number of queries each asks.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")


def populate(n: int, seed: int = 2018) -> None:
    import json

    from django.conf import settings
    from django.utils import timezone

    from svidok.accounts.services import system_account
    from svidok.audit.models import AuditEntry
    from svidok.incidents.models import Election, Incident, Involvement, Place, Term
    from svidok.incidents.services import load_vocabularies
    from svidok.people.models import Organization

    rng = random.Random(seed)
    system = system_account()
    with open(settings.DATA_DIR / "vocabularies.json", encoding="utf-8") as handle:
        load_vocabularies(actor=system, data=json.load(handle))
    codes = iter(f"UA{i:017d}" for i in range(1, 10_000))
    regions = [Place.objects.create(code=next(codes), category="O", name_uk=f"Область {i}") for i in range(1, 4)]
    raions = [Place.objects.create(code=next(codes), category="P", name_uk=f"Район {r.pk}-{j}", region=r, parent=r)
              for r in regions for j in range(1, 6)]
    towns = [Place.objects.create(code=next(codes), category="M", name_uk=f"Місто {r.pk}-{k}", region_id=r.region_id, raion=r,
                                  parent=r) for r in raions for k in range(1, 21)]
    places = towns * 4 + raions + regions + [None] * 20
    for year in (2014, 2016, 2018, 2020, 2024):
        Election.objects.create(name=f"Vote {year}", date=dt.date(year, 3, 18))
    types = list(Term.objects.filter(vocabulary__code="incident_type"))
    kinds = list(Term.objects.filter(vocabulary__code="perpetrator_type"))
    perpetrator = Term.objects.get(vocabulary__code="involvement_role", code="perpetrator")
    victim = Term.objects.get(vocabulary__code="involvement_role", code="victim")
    orgs = [Organization.objects.create(name=f"Organization {i}", kind=rng.choice(kinds)) for i in range(40)]
    statuses = ["draft"] * 1 + ["submitted"] * 2 + ["verified"] * 6 + ["rejected"]
    now = timezone.now()
    batch = []
    for i in range(n):
        day = dt.date(2014, 1, 1) + dt.timedelta(days=rng.randrange(0, 11 * 365))
        place = rng.choice(places)
        batch.append(Incident(reference=f"SV-B-{i:07d}", title=f"Incident {i}", type=rng.choice(types), date_start=day,
                              place=place, status=rng.choice(statuses), sensitivity=rng.choice(["public", "internal", "internal", "restricted"])))
        if len(batch) == 5000:
            Incident.objects.bulk_create(batch)
            batch = []
    Incident.objects.bulk_create(batch)
    ids = list(Incident.objects.values_list("pk", "reference", "status"))
    created = now - dt.timedelta(days=400)
    Incident.objects.update(created_at=created)
    involvements, entries = [], []
    for pk, reference, status in ids:
        involvements.append(Involvement(incident_id=pk, organization=rng.choice(orgs), role=perpetrator, perpetrator_type=rng.choice(kinds)))
        if rng.random() < 0.5:
            involvements.append(Involvement(incident_id=pk, organization=rng.choice(orgs), role=victim))
        if status == "verified" and rng.random() < 0.9:
            entries.append(AuditEntry(created_at=created + dt.timedelta(hours=rng.expovariate(1 / 300)), actor_label="bench",
                                      action="status", object_type="incidents.incident", object_id=reference,
                                      changes={"status": ["submitted", "verified"]}, payload="{}"))
        if len(involvements) > 5000:
            Involvement.objects.bulk_create(involvements)
            involvements = []
        if len(entries) > 5000:
            AuditEntry.objects.bulk_create(entries)
            entries = []
    Involvement.objects.bulk_create(involvements)
    AuditEntry.objects.bulk_create(entries)


def timed(label: str, call) -> tuple:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = None
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            call()
            seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    print(f"| {connection.vendor} | {label} | {len(captured)} | {best:.3f} |", flush=True)
    return best, len(captured)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import translation

    from svidok.incidents.models import Incident
    from svidok.reports import statistics

    call_command("migrate", verbosity=0)
    if Incident.objects.exists():
        sys.exit("bench/statistics_bench.py needs an empty database (a fresh SVIDOK_VAR_DIR or scripts/with-postgres.sh)")
    start = time.perf_counter()
    populate(args.n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{args.n:,} incidents inserted in {time.perf_counter() - start:.1f} s on {connection.vendor}", flush=True)
    print("| database | what | queries | seconds (best of 3) |\n|---|---|---|---|")
    with translation.override("en"):
        everything = Incident.objects.all()
        part = Incident.objects.filter(sensitivity__in=["public", "internal"], date_start__year__gte=2018)
        timed(f"all eight tables, {args.n:,} incidents", lambda: statistics.compute(everything))
        timed(f"all eight tables, visible part ({part.count():,})", lambda: statistics.compute(part))
        for key in statistics.KEYS:
            timed(f"`{key}` alone, all", lambda key=key: statistics.table(everything, key))


if __name__ == "__main__":
    main()
