"""Render the gathered figures as ``bench/RESULTS.md``. Only numbers from the run are printed."""

def _ms(value) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _count(value) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _ratio(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def render(ctx: dict) -> str:
    m = ctx["machine"]
    results = ctx["results"]
    versions = ", ".join(r["database"]["version"] for r in results.values())
    out = [
        "# Svidok benchmarks",
        "",
        "Figures from one run of the command below; nothing here is edited by hand. Re-run to refresh.",
        "",
        f"- date: {ctx['started']}",
        f"- command: `{ctx['command']}`",
        f"- machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, Linux {m['kernel']}, Python {m['python']}, "
        f"Django {m['django']}, {versions}",
        f"- load average (1, 5, 15 min) at start: {ctx['load_before']}; at end: {ctx['load_after']} "
        "(the machine is shared; other processes ran during the measurements)",
        "",
    ]
    imports = {db: r["parts"]["import"] for db, r in results.items() if "import" in r["parts"]}
    if imports:
        out += _import_section(imports)
    reads = {db: r["parts"]["read"] for db, r in results.items() if "read" in r["parts"]}
    if reads:
        out += _read_section(reads)
    return "\n".join(out) + "\n"


def _import_section(imports: dict) -> list[str]:
    any_result = next(iter(imports.values()))
    out = [
        f"## Bulk import: {any_result['n']:,} incidents with involvements and audit entries",
        "",
        "The import service (`svidok.incidents.importing.import_incidents`, all-or-nothing, validated, audited) against a "
        "raw `executemany` insert of the same rows into the same tables (fresh tables for each side, same database). "
        "Rows/s counts incidents; \"rows written\" counts every row in every table.",
        "",
        "| database | path | seconds | incidents/s | rows written | share of raw speed | load avg after |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for db, r in imports.items():
        for side in ("raw", "raw_with_build", "service"):
            s = r.get(side)
            if not s:
                out.append(f"| {db} | {side} | – | – | – | – | {r.get('loadavg', '')} |")
                continue
            share = {"raw": "1.00", "raw_with_build": _ratio(r["raw"]["seconds"] / s["seconds"]),
                     "service": f"{_ratio(r.get('ratio'))} ({_ratio(r.get('ratio_with_build'))} of raw with building)"}[side]
            out.append(f"| {db} | {s['label']} | {s['seconds']:.1f} | {s['per_second']:,.0f} | {s['rows']:,} | {share} | "
                       f"{r.get('loadavg', '')} |")
    out.append("")
    for db, r in imports.items():
        if r.get("tables"):
            out.append(f"Rows per table on {db} (service / raw): " + ", ".join(
                f"`{t}` {c[0]:,}/{c[1]:,}" for t, c in r["tables"].items()))
            out.append("")
        if r.get("note"):
            out.append(f"{db}: {r['note']}")
            out.append("")
        if r.get("hot_spots"):
            out.append(f"Hot spots of the service on {db} (cProfile, cumulative share of the import's time):")
            out.append("")
            out.append("| function | share |")
            out.append("|---|---:|")
            for name, share in r["hot_spots"]:
                out.append(f"| `{name}` | {share:.0%} |")
            out.append("")
    return out


def _read_section(reads: dict) -> list[str]:
    any_result = next(iter(reads.values()))
    fx = any_result["fixture"]
    out = [
        f"## Reads at {fx['incidents']:,} incidents",
        "",
        "The code path the web UI runs (`visible_incidents` → `filter_incidents` → `sort_incidents` → "
        "`incident_rows` (select_related) → `paginate`, 50 per page: a COUNT and a page query), or `search.api.search` "
        "(4 queries: incidents, persons, organizations, places, 20 each), against the same SQL statements, captured "
        "from that run, sent through the bare DB-API cursor. Milliseconds; ORM and bare runs alternate; parameters "
        "rotate over several types/years/raions/queries.",
        "",
    ]
    for db, r in reads.items():
        fx = r["fixture"]
        rows = fx["rows"]
        out.append(f"Fixture on {db}: {fx['incidents']:,} incidents, {fx['involvements']:,} involvements, "
                   f"{sum(v for k, v in rows.items() if k.endswith('person')):,} persons, "
                   f"{rows.get('search_searchentry', 0):,} search keys, places: {fx['places']}; loaded in "
                   f"{fx['seconds']:.0f} s straight into the tables (no audit entries: fixture for reads); ANALYZE after.")
    out += [
        "",
        "| database | case | queries | ORM p50 | ORM p95 | bare p50 | bare p95 | ORM/bare p50 | ORM/bare p95 | matches (median) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for db, r in reads.items():
        for c in r["cases"]:
            out.append(f"| {db} | {c['case']} | {c['queries']:g} | {_ms(c['orm_p50'])} | {_ms(c['orm_p95'])} | "
                       f"{_ms(c['bare_p50'])} | {_ms(c['bare_p95'])} | {_ratio(c['ratio_p50'])} | {_ratio(c['ratio_p95'])} | "
                       f"{_count(c['rows'])} |")
    out.append("")
    for db, r in reads.items():
        checks = "; ".join(f"{k}: {'same' if v['same_ids'] else 'DIFFERENT'} {v['incidents']:,} incidents"
                           for k, v in r["spellings"].items())
        out.append(f"Spellings on {db} (`matching_ids('incident', q)`): {checks}.")
        out.append(f"Load average after the read part on {db}: {r.get('loadavg', '')}.")
        out.append("")
    return out
