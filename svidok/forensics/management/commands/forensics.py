"""``svidok forensics``: import official precinct results, analyse them, test claims.

    svidok forensics import data/elections/2018.csv.zip --election "presidential 2018"
    svidok forensics analyze --election "presidential 2018" --region "Республика Крым" --json
    svidok forensics claim --election "presidential 2018" --region "Республика Крым" --metric turnout --value 30
    svidok forensics list
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from svidok.accounts.commands import find_actor
from svidok.common.untrusted import InputRefused, load_json
from svidok.forensics import checks, history, report, services, stats
from svidok.forensics import claims as claim_tester
from svidok.forensics.data import load_precincts
from svidok.forensics.models import ResultSet
from svidok.forensics.parsing import FLAGS, MARKS, ResultsFileError
from svidok.incidents.models import Election


def find_election(text: str) -> Election:
    """An election by UUID, exact name, or a unique part of its name (case-insensitive)."""
    text = (text or "").strip()
    if not text:
        raise CommandError("--election is empty.")
    try:
        return Election.objects.get(uuid=uuid.UUID(text))
    except (ValueError, Election.DoesNotExist):
        pass
    exact = list(Election.objects.filter(name__iexact=text))
    if len(exact) == 1:
        return exact[0]
    found = list(Election.objects.filter(Q(name__icontains=text) | Q(name_uk__icontains=text))[:6])
    if len(found) == 1:
        return found[0]
    if not found:
        raise CommandError(f"No election matches {text!r}. List them with `svidok forensics list`, "
                           "or create one with --create-election.")
    names = "; ".join(f"{e.name} ({e.date}, {e.public_id})" for e in found[:5])
    raise CommandError(f"{text!r} matches several elections: {names}. Give its id.")


def find_result_set(election: Election, ident: str | None) -> ResultSet:
    sets = election.result_sets.all()
    if ident:
        try:
            return sets.get(uuid=uuid.UUID(ident))
        except (ValueError, ResultSet.DoesNotExist):
            raise CommandError(f"Election {election.name!r} has no result set {ident!r}.") from None
    first = sets.order_by("-imported_at").first()
    if first is None:
        raise CommandError(f"Election {election.name!r} has no imported results; use `svidok forensics import`.")
    if sets.count() > 1:
        sys.stderr.write(f"note: {sets.count()} result sets; using the latest ({first.public_id}); pick one with --result-set.\n")
    return first


WITHOUT_ELECTRONIC_HELP = ("leave the rows of remote electronic voting out (default: every row of the file is "
                           "counted, so the totals are the file's)")


class Command(BaseCommand):
    help = "Official precinct results: import them into an election, analyse them, test claims against them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import,analyze,claim,list}")

        p = sub.add_parser("import", help="import a results file (.csv or .zip holding one CSV) into an election")
        p.add_argument("file")
        p.add_argument("--election", required=True, help="election id, name or unique part of its name")
        p.add_argument("--create-election", action="store_true",
                       help="create the election named by --election if it does not exist (needs --date)")
        p.add_argument("--date", help="voting day YYYY-MM-DD, with --create-election")
        p.add_argument("--kind", default="", help="e.g. presidential, parliamentary; with --create-election")
        p.add_argument("--label", default="", help="a label for this result set, e.g. 'CEC protocols, scraped 2018-03-20'")
        p.add_argument("--leader", help="header of the candidate column to analyse (default: most votes in the file)")
        p.add_argument("--mapping", help="JSON file: {\"fields\": {field: header}, \"candidates\": [...], \"leader\": ..., \"ignore\": [...]}")
        p.add_argument("--column", action="append", default=[], metavar="FIELD=HEADER",
                       help="map one field to a header (repeatable), e.g. --column registered='Число избирателей'")
        p.add_argument("--encoding", help="text encoding of the CSV (default UTF-8), e.g. cp1251")
        p.add_argument("--dry-run", action="store_true", help="read and check the file, report, write nothing")
        p.add_argument("--as", dest="username", help="record the import as this user")
        p.add_argument("--no-progress", action="store_true")

        p = sub.add_parser("analyze", help="run the analyses on a result set (or one region / commission of it)")
        p.add_argument("--election", required=True)
        p.add_argument("--result-set", help="result set id (default: the latest import)")
        p.add_argument("--region", default="", help="region as written in the file, e.g. 'Республика Крым'")
        p.add_argument("--tik", default="", help="territorial commission as written in the file")
        p.add_argument("--replicates", type=int, default=report.DEFAULT_REPLICATES, help="Monte Carlo replicates (default 1000)")
        p.add_argument("--seed", type=int, default=0, help="random seed (default 0): same seed, same output")
        p.add_argument("--bin-width", type=float, default=1.0, help="turnout bin width for Shpilkin's estimate, in percent")
        p.add_argument("--klimek", action="store_true", help="also fit the Klimek et al. model (slower)")
        p.add_argument("--compare", metavar="ELECTION", help="another election, for the same-precinct comparison (change = this vote minus that one)")
        p.add_argument("--without-electronic-voting", action="store_true", help=WITHOUT_ELECTRONIC_HELP)
        out = p.add_mutually_exclusive_group()
        out.add_argument("--json", action="store_true", help="print the JSON report (format: docs/forensics.md)")
        out.add_argument("--html", metavar="FILE", help="write a standalone HTML report with the plots to FILE")
        p.add_argument("--save", action="store_true", help="keep the run as an Analysis record (audited)")
        p.add_argument("--as", dest="username", help="with --save: record the run as this user")
        p.add_argument("--no-progress", action="store_true")

        p = sub.add_parser("claim", help="what a claim implies against the official protocols")
        p.add_argument("--election", required=True)
        p.add_argument("--result-set")
        p.add_argument("--region", default="")
        p.add_argument("--tik", default="")
        p.add_argument("--metric", choices=claim_tester.METRICS, default="turnout")
        p.add_argument("--comparator", choices=claim_tester.COMPARATORS, default="le")
        p.add_argument("--value", type=float, required=True, help="the claimed percentage")
        p.add_argument("--group", default="", help="population group the claim is about, e.g. 'Crimean Tatars'")
        p.add_argument("--group-share", type=float, help="the group's share of registered voters, percent")
        p.add_argument("--compare", metavar="ELECTION", help="another election, for the same-precinct evidence (change = this vote minus that one)")
        p.add_argument("--without-electronic-voting", action="store_true", help=WITHOUT_ELECTRONIC_HELP)
        p.add_argument("--json", action="store_true")

        sub.add_parser("list", help="elections with imported results")

    def handle(self, *args, subcommand, **options):
        return getattr(self, f"handle_{subcommand}")(**options)

    # -- import --------------------------------------------------------------------------------

    def handle_import(self, *, file, election, create_election, date, kind, label, leader, mapping, column, encoding,
                      dry_run, username, no_progress, **options):
        actor = find_actor(username)
        overrides = self._mapping(mapping, column)
        # One transaction: an election created by --create-election goes away again if the file is
        # refused, and with --dry-run.
        with transaction.atomic():
            target = self._election_for_import(election, create_election, date, kind, actor)
            with tqdm(total=None, unit="precinct", file=sys.stderr, disable=no_progress or None, leave=False) as bar:
                try:
                    outcome = services.import_results(
                        actor=actor, election=target, source=file, mapping=overrides, leader=leader, encoding=encoding,
                        label=label, dry_run=dry_run, progress=bar.update,
                    )
                except ResultsFileError as exc:
                    raise CommandError(str(exc)) from None
                except PermissionDenied:
                    raise CommandError(f"{username} may not import results.") from None
            if dry_run:
                transaction.set_rollback(True)
        parsed = outcome.parsed
        flags = {k: v for k, v in parsed.flag_counts().items() if v}
        self.stdout.write(f"{parsed.name}: {len(parsed)} precincts, {len(parsed.candidates)} {parsed.mapping.kind}, "
                          f"leader {parsed.mapping.leader!r}"
                          + (f" ({parsed.mapping.leader_role})" if parsed.mapping.kind != "candidates" else "")
                          + f", SHA-256 {parsed.sha256}")
        for f, how in parsed.mapping.derived.items():
            self.stdout.write(f"{f}: {how}")
        if parsed.marks:
            self.stdout.write("marked rows (counted like any other, so the totals are the file's):")
        for mark, lines in parsed.marks.items():
            self.stdout.write(f"  {len(lines):>7} {mark}: {MARKS[mark]}")
        for row in parsed.totals:
            where = " / ".join(x for x in (row["region"], row["tik"]) if x) or "whole file"
            self.stdout.write(f"line {row['line']} ({row['level']}, {where}): the file's own totals, "
                              f"{row['registered']} registered; {row['precincts']} precincts summed: "
                              + ("; ".join(row["mismatches"]) if row["mismatches"] else "the sums agree"))
        if parsed.mapping.ignored:
            self.stdout.write("columns not used: " + "; ".join(c or "(no header)" for c in parsed.mapping.ignored))
        if flags:
            self.stdout.write("flagged precincts (kept, listed in the validation report):")
            for flag, count in flags.items():
                self.stdout.write(f"  {count:>7} {flag}: {FLAGS[flag]}")
        else:
            self.stdout.write("no precinct flagged")
        if outcome.result_set is not None:
            found = checks.import_checks(outcome.result_set)
            self.stdout.write(f"held: {found['held']['precincts']:,} precincts, {found['held']['registered']:,} registered voters"
                              + ("" if found["has_totals"] else
                                 "; the file carries no totals of its own (no rows of higher commissions) to check against"))
        if dry_run:
            self.stdout.write("dry run: nothing was written")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported into {target.name!r} as result set {outcome.result_set.public_id}."))

    def _mapping(self, mapping_file, columns) -> dict:
        overrides: dict = {}
        if mapping_file:
            try:
                overrides = load_json(Path(mapping_file).read_text(encoding="utf-8"), name=Path(mapping_file).name)
            except OSError as exc:
                raise CommandError(f"Cannot read the mapping {mapping_file}: {exc.strerror}.") from None
            except UnicodeDecodeError:
                raise CommandError(f"The mapping {mapping_file} is not UTF-8 text.") from None
            except InputRefused as exc:
                raise CommandError(str(exc)) from None
            except json.JSONDecodeError as exc:
                raise CommandError(f"The mapping {mapping_file} is not valid JSON: {exc.msg} at line {exc.lineno}.") from None
            except ValueError as exc:
                raise CommandError(f"The mapping {mapping_file} is not valid JSON: {exc} is not a JSON number.") from None
            if not isinstance(overrides, dict):
                raise CommandError(f"The mapping {mapping_file} must be a JSON object.")
        fields = overrides.get("fields") or {}
        if not isinstance(fields, dict):
            return overrides  # the reader names the problem
        fields = dict(fields)
        for item in columns:
            key, sep, header = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--column {item!r}: write FIELD=HEADER.")
            fields[key.strip()] = header.strip()
        if fields:
            overrides["fields"] = fields
        return overrides

    def _election_for_import(self, text, create, date, kind, actor) -> Election:
        if not create:
            return find_election(text)
        existing = Election.objects.filter(name__iexact=text.strip()).first()
        if existing:
            return existing
        if not date:
            raise CommandError("--create-election needs --date YYYY-MM-DD (the voting day).")
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise CommandError(f"--date {date!r} is not a date (YYYY-MM-DD).") from None
        from svidok.incidents import services as incident_services

        try:
            return incident_services.record_election(actor=actor, fields={"name": text.strip(), "date": day, "kind": kind})
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(f"Cannot create the election: {exc}") from None

    # -- analyze -------------------------------------------------------------------------------

    def handle_analyze(self, *, election, result_set, region, tik, replicates, seed, bin_width, klimek, compare, json: bool,
                       html, save, username, no_progress, without_electronic_voting=False, **options):
        target = find_election(election)
        rs = find_result_set(target, result_set)
        baseline = find_result_set(find_election(compare), None) if compare else None
        try:
            services.check_scope(rs, region, tik)
        except ValidationError as exc:
            raise CommandError(" ".join(m for msgs in exc.message_dict.values() for m in msgs)) from None
        with tqdm(total=replicates, unit="replicate", desc="Monte Carlo", file=sys.stderr,
                  disable=no_progress or None, leave=False) as bar:
            def progress(done, total):
                bar.update(done - bar.n)

            try:
                if save:
                    analysis = services.run_and_save(actor=find_actor(username), result_set=rs, region=region, tik=tik,
                                                     replicates=replicates, seed=seed, bin_width=bin_width, klimek=klimek,
                                                     compare=baseline, without_electronic_voting=without_electronic_voting,
                                                     progress=progress)
                    result = analysis.result
                else:
                    result = report.analyze(rs, region=region, tik=tik, replicates=replicates, seed=seed,
                                            bin_width=bin_width, klimek=klimek, compare=baseline,
                                            without_electronic_voting=without_electronic_voting, progress=progress)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            except PermissionDenied:
                raise CommandError(f"{username} may not save analyses.") from None
        if json:
            self.stdout.write(_dumps(result))
        elif html:
            from svidok.forensics.rendering import standalone_html

            p = load_precincts(rs, region=region, tik=tik, without_electronic_voting=without_electronic_voting)
            earlier = (history.counterpart(baseline, region=region, tik=tik, without_electronic_voting=without_electronic_voting)
                       if baseline is not None else None)
            Path(html).write_text(standalone_html(result, p, compare=earlier), encoding="utf-8")
            self.stdout.write(f"Wrote {html}")
        else:
            self.stdout.write(_text(result))

    # -- claim ---------------------------------------------------------------------------------

    def handle_claim(self, *, election, result_set, region, tik, metric, comparator, value, group, group_share, compare,
                     json: bool, without_electronic_voting=False, **options):
        target = find_election(election)
        rs = find_result_set(target, result_set)
        try:
            services.check_scope(rs, region, tik)
        except ValidationError as exc:
            raise CommandError(" ".join(m for msgs in exc.message_dict.values() for m in msgs)) from None
        p = load_precincts(rs, region=region, tik=tik, without_electronic_voting=without_electronic_voting)
        change = None
        if compare:
            earlier = history.counterpart(find_result_set(find_election(compare), None), region=region, tik=tik,
                                          without_electronic_voting=without_electronic_voting)
            change = stats.same_precinct(earlier, p)
        claim = claim_tester.Claim(metric=metric, comparator=comparator, value=value, group=group, group_share=group_share)
        try:
            result = claim_tester.evaluate_claim(p, claim, baseline_change=change)
        except claim_tester.ClaimError as exc:
            raise CommandError(str(exc)) from None
        if json:
            self.stdout.write(_dumps(result))
        else:
            self.stdout.write(claim_text(result, scope=(region or tik or "whole file")
                                         + (", remote electronic voting left out" if without_electronic_voting else "")))

    # -- list ----------------------------------------------------------------------------------

    def handle_list(self, **options):
        sets = ResultSet.objects.select_related("election").order_by("election__date", "imported_at")
        if not sets:
            self.stdout.write("No results imported yet.")
        for rs in sets:
            self.stdout.write(f"{rs.election.date}  {rs.election.name}  [{rs.election.public_id}]\n"
                              f"    result set {rs.public_id}: {rs.source_name}, {rs.precinct_count} precincts, "
                              f"leader {rs.leader}, imported {rs.imported_at:%Y-%m-%d %H:%M}")


def _dumps(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)


def _text(result: dict) -> str:
    s, it, sh = result["summary"], result["integer_test"], result["shpilkin"]
    lines = [
        f"{result['source']['election']} · {result['params'].get('region') or 'whole file'}"
        + (f" · {result['params']['tik']}" if result["params"].get("tik") else ""),
        f"precincts {s['precincts']:,} (excluded {s['excluded']:,}), registered {s['registered']:,}, "
        f"ballots issued {s['ballots_issued']:,}",
        f"turnout {s['turnout']:.2f}%, {s['leader']} {s['leader_share']:.2f}%, invalid {s['invalid_share']:.2f}%, "
        f"home voting {s['home_voting_share']:.2f}%",
        f"integer test ({it['precincts']:,} precincts, {it['replicates']} replicates, seed {it['seed']}):",
    ]
    for key in ("either", "result", "turnout"):
        lines.append(f"  {key:<8} observed {it['observed'][key]:>7,}  expected {it['expected'][key]:>10,.1f}  "
                     f"excess {it['excess'][key]:>9,.1f}  sd {it['sd'][key]:>7,.1f}  z {it['z'][key]:>6.2f}  p {it['p'][key]:.4f}")
    lines.append(f"Shpilkin: {sh['anomalous_votes']:,.0f} anomalous votes (peak at {sh['peak_turnout']:g}% turnout); "
                 "by bin width: " + ", ".join(f"{x['bin_width']:g}%: {x['anomalous_votes']:,.0f}" for x in sh["sensitivity"]))
    if "same_precinct" in result:
        sp = result["same_precinct"]
        lines.append(f"same precincts: {sp['matched']:,} matched, median turnout change {sp['median_change']:+.1f} pp")
    if "klimek" in result:
        best = result["klimek"]["params"]
        lines.append("Klimek model fit: " + ", ".join(f"{name} {best[name]:.3g}" for name in ("f_i", "f_e", "alpha"))
                     + (f" (at the grid's edge: {', '.join(result['klimek']['edge'])})" if result["klimek"].get("edge") else ""))
    electronic = result.get("electronic_voting") or {}
    if electronic.get("rows"):
        lines.append(f"remote electronic voting: {electronic['rows']:,} rows, {electronic['registered']:,} registered, "
                     + ("left out of every figure above" if electronic["left_out"] else "counted in every figure above"))
    if result.get("validation"):
        lines.append("flagged precincts: " + ", ".join(f"{k} {v}" for k, v in result["validation"].items()))
    return "\n".join(lines)


def claim_text(result: dict, *, scope: str) -> str:
    c, o, imp = result["claim"], result["official"], result["implied"]
    sign = {"le": "≤", "ge": "≥", "eq": "=", "approx": "≈"}[c["comparator"]]
    lines = [f"Claim: {c['metric']} {sign} {c['value']:g}%" + (f" among {c['group']}" if c["group"] else "") + f" ({scope})",
             f"Official: {o['precincts']:,} precincts, turnout {o['turnout']:.2f}%, {o['leader']} {o['leader_share']:.2f}%, "
             f"invalid {o['invalid_share']:.2f}%"]
    if not result["testable"]:
        lines.append(result["reason"])
    else:
        for key, value in imp.items():
            label = key.replace("_", " ")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                lines.append(f"  {label}: {value}")
            elif isinstance(value, int):
                lines.append(f"  {label}: {value:,}")
            else:
                lines.append(f"  {label}: {value:g}%")
    ev = result["evidence"]
    lines.append(f"Evidence: official invalid share {ev['invalid_share']}%"
                 + (f"; {ev['precincts_at_or_below_claimed_turnout']:,} precincts at or below the claimed turnout"
                    if ev.get("precincts_at_or_below_claimed_turnout") is not None else ""))
    if ev.get("same_precinct"):
        sp = ev["same_precinct"]
        lines.append(f"Same precincts as the other election: {sp['matched']:,} matched, median turnout change "
                     f"{sp['median_change']:+.1f} pp, {sp['share_increased']:.0f}% of them up")
    if result["by_tik"]:
        lines.append("by territorial commission (largest first):")
        for row in result["by_tik"][:10]:
            lines.append(f"  {row['tik']:<40} {row['fictitious']:>9,}  ({row['share']}%)")
    lines.append("The methods can detect: " + "; ".join(result["can_detect"]) + ".")
    lines.append("They cannot detect: " + "; ".join(result["cannot_detect"]) + ".")
    return "\n".join(lines)
