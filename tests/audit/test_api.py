"""``/api/v1/audit/``: who may read heads and proofs, sign, verify; public keys without sign-in."""

import base64

import pytest
from django.core.management import call_command
from django.db import transaction

from svidok.accounts.services import system_account
from svidok.audit import log
from svidok.audit.services import record
from tests.audit import rfc9162


@pytest.fixture
def logged(db):
    with transaction.atomic():
        entry = record(actor=system_account(), action="create", object_type="test.thing", object_id="T-1")
    log.signed_head()
    return entry


@pytest.mark.parametrize("who", ["admin_user", "coordinator", "analyst"])
def test_readers_get_the_head(api, logged, who, request):
    response = api(request.getfixturevalue(who)).get("/api/v1/audit/head/")
    assert response.status_code == 200
    assert response.json() == log.latest_head()


@pytest.mark.parametrize("who", ["documenter", "viewer"])
def test_other_roles_may_not_read_heads(api, logged, who, request):
    assert api(request.getfixturevalue(who)).get("/api/v1/audit/head/").status_code == 403


def test_anonymous_gets_401(api, logged):
    assert api().get("/api/v1/audit/head/").status_code == 401
    assert api().post("/api/v1/audit/verify/").status_code == 401


def test_head_before_any_is_404(api, analyst):
    response = api(analyst).get("/api/v1/audit/head/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No tree head has been signed yet."}


def test_admin_signs_a_new_head_coordinator_may_not(api, logged, admin_user, coordinator):
    assert api(coordinator).post("/api/v1/audit/head/").status_code == 403
    response = api(admin_user).post("/api/v1/audit/head/")
    assert response.status_code == 201
    head = response.json()
    assert head["tree_size"] == log.sequence()
    assert log.check_head_signature(head)


