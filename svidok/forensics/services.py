"""Use cases of the forensics app: importing official results and saving analyses.

As everywhere in Svidok, these functions are the only writers of the app's records: the CLI, the
web pages and the API call them, each runs in one transaction and writes its audit entry inside it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.common.bulk import insert_rows
from svidok.forensics.arrays import PROTOCOL_FIELDS
from svidok.forensics.data import remember
from svidok.forensics.models import Analysis, Precinct, ResultSet
from svidok.forensics.parsing import IDENTITY_FIELDS, MAX_ERRORS, ParsedResults, ResultsFileError, read_results
from svidok.incidents.models import Election

INSERT_BATCH = 5000


@dataclass
class ImportOutcome:
    result_set: ResultSet | None
    parsed: ParsedResults
    dry_run: bool = False


def import_results(*, actor, election: Election, source: str | Path | bytes, name: str | None = None,
                   mapping: dict | None = None, leader: str | None = None, encoding: str | None = None,
                   label: str = "", dry_run: bool = False,
                   progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Read, check and store a file of precinct results as a new ResultSet of ``election``.

    All or nothing: a file that cannot be read raises :class:`ResultsFileError` (every problem with
    its line and column) and writes nothing; implausible precincts are stored with their flags.
    The audit entry records the file's name, size and SHA-256, the column mapping and the counts.
    The same file (same SHA-256) cannot be imported twice into one election.
    """
    require(actor, "forensics.import")
    parsed = read_results(source, name=name, mapping=mapping, leader=leader, encoding=encoding)
    _check_lengths(parsed)
    existing = ResultSet.objects.filter(election=election, sha256=parsed.sha256).first()
    if existing is not None:
        raise ResultsFileError(
            f"This file (SHA-256 {parsed.sha256[:12]}…) was already imported into this election "
            f"on {existing.imported_at:%Y-%m-%d} as result set {existing.public_id}."
        )
    if dry_run:
        return ImportOutcome(result_set=None, parsed=parsed, dry_run=True)
    with transaction.atomic():
        result_set = ResultSet.objects.create(
            election=election,
            label=label[:200],
            source_name=parsed.name[:255],
            sha256=parsed.sha256,
            size=parsed.size,
            mapping=stored_mapping(parsed),
            candidates=parsed.candidates,
            leader=parsed.mapping.leader,
            precinct_count=len(parsed),
            flag_counts={k: v for k, v in parsed.flag_counts().items() if v},
            imported_at=timezone.now(),
            imported_by=actor if getattr(actor, "pk", None) else None,
        )
        _insert_precincts(result_set, parsed, progress)
        # The arrays just parsed are the ones a load would give: analyses right after import skip the reload.
        transaction.on_commit(lambda: remember(result_set, parsed.to_precincts()))
        record(actor=actor, action="import", obj=result_set, object_repr=f"{election.name}: {parsed.name}"[:300],
               changes={
                   "election": election.public_id,
                   "file": parsed.name,
                   "sha256": parsed.sha256,
                   "size": parsed.size,
                   "precincts": len(parsed),
                   "flags": result_set.flag_counts,
                   "candidates": parsed.candidates,
                   "leader": parsed.mapping.leader,
                   "mapping": parsed.mapping.fields,
                   **({"marks": {k: len(v) for k, v in parsed.marks.items()}} if parsed.marks else {}),
                   **({"higher_rows": len(parsed.totals),
                       "higher_rows_not_matching": sum(bool(t["mismatches"]) for t in parsed.totals)}
                      if parsed.totals else {}),
               })
    return ImportOutcome(result_set=result_set, parsed=parsed)


MAX_MARKED_LINES = 200


def stored_mapping(parsed: ParsedResults) -> dict:
    """The column mapping as kept on the result set, with what the file says beyond its precincts:
    the marks (file lines of electronic-voting rows and empty stations, at most MAX_MARKED_LINES
    each, and their number) and the higher commissions' rows checked against their precincts."""
    out = parsed.mapping.as_dict()
    if parsed.marks:
        out["marks"] = {k: {"count": len(v), "lines": v[:MAX_MARKED_LINES]} for k, v in parsed.marks.items()}
    if parsed.totals:
        out["totals"] = parsed.totals[:MAX_ERRORS * 20]
    return out


def _check_lengths(parsed: ParsedResults) -> None:
    """Refuse names longer than their column, with line and column (PostgreSQL would fail mid-insert)."""
    problems = []
    for f in IDENTITY_FIELDS:
        limit, values = Precinct._meta.get_field(f).max_length, parsed.identity[f]
        if limit is None or not values or max(map(len, values)) <= limit:
            continue
        column = parsed.mapping.fields.get(f, f)
        problems += [f"line {parsed.lines[i]}, column {column!r}: {len(v)} characters, at most {limit} can be stored"
                     for i, v in enumerate(values) if len(v) > limit]
    limit = ResultSet._meta.get_field("leader").max_length
    if len(parsed.mapping.leader) > limit:
        problems.append(f"the leader's column name has {len(parsed.mapping.leader)} characters, at most {limit} can be stored")
    if problems:
        raise ResultsFileError(f"{parsed.name} cannot be imported; nothing was written.", problems[:MAX_ERRORS])


