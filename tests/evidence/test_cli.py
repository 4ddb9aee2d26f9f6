"""``svidok evidence``: add (files, folders, standard input), verify, withdraw, purge, cleanup; a SIGKILL mid-upload."""

import hashlib
import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from svidok.audit.models import AuditEntry
from svidok.evidence import services
from svidok.evidence.models import EvidenceItem, EvidenceLink
from svidok.evidence.storage import CHUNK_SIZE, blob_name
from tests import factories
from tests.evidence.conftest import SVIDOK, stored_files


def run(*args) -> str:
    out = io.StringIO()
    call_command("evidence", *args, stdout=out)
    return out.getvalue()


def test_add_folders_recursively_and_print_json(documenter, tmp_path, vault):
    (tmp_path / "case" / "photos").mkdir(parents=True)
    (tmp_path / "case" / "order.txt").write_bytes(b"order")
    (tmp_path / "case" / "photos" / "a.txt").write_bytes(b"photo a")
    single = tmp_path / "note.txt"
    single.write_bytes(b"note")
    incident = factories.incident(documenter)

    lines = run("add", str(tmp_path / "case"), str(single), "--incident", incident.reference, "--as", "documenter",
                "--json").splitlines()

    printed = [json.loads(line) for line in lines]
    assert [(p["name"], p["size"], p["media_type"], p["sha256"]) for p in printed] == [
        ("order.txt", 5, "text/plain", hashlib.sha256(b"order").hexdigest()),
        ("a.txt", 7, "text/plain", hashlib.sha256(b"photo a").hexdigest()),
        ("note.txt", 4, "text/plain", hashlib.sha256(b"note").hexdigest()),
    ]
    items = {str(i.uuid): i for i in EvidenceItem.objects.all()}
    assert set(items) == {p["id"] for p in printed}
    assert all(i.created_by == documenter and i.method == "command" for i in items.values())
    assert sorted(EvidenceLink.objects.filter(incident=incident).values_list("exhibit", flat=True)) == ["E-1", "E-2", "E-3"]


def test_add_a_missing_path_stores_nothing(tmp_path, vault, db):
    (tmp_path / "there.txt").write_bytes(b"x")

    with pytest.raises(CommandError, match="nowhere.txt: no such file or folder."):
        run("add", str(tmp_path / "there.txt"), str(tmp_path / "nowhere.txt"))

    assert not EvidenceItem.objects.exists()
    assert stored_files(vault) == []


def test_add_to_an_unknown_incident_is_refused(tmp_path, db):
    (tmp_path / "a.txt").write_bytes(b"x")

    with pytest.raises(CommandError, match="No incident SV-2099-000001."):
        run("add", str(tmp_path / "a.txt"), "--incident", "SV-2099-000001")


def test_a_file_over_the_limit_is_a_clear_error(tmp_path, settings, vault, db):
    settings.SVIDOK_EVIDENCE_MAX_BYTES = 1024
    (tmp_path / "big.bin").write_bytes(os.urandom(2000))

    with pytest.raises(CommandError, match=r"big.bin: The file is larger than the limit of 1.0 KiB: nothing was stored."):
        run("add", str(tmp_path / "big.bin"))

    assert stored_files(vault) == []


def test_without_as_the_system_account_adds(tmp_path, db):
    (tmp_path / "a.txt").write_bytes(b"x")
    run("add", str(tmp_path / "a.txt"))

    assert EvidenceItem.objects.get().created_by.username == "system"