def test_proof_round_trips(api, logged, analyst):
    head = log.latest_head()
    response = api(analyst).get(f"/api/v1/audit/proof/{logged.id}/", {"size": head["tree_size"]})
    assert response.status_code == 200
    proof = response.json()
    assert sorted(proof) == ["audit_path", "entry", "leaf_index", "tree_size"]
    assert base64.b64decode(proof["entry"]) == logged.payload.encode()
    assert rfc9162.verify_inclusion(proof["leaf_index"], proof["tree_size"], rfc9162.leaf(logged.payload.encode()),
                                    [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(head["root_hash"]))


def test_proof_of_an_unknown_entry_or_bad_size_is_400_in_words(api, logged, analyst):
    response = api(analyst).get("/api/v1/audit/proof/999999/")
    assert response.status_code == 400
    assert response.json() == {"detail": "There is no audit entry 999999 in the log."}
    response = api(analyst).get(f"/api/v1/audit/proof/{logged.id}/", {"size": "many"})
    assert response.status_code == 400
    assert list(response.json()) == ["size"]


def test_consistency(api, logged, analyst):
    size = log.sequence()
    response = api(analyst).get("/api/v1/audit/consistency/", {"from": 1, "to": size})
    assert response.status_code == 200
    proof = response.json()
    assert sorted(proof) == ["proof", "root1", "root2", "size1", "size2"]
    assert rfc9162.verify_consistency(1, size, bytes.fromhex(proof["root1"]), bytes.fromhex(proof["root2"]),
                                      [bytes.fromhex(h) for h in proof["proof"]])
    assert api(analyst).get("/api/v1/audit/consistency/").status_code == 400
    response = api(analyst).get("/api/v1/audit/consistency/", {"from": size + 5})
    assert response.status_code == 400
    assert response.json() == {"detail": f"The audit log has {size} entries; it cannot answer for {size + 5}."}


def test_verify_is_a_post_for_readers(api, logged, analyst, documenter):
    assert api(documenter).post("/api/v1/audit/verify/").status_code == 403
    response = api(analyst).post("/api/v1/audit/verify/")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["problems"] == [] and body["first_bad_entry"] is None
    assert body["heads_checked"] == 1


def test_public_keys_need_no_sign_in(api, logged):
    head = log.latest_head()
    response = api().get("/api/v1/audit/keys/")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["key_id"] == head["key_id"] and key["current"] is True
    assert key["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    pem = api().get(f"/api/v1/audit/keys/{head['key_id']}.pem")
    assert pem.status_code == 200
    assert pem["Content-Type"] == "application/x-pem-file"
    assert pem.content.decode() == key["pem"]
    assert api().get(f"/api/v1/audit/keys/{'0' * 64}.pem").status_code == 404
    assert api().get("/api/v1/audit/keys/../secret.pem").status_code == 404


def test_schema_documents_the_audit_endpoints(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    text = path.read_text()
    for endpoint in ("head", "proof/{entry_id}", "consistency", "verify", "keys", "keys/{key_id}.pem"):
        assert f"/api/v1/audit/{endpoint}/" in text or f"/api/v1/audit/{endpoint}:" in text, endpoint


def test_messages_in_ukrainian(api, analyst):
    response = api(analyst).get("/api/v1/audit/head/", HTTP_ACCEPT_LANGUAGE="uk")
    assert response.json() == {"detail": "Жодної голови дерева ще не підписано."}
    response = api(analyst).get("/api/v1/audit/proof/999999/", HTTP_ACCEPT_LANGUAGE="uk")
    assert response.json() == {"detail": "У журналі немає запису аудиту 999999."}


# --- what a proof may show: the entry, or only its leaf hash -------------------------------------------


def _proof(api, user, entry):
    head = log.signed_head()
    response = api(user).get(f"/api/v1/audit/proof/{entry.id}/", {"size": head["tree_size"]})
    assert response.status_code == 200
    return response.json(), head


def _proven(proof, head, leaf: bytes) -> bool:
    return rfc9162.verify_inclusion(proof["leaf_index"], proof["tree_size"], leaf,
                                    [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(head["root_hash"]))


def test_a_narrative_naming_a_protected_person_is_withheld_from_an_analyst_not_from_a_coordinator(api, coordinator, analyst):
    from svidok.audit.models import AuditEntry
    from svidok.incidents.services import submit_incident, update_incident, verify_incident
    from tests import factories
    from tests.helpers import second_lead

    factories.person(coordinator, name="Ірина Коваленко", protected=True)
    incident = factories.incident(coordinator, title="Teacher threatened")
    update_incident(actor=coordinator, incident=incident, fields={"narrative": "Iryna Kovalenko was called in."})
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident)  # the analyst may see it: only the name is withheld
    entry = AuditEntry.objects.filter(object_id=incident.reference, action="update", changes__has_key="narrative").latest("id")

    shown, head = _proof(api, coordinator, entry)
    assert base64.b64decode(shown["entry"]).decode() == entry.payload and "withheld" not in shown

    withheld, head = _proof(api, analyst, entry)
    assert (withheld["entry"], withheld["withheld"]) == (None, "It names a protected person, and you may not see identities.")
    assert "Kovalenko" not in str(withheld)
    # Its place under the signed head is still proven: the leaf hash is the entry's.
    assert withheld["leaf_hash"] == rfc9162.leaf(entry.payload.encode()).hex()
    assert _proven(withheld, head, bytes.fromhex(withheld["leaf_hash"]))


def test_an_entry_about_a_restricted_incident_is_withheld_from_who_may_not_see_it(api, coordinator, analyst):
    from svidok.audit.models import AuditEntry
    from svidok.incidents.services import submit_incident, update_incident, verify_incident
    from tests import factories
    from tests.helpers import second_lead

    incident = factories.incident(coordinator, title="Search of a polling station chair's home")
    update_incident(actor=coordinator, incident=incident, fields={"sensitivity": "restricted", "narrative": "Details"})
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident)
    entry = AuditEntry.objects.filter(object_id=incident.reference).latest("id")

    withheld, head = _proof(api, analyst, entry)
    assert (withheld["entry"], withheld["withheld"]) == (None, "It is about an incident you may not see.")
    assert "polling station" not in str(withheld)
    assert _proven(withheld, head, bytes.fromhex(withheld["leaf_hash"]))
    assert _proof(api, coordinator, entry)[0]["entry"] is not None
