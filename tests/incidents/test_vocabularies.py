import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from svidok.accounts.services import system_account
from svidok.audit.models import AuditEntry
from svidok.incidents.models import Term, Vocabulary
from svidok.incidents.services import export_vocabularies, load_vocabularies, save_term

pytestmark = pytest.mark.django_db


def test_vocabularies_cover_required_codes():
    codes = set(Term.objects.filter(vocabulary__code="incident_type").values_list("code", flat=True))
    legal = set(Term.objects.filter(vocabulary__code="legal_qualification").values_list("code", flat=True))

    assert {"dismissal", "threat_of_dismissal", "forced_voting", "coerced_election_work", "coerced_participation", "intimidation", "detention",
            "search", "administrative_case", "criminal_case", "violence", "surveillance", "property", "other"} <= codes
    assert {"echr-3", "echr-5", "echr-8", "echr-9", "echr-10", "echr-11", "echr-14", "echr-p1-3", "iccpr-25",
            "gciv-31", "gciv-51", "hague-45", "rome-7-1-h"} <= legal


def test_every_term_has_ukrainian_label():
    missing = list(Term.objects.filter(label_uk="").values_list("vocabulary__code", "code"))

    assert missing == []


def test_load_twice_changes_nothing():
    before = (Term.objects.count(), AuditEntry.objects.count(), list(Vocabulary.objects.values_list("version", flat=True)))
    with open(settings.DATA_DIR / "vocabularies.json", encoding="utf-8") as handle:
        counts = load_vocabularies(actor=system_account(), data=json.load(handle))

    after = (Term.objects.count(), AuditEntry.objects.count(), list(Vocabulary.objects.values_list("version", flat=True)))
    assert counts == {"vocabularies": 6, "created": 0, "updated": 0}
    assert after == before


def test_save_term_bumps_version_and_audits(admin_user):
    vocabulary = Vocabulary.objects.get(code="incident_type")
    version = vocabulary.version

    save_term(actor=admin_user, vocabulary=vocabulary, code="deportation", labels={"en": "Deportation", "uk": "Депортація"})

    vocabulary.refresh_from_db()
    entry = AuditEntry.objects.get(object_id="incident_type:deportation")
    assert (vocabulary.version, entry.action, entry.changes["label_uk"]) == (version + 1, "create", [None, "Депортація"])


def test_save_term_refused_to_documenter(documenter):
    # Coordinators keep the vocabularies since issue 13 (decision NN); documenters do not.
    with pytest.raises(PermissionDenied):
        save_term(actor=documenter, vocabulary=Vocabulary.objects.get(code="incident_type"), code="x", labels={"en": "X"})


def test_export_round_trips_through_load():
    exported = export_vocabularies()
    Term.objects.filter(code="other", vocabulary__code="incident_type").update(label_uk="змінено")

    counts = load_vocabularies(actor=system_account(), data=exported)

    assert counts["updated"] == 1
    assert Term.objects.get(code="other", vocabulary__code="incident_type").label_uk == "Інше"