def test_verify_all_fails_when_an_original_was_altered(tmp_path, vault, db):
    (tmp_path / "a.txt").write_bytes(b"kept")
    (tmp_path / "b.txt").write_bytes(b"to be altered")
    run("add", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert run("verify", "--all").count("intact") == 2

    altered = vault / blob_name(hashlib.sha256(b"to be altered").hexdigest())
    altered.write_bytes(b"altered!")
    with pytest.raises(CommandError, match="1 of 2 items failed verification."):
        run("verify", "--all")
    assert AuditEntry.objects.filter(action="verify").count() == 4


def test_withdraw_and_purge_act_as_the_user_given(tmp_path, admin_user, coordinator, documenter, vault,
                                                  django_capture_on_commit_callbacks):
    (tmp_path / "a.txt").write_bytes(b"x")
    run("add", str(tmp_path / "a.txt"))
    item = EvidenceItem.objects.get()

    with pytest.raises(CommandError, match="documenter may not withdraw evidence."):
        run("withdraw", str(item.uuid), "--reason", "wrong", "--as", "documenter")
    assert run("withdraw", str(item.uuid), "--reason", "Wrong incident", "--as", "coordinator") == "Withdrawn.\n"
    with pytest.raises(CommandError, match="coordinator may not purge evidence."):
        run("purge", str(item.uuid), "--reason", "takedown", "--as", "coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        out = run("purge", str(item.uuid), "--reason", "Court order 12/2026", "--as", "admin")
    assert out.startswith("Erased: the original's bytes are deleted")
    assert stored_files(vault) == []
    with pytest.raises(CommandError, match="No evidence item 'nonsense'."):
        run("withdraw", "nonsense", "--reason", "x")


def _age(path: Path, hours: float) -> None:
    moment = time.time() - hours * 3600
    os.utime(path, (moment, moment))


def test_cleanup_removes_old_temporaries_and_unrecorded_bytes_only(documenter, vault, db):
    kept = services.add_item(actor=documenter, file=io.BytesIO(b"recorded"), name="a.txt", method="upload")
    (vault / "tmp").mkdir(exist_ok=True)
    old_temp, new_temp = vault / "tmp" / "old.part", vault / "tmp" / "new.part"
    old_temp.write_bytes(b"half an upload")
    new_temp.write_bytes(b"an upload in progress")
    orphan = vault / blob_name(hashlib.sha256(b"moved, never recorded").hexdigest())
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"moved, never recorded")
    stranger = vault / "README"
    stranger.write_bytes(b"not ours")
    for path in (old_temp, orphan, vault / kept.blob.storage_name, stranger):
        _age(path, 2)

    assert run("cleanup") == "Removed 1 unfinished uploads, 1 unrecorded files, 0 erased originals left behind.\n"

    assert stored_files(vault) == sorted(["README", kept.blob.storage_name, "tmp/new.part"])
    assert AuditEntry.objects.filter(object_type="evidence.storage").get().changes == {
        "temporaries": [None, 1], "orphans": [None, 1], "erased": [None, 0]}


# --- a real process killed in the middle of an upload -----------------------------------------------------------


def test_a_process_killed_mid_upload_leaves_no_record_and_no_blob_after_cleanup(process_env):
    env, storage, counts = process_env
    process = subprocess.Popen([SVIDOK, "evidence", "add", "-", "--name", "big.mp4"], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Two chunks: the copy writes both, then waits for a third that never comes.
    process.stdin.write(os.urandom(2 * CHUNK_SIZE))
    process.stdin.flush()
    temporary = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        parts = list((storage / "tmp").glob("*.part")) if (storage / "tmp").exists() else []
        if parts and parts[0].stat().st_size == 2 * CHUNK_SIZE:
            temporary = parts[0]
            break
        time.sleep(0.01)  # polling for a state, not timing an assertion
    assert temporary is not None, process.stderr.read().decode() if process.poll() is not None else "no temporary"

    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    process.stdin.close()
    process.stderr.close()
    assert stored_files(storage) == [f"tmp/{temporary.name}"]  # what a SIGKILL leaves
    assert counts() == (0, 0, 0)

    done = subprocess.run([SVIDOK, "evidence", "cleanup", "--grace", "0"], env=env, capture_output=True, timeout=120,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Removed 1 unfinished uploads, 0 unrecorded files, 0 erased originals left behind.\n"
    assert stored_files(storage) == []
    assert counts() == (0, 0, 0)

    # The vault works after the restart: the same command finishes when it is not killed.
    done = subprocess.run([SVIDOK, "evidence", "add", "-", "--name", "small.txt", "--json"], env=env, input=b"whole",
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sha256"] == hashlib.sha256(b"whole").hexdigest()
    assert counts() == (1, 1, 2)
