"""Import benchmark: the bulk import service against a raw ``executemany`` of the same rows.

Both sides get the same synthetic incidents (``bench.generate``), as the flat rows of
``docs/import-format.md`` for the service and as ready tuples for the raw side, which writes what
the service writes (see ``docs/import-format.md``: persons with identities, name variants,
organizations, incidents, involvements, tags, one audit entry per created record, search keys,
reference counters) with one ``executemany`` per table in one transaction. The tables are emptied
between the two sides; the per-table row counts of both are compared in the report.
"""

import cProfile
import datetime as dt
import io
import json
import pstats
import random
import time

from bench import generate

# Tables both sides write; emptied before each side (the gazetteer and vocabularies stay).
TABLES = [
    "search_searchentry", "audit_auditentry", "incidents_involvement", "incidents_incident_tags",
    "incidents_incident_legal_tags", "incidents_incidentsource", "incidents_incident", "incidents_tag",
    "incidents_referencecounter", "people_namevariant", "people_personnamekey", "people_personidentity", "people_person",
    "people_organization",
]


def service_row(item: dict, election_names: list[str]) -> dict:
    """One generated incident as a CSV-style row of strings (docs/import-format.md)."""
    persons = [p.name for p in item["perpetrators"] if p.kind == "person"]
    orgs = [p.name for p in item["perpetrators"] if p.kind == "organization"]
    return {
        "reference": item["reference"], "title": item["title"], "type": item["type"],
        "date_start": item["date_start"].isoformat(), "date_end": item["date_end"].isoformat() if item["date_end"] else "",
        "date_precision": item["date_precision"], "place": item["place"],
        "election": election_names[item["election"]] if item["election"] is not None else "",
        "status": item["status"], "duplicate_of": _ref(item["duplicate_of"]), "sensitivity": item["sensitivity"],
        "confidence": item["confidence"], "victim_count": str(item["victim_count"]), "narrative": item["narrative"],
        "legal_tags": ";".join(item["legal_tags"]), "tags": ";".join(item["tags"]),
        "victims": ";".join(v["name"] for v in item["victims"]), "perpetrators": ";".join(persons),
        "perpetrator_organizations": ";".join(orgs), "perpetrator_type": item["perpetrators"][0].perpetrator_type,
    }


_REFS: dict[int, str] = {}


def _ref(index):
    return _REFS[index] if index is not None else ""


