"""The reference list of the demo (``svidok setup --demo``, ``make run``): the EU Regulation 269/2014
annex shipped in ``data/sanctions/``. Without a list, the sanctions checks can only say "no reference
list loaded"; with it, the demo's proposals are checked as a real installation's would be."""

from __future__ import annotations

import hashlib

from django.conf import settings

from svidok.sanctions.lists import import_list
from svidok.sanctions.models import ReferenceList

DEMO_LIST = {
    "name": "eu-269",
    "file": "sanctions/eu-regulation-269-2014-annex-i.csv",
    "title": "EU Regulation 269/2014, Annex I",
    "publisher": "Council of the EU",
    "jurisdiction": "eu",
}


def load_demo_list(*, stdout=None) -> ReferenceList:
    """Import the shipped EU list as ``eu-269`` unless the same file (by SHA-256) is already imported
    under that name; idempotent. The import is the ordinary one (:func:`lists.import_list`), audited
    as the system account."""
    from svidok.accounts.services import system_account

    path = settings.DATA_DIR / DEMO_LIST["file"]
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    existing = ReferenceList.objects.filter(name=DEMO_LIST["name"]).first()
    if existing is not None and existing.sha256 == sha256:
        return existing
    reference_list = import_list(actor=system_account(), path=path, name=DEMO_LIST["name"], title=DEMO_LIST["title"],
                                 publisher=DEMO_LIST["publisher"], jurisdiction=DEMO_LIST["jurisdiction"])
    if stdout is not None:
        stdout.write(f"Reference list {reference_list.name!r}: {reference_list.entity_count:,} entities from {reference_list.source_name}.")
    return reference_list
