import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.evidence.bundle import PURPOSES, export_bundle
from svidok.people.consent import Purpose


class Command(BaseCommand):
    help = (
        "Export a court bundle: the incidents, their evidence originals byte-exact, a manifest, a signed head of the "
        "audit log with every entry about them and its proof, SHA256SUMS, a standalone verify.py and a README. "
        "Victims and witnesses appear under their pseudonyms unless they consented to this use (litigation by default, or "
        "--purpose partner --partner NAME) and the exporting user may see identities; the manifest lists every redaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incident", action="append", required=True, metavar="SV-YYYY-NNNNNN",
                            help="an incident to include (repeat for several)")
        parser.add_argument("--output", "-o", required=True, help="the ZIP file to write")
        parser.add_argument("--as", dest="username", help="export as this user (default: the system account)")
        parser.add_argument("--purpose", choices=[p.value for p in PURPOSES], default=Purpose.LITIGATION.value,
                            help="what the bundle is for (default: litigation)")
        parser.add_argument("--partner", default="", help="the partner the bundle is for (with --purpose partner)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, incident, output, username, purpose=Purpose.LITIGATION.value, partner="", json: bool = False, **options):
        if partner.strip() and purpose != Purpose.PARTNER.value:
            raise CommandError("--partner goes with --purpose partner.")
        actor = find_actor(username)
        try:
            result = export_bundle(actor=actor, incidents=incident, output=output, purpose=purpose, partner=partner)
        except PermissionDenied:
            raise CommandError(f"{actor.username} may not export court bundles.") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None
        if json:
            self.stdout.write(_dumps({"path": str(result.path), "sha256": result.sha256, "size": result.size,
                                      "incidents": result.incidents, "evidence_items": result.items,
                                      "audit_entries": result.entries, "tree_size": result.tree_size,
                                      "purpose": purpose, "partner": partner,
                                      "withheld_audit_entries": result.withheld_entries,
                                      "redactions": len(result.redactions)}))
        else:
            self.stdout.write(f"Wrote {result.path} ({result.size:,} bytes, SHA-256 {result.sha256}): "
                              f"{len(result.incidents)} incidents, {result.items} evidence items, {result.entries} audit entries "
                              f"proved against a signed head of {result.tree_size} entries.")
            withheld = (f", {result.withheld_entries} audit entries withheld to protect identities"
                        if result.withheld_entries else "")
            self.stdout.write(f"Redactions: {len(result.redactions)}{withheld}; the list is in manifest.json (\"redactions\").")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