def _empty_tables(connection, audit_floor: int) -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            if table == "search_searchentry":
                cursor.execute(f"DELETE FROM {table} WHERE object_type <> 'place'")
            elif table == "audit_auditentry":
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [audit_floor])
            else:
                cursor.execute(f"DELETE FROM {table}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _counts(connection, audit_floor: int) -> dict:
    counts = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            where = {"search_searchentry": " WHERE object_type <> 'place'", "audit_auditentry": f" WHERE id > {audit_floor}"}
            cursor.execute(f"SELECT COUNT(*) FROM {table}{where.get(table, '')}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _next_ids(connection) -> dict:
    ids = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            if table == "incidents_referencecounter":
                continue
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            ids[table] = cursor.fetchone()[0] + 1
    return ids


def raw_insert(items: list[dict], *, actor, log) -> dict:
    """Build the service's rows as tuples, then one executemany per table in one transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    from svidok.audit.models import AuditEntry
    from svidok.common import crypto
    from svidok.incidents import search_index as indexing
    from svidok.incidents.models import Election, Incident, Involvement, Place, ReferenceCounter, Tag, Term
    from svidok.people.models import NameVariant, Organization, Person, PersonIdentity, PersonNameKey
    from svidok.people.vault import name_keys
    from svidok.search.models import SearchEntry

    t0 = time.perf_counter()
    rng = random.Random(7)
    now = timezone.now()
    keys = generate._KeyCache()
    prefix = SearchEntry.TYPE_PREFIX
    terms = {(v, c): i for v, c, i in Term.objects.values_list("vocabulary__code", "code", "id")}
    places = {p.code: p for p in Place.objects.all()}
    elections = dict(Election.objects.values_list("name", "id"))
    election_names = [name for name, _day in generate.ELECTIONS]
    next_id = _next_ids(connection)
    rows: dict[str, list] = {t: [] for t in TABLES}
    builders = {model: generate._row_builder(model, now, rng) for model in
                (Person, PersonIdentity, PersonNameKey, NameVariant, Organization, Incident, Involvement, AuditEntry)}
    columns = {model._meta.db_table: cols for model, (cols, _build) in builders.items()}

    def add(model, values: dict) -> int:
        table = model._meta.db_table
        pk = next_id[table]
        next_id[table] += 1
        rows[table].append(builders[model][1](values | {"id": pk}))
        return pk

    def audit(object_type: str, object_id: str, object_repr: str, changes: dict) -> None:
        payload = json.dumps({"time": now.isoformat(), "actor": actor.username, "action": "import", "object_type": object_type,
                              "object_id": object_id, "changes": changes, "request_id": ""},
                             sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        add(AuditEntry, {"created_at": now, "actor_id": actor.id, "actor_label": actor.username, "action": "import",
                         "object_type": object_type, "object_id": object_id, "object_repr": object_repr[:300],
                         "changes": changes, "request_id": "", "payload": payload})

    key = crypto.keyring().current

    def identity(pk: int, name: str, *, protected: bool) -> None:
        # Sealed as the identity field seals it; a protected name also goes to the blind index.
        add(PersonIdentity, {"person_id": pk, "full_name": crypto.seal(name, f"people_personidentity.full_name.{pk}", key=key)})
        for digest in sorted({crypto.blind(k, key=key) for k in name_keys([name])}) if protected else ():
            add(PersonNameKey, {"person_id": pk, "kid": key.kid, "digest": digest})

    def search(object_type: str, pk: int, found: set) -> None:
        table = "search_searchentry"
        for key in sorted(found):
            rows[table].append((next_id[table], object_type, pk, prefix[object_type] + key))
            next_id[table] += 1

    public_persons: dict[str, int] = {}
    orgs: dict[str, int] = {}
    tags: dict[str, int] = {}
    incident_ids: dict[str, int] = {}
    counters: dict[int, int] = {}
    victim_no = 0
    for item in items:
        ptype = terms[("perpetrator_type", item["perpetrators"][0].perpetrator_type)]
        parties = []  # (person_id, org_id, role, perpetrator_type, display name)
        for victim in item["victims"]:
            alias = generate.pseudonym(10_000_000 + victim_no)
            victim_no += 1
            pk = add(Person, {"protected": True, "pseudonym": alias, "display_name": alias, "created_by_id": actor.id})
            identity(pk, victim["name"], protected=True)
            audit("people.person", str(pk), alias, {"protected": [None, True], "pseudonym": [None, alias], "identity": [None, "[protected]"]})
            search("person", pk, keys.text_keys(alias))
            parties.append((pk, None, terms[("involvement_role", "victim")], None, alias))
        for party in item["perpetrators"]:
            if party.kind == "person":
                pk = public_persons.get(party.name)
                if pk is None:
                    pk = public_persons[party.name] = add(Person, {"display_name": party.name, "created_by_id": actor.id})
                    identity(pk, party.name, protected=False)
                    add(NameVariant, {"person_id": pk, "organization_id": None, "name": party.name, "primary": True})
                    audit("people.person", str(pk), f"person {pk}", {"protected": [None, False], "identity": [None, "[protected]"]})
                    search("person", pk, keys.text_keys(party.name))
                parties.append((pk, None, terms[("involvement_role", "perpetrator")], ptype, party.name))
            else:
                pk = orgs.get(party.name)
                if pk is None:
                    pk = orgs[party.name] = add(Organization, {"name": party.name, "kind_id": ptype, "created_by_id": actor.id})
                    add(NameVariant, {"person_id": None, "organization_id": pk, "name": party.name, "primary": True})
                    audit("people.organization", str(pk), party.name, {"name": [None, party.name], "kind": [None, ptype]})
                    search("organization", pk, keys.text_keys(party.name))
                parties.append((None, pk, terms[("involvement_role", "perpetrator")], ptype, party.name))
        year = item["date_start"].year
        counters[year] = max(counters.get(year, 0), int(item["reference"][-6:]))
        election = item["election"]
        values = {
            "reference": item["reference"], "title": item["title"], "narrative": item["narrative"],
            "type_id": terms[("incident_type", item["type"])], "date_start": item["date_start"], "date_end": item["date_end"],
            "date_precision": item["date_precision"], "place_id": places[item["place"]].id, "place_text": "",
            "election_id": elections[election_names[election]] if election is not None else None,
            "status": item["status"], "status_reason": "",
            "duplicate_of_id": incident_ids[_ref(item["duplicate_of"])] if item["duplicate_of"] is not None else None,
            "confidence": item["confidence"], "sensitivity": item["sensitivity"], "victim_count": item["victim_count"],
            "created_by_id": actor.id, "created_at": now, "updated_at": now,
        }
        pk = incident_ids[item["reference"]] = add(Incident, values)
        for person_id, org_id, role, perp_type, _name in parties:
            add(Involvement, {"incident_id": pk, "person_id": person_id, "organization_id": org_id, "role_id": role,
                              "perpetrator_type_id": perp_type, "details": ""})
        for name in item["tags"]:
            if name not in tags:
                tags[name] = next_id["incidents_tag"]
                rows["incidents_tag"].append((tags[name], name))
                next_id["incidents_tag"] += 1
            rows["incidents_incident_tags"].append((next_id["incidents_incident_tags"], pk, tags[name]))
            next_id["incidents_incident_tags"] += 1
        for code in item["legal_tags"]:
            rows["incidents_incident_legal_tags"].append((next_id["incidents_incident_legal_tags"], pk, terms[("legal_qualification", code)]))
            next_id["incidents_incident_legal_tags"] += 1
        changes = {k: [None, v] for k, v in values.items() if v not in (None, "")}
        changes["involvements"] = [None, [{"party": p[4], "role": p[2], "perpetrator_type": p[3]} for p in parties]]
        audit("incidents.incident", item["reference"], item["reference"], changes)
        place = places[item["place"]]
        found = (keys.text_keys(item["reference"]) | keys.text_keys(item["title"])
                 | keys.text_keys(item["narrative"], limit=indexing.NARRATIVE_WORDS)
                 | keys.text_keys(" ".join(filter(None, (place.name_uk, place.name_ru, place.name_latin, place.name_crh)))))
        for party in parties:
            found |= keys.text_keys(party[4])
        search("incident", pk, found)
    rows["incidents_referencecounter"] = sorted(counters.items())
    t1 = time.perf_counter()
    log(f"  raw: tuples built in {t1 - t0:.1f} s")

    # Insert order follows the foreign keys.
    order = ["people_person", "people_personidentity", "people_organization", "people_namevariant", "incidents_incident",
             "incidents_involvement", "incidents_tag", "incidents_incident_tags", "incidents_incident_legal_tags",
             "audit_auditentry", "search_searchentry", "incidents_referencecounter"]
    fixed_columns = {
        "incidents_tag": ["id", "name"], "incidents_incident_tags": ["id", "incident_id", "tag_id"],
        "incidents_incident_legal_tags": ["id", "incident_id", "term_id"], "search_searchentry": ["id", "object_type", "object_id", "key"],
        "incidents_referencecounter": ["year", "last"],
    }
    models = {m._meta.db_table: m for m in (Person, PersonIdentity, NameVariant, Organization, Incident, Involvement, AuditEntry,
                                             Tag, Incident.tags.through, Incident.legal_tags.through, SearchEntry, ReferenceCounter)}
    writer = generate.BulkWriter(connection)
    prepared = {}
    for table in order:
        cols = columns.get(table) or fixed_columns[table]
        model = models[table]
        converters = [writer._converter(model._meta.get_field(c)) for c in cols]
        if any(converters):
            prepared[table] = [tuple(c(v) if c else v for c, v in zip(converters, row, strict=True)) for row in rows[table]]
        else:
            prepared[table] = rows[table]
    t2 = time.perf_counter()
    qn = connection.ops.quote_name
    with transaction.atomic():
        raw = connection.connection
        placeholder = "?" if connection.vendor == "sqlite" else "%s"
        cursor = raw.cursor()
        for table in order:
            cols = columns.get(table) or fixed_columns[table]
            sql = f"INSERT INTO {qn(table)} ({', '.join(qn(models[table]._meta.get_field(c).column) for c in cols)}) " \
                  f"VALUES ({', '.join([placeholder] * len(cols))})"
            data = prepared[table]
            for start in range(0, len(data), 10_000):
                cursor.executemany(sql, data[start:start + 10_000])
        cursor.close()
        generate.reset_sequences(connection, list(models.values()))
    t3 = time.perf_counter()
    log(f"  raw: converted in {t2 - t1:.1f} s, inserted in {t3 - t2:.1f} s")
    return {"build_seconds": t2 - t0, "insert_seconds": t3 - t2}


def run(n: int, *, profile: bool = False, log=print) -> dict:
    from django.db import connection

    from svidok.accounts.models import Role, User
    from svidok.audit.models import AuditEntry
    from svidok.incidents.importing import import_incidents

    places, origin = generate.ensure_places()
    for name, day in generate.ELECTIONS:
        # Reference data the rows name; elections are otherwise recorded by coordinators.
        generate_election(name, day)
    actor, _ = User.objects.get_or_create(username="bench-importer", defaults={"role": Role.COORDINATOR})
    world = generate.World(n, places, seed=11)
    items = list(generate.incidents(world, seed=12))
    _REFS.clear()
    _REFS.update({item["index"]: item["reference"] for item in items})
    election_names = [name for name, _day in generate.ELECTIONS]
    service_rows = [(line, service_row(item, election_names)) for line, item in enumerate(items, start=2)]
    audit_floor = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    log(f"import benchmark: {n:,} incidents generated ({origin} places)")

    _empty_tables(connection, audit_floor)
    timing = raw_insert(items, actor=actor, log=log)
    raw_counts = _counts(connection, audit_floor)
    _empty_tables(connection, audit_floor)

    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    result = import_incidents(actor=actor, rows=service_rows, verified_elsewhere=True)
    if profiler:
        profiler.disable()
    service_seconds = time.perf_counter() - t0
    if result.errors:
        raise SystemExit("the import service refused the generated rows: " + "; ".join(map(str, result.errors[:5])))
    service_counts = _counts(connection, audit_floor)
    _empty_tables(connection, audit_floor)
    log(f"  service: {service_seconds:.1f} s")

    raw_total = timing["build_seconds"] + timing["insert_seconds"]
    out = {
        "n": n, "places": origin,
        "raw": {"label": "raw executemany (tuples ready)", "seconds": timing["insert_seconds"],
                "per_second": n / timing["insert_seconds"], "rows": sum(raw_counts.values())},
        "raw_with_build": {"label": "raw, building the tuples included", "seconds": raw_total, "per_second": n / raw_total,
                           "rows": sum(raw_counts.values())},
        "service": {"label": "import service", "seconds": service_seconds, "per_second": n / service_seconds,
                    "rows": sum(service_counts.values())},
        "tables": {t: (service_counts[t], raw_counts[t]) for t in TABLES},
    }
    out["ratio"] = timing["insert_seconds"] / service_seconds
    out["ratio_with_build"] = raw_total / service_seconds
    log(f"  service at {out['ratio']:.2f} of raw insert speed, {out['ratio_with_build']:.2f} of raw with tuple building")
    if profiler:
        out["hot_spots"] = hot_spots(profiler, service_seconds)
        for name, share in out["hot_spots"]:
            log(f"    {share:6.1%}  {name}")
    return out


def generate_election(name: str, day: dt.date) -> None:
    from svidok.incidents.models import Election

    Election.objects.get_or_create(name=name, date=day)


def hot_spots(profiler, total: float, limit: int = 14) -> list:
    """Functions of our own code (and the DB driver) with the largest cumulative share of the import."""
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    rows = []
    for (filename, line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if "/svidok/" in filename or func in ("execute", "executemany"):
            short = filename.split("/svidok/", 1)[-1] if "/svidok/" in filename else filename.rsplit("/", 2)[-1]
            rows.append((f"svidok/{short}:{line}:{func}" if "/svidok/" in filename else f"{short}:{func}", ct / total))
    rows.sort(key=lambda r: -r[1])
    return rows[:limit]