def _insert_precincts(result_set: ResultSet, parsed: ParsedResults, progress) -> None:
    """Every precinct in one bulk insert (COPY on PostgreSQL), the votes already in their column's form."""
    meta = Precinct._meta
    columns = [meta.get_field(name).column for name in ("result_set", "line", *IDENTITY_FIELDS, "uik_number",
                                                         *PROTOCOL_FIELDS, "votes", "flags")]
    ident = [parsed.identity[f] for f in IDENTITY_FIELDS]
    counts = [parsed.counts[f] for f in PROTOCOL_FIELDS]
    numbers = _uik_numbers(parsed.identity["uik"])
    adapt = _votes_adapter()
    votes = [adapt(v) for v in parsed.votes]
    flags = [",".join(f) for f in parsed.flags]
    rows = zip(repeat(result_set.pk), parsed.lines, *ident, numbers, *counts, votes, flags, strict=False)
    insert_rows(meta.db_table, columns, rows, batch=INSERT_BATCH, progress=progress)


def _votes_adapter():
    """How a votes list goes to the JSON column: text on SQLite, jsonb on PostgreSQL.

    Asking the field once and then adapting directly saves ~1 s per 100k precincts over calling
    ``get_db_prep_save`` for every row.
    """
    sample = Precinct._meta.get_field("votes").get_db_prep_save([1], connection)
    if isinstance(sample, str) or connection.vendor == "postgresql":  # PostgreSQL: COPY takes the JSON text
        def as_text(votes):
            if None in votes:
                return json.dumps(votes, separators=(",", ":"))
            return "[" + ",".join(map(str, votes)) + "]"
        return as_text
    return type(sample)  # psycopg's Jsonb wrapper


def _uik_numbers(labels: list[str]) -> list[int]:
    from svidok.forensics.parsing import uik_number

    return [uik_number(u) for u in labels]


@transaction.atomic
def delete_result_set(*, actor, result_set: ResultSet) -> None:
    """Remove an imported result set (a wrong file), with its precincts and saved analyses; audited."""
    require(actor, "forensics.import")
    record(actor=actor, action="delete", obj=result_set, object_repr=str(result_set)[:300],
           changes={"file": result_set.source_name, "sha256": result_set.sha256,
                    "precincts": result_set.precinct_count, "analyses": result_set.analyses.count()})
    Precinct.objects.filter(result_set=result_set).delete()
    result_set.analyses.all().delete()
    result_set.delete()


def save_analysis(*, actor, result_set: ResultSet, region: str = "", tik: str = "", params: dict,
                  result: dict, version: str, duration_ms: int) -> Analysis:
    """Keep an analysis run (its parameters, seed and full output) so it can be cited and re-run."""
    require(actor, "forensics.analyze")
    with transaction.atomic():
        analysis = Analysis.objects.create(
            result_set=result_set, region=region[:200], tik=tik[:300], params=params, result=result,
            version=version, duration_ms=duration_ms, created_at=timezone.now(),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        record(actor=actor, action="create", obj=analysis, object_repr=str(analysis)[:300],
               changes={"result_set": result_set.public_id, "region": region, "tik": tik, "params": params,
                        "version": version})
    return analysis


def run_and_save(*, actor, result_set: ResultSet, region: str = "", tik: str = "", replicates: int = 1000,
                 seed: int = 0, bin_width: float = 1.0, klimek: bool = False, compare: ResultSet | None = None,
                 without_electronic_voting: bool = False, progress=None) -> Analysis:
    """Run the analyses on a scope of a result set and save the run (``params`` records whether the
    rows of remote electronic voting were left out)."""
    from svidok.forensics import report

    require(actor, "forensics.analyze")
    started = time.perf_counter()
    result = report.analyze(result_set, region=region, tik=tik, replicates=replicates, seed=seed,
                            bin_width=bin_width, klimek=klimek, compare=compare,
                            without_electronic_voting=without_electronic_voting, progress=progress)
    duration_ms = int((time.perf_counter() - started) * 1000)
    return save_analysis(actor=actor, result_set=result_set, region=region, tik=tik,
                         params=result["params"], result=result, version=result["version"], duration_ms=duration_ms)


def check_scope(result_set: ResultSet, region: str = "", tik: str = "") -> None:
    """ValidationError naming the field when the region or commission is not in the result set."""
    qs = Precinct.objects.filter(result_set=result_set)
    if region and not qs.filter(region=region).exists():
        raise ValidationError({"region": f"No precincts in region {region!r} in this result set."})
    if tik and not qs.filter(tik=tik, **({"region": region} if region else {})).exists():
        raise ValidationError({"tik": f"No precincts of commission {tik!r} in this result set"
                                      + (f" and region {region!r}." if region else ".")})
