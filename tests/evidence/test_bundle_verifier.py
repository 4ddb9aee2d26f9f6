"""The standalone verifier that travels in every court bundle (svidok/evidence/bundle_files/verify.py).

It is checked here against an RFC 9162 Merkle tree written in this file straight from the RFC's
definitions (2.1.1 MTH, 2.1.3.1 PATH), and on small bundles made by hand with a fresh Ed25519 key:
nothing here comes from the platform's own log code, so the two are independent.
"""

import base64
import hashlib
import json
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

VERIFY = Path(__file__).resolve().parents[2] / "svidok" / "evidence" / "bundle_files" / "verify.py"
verifier = runpy.run_path(str(VERIFY))


# --- RFC 9162, 2.1.1 and 2.1.3.1, as written -------------------------------------------------------


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return sha(b"")
    if len(leaves) == 1:
        return sha(b"\x00" + leaves[0])
    k = split(len(leaves))
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


LEAVES = [f'{{"n":{i}}}'.encode() for i in range(40)]


def test_inclusion_proofs_of_every_leaf_of_every_tree_up_to_40_lead_to_the_root():
    for n in range(1, 41):
        root = mth(LEAVES[:n])
        for m in range(n):
            proof = path(m, LEAVES[:n])
            assert verifier["root_from_inclusion_proof"](m, n, verifier["leaf_hash"](LEAVES[m]), proof) == root, (m, n)


def test_a_proof_fails_for_another_leaf_index_size_or_entry():
    n, m = 13, 6
    root, proof = mth(LEAVES[:n]), path(m, LEAVES[:n])
    leaf = verifier["leaf_hash"](LEAVES[m])
    fold = verifier["root_from_inclusion_proof"]

    assert fold(m, n, leaf, proof) == root
    assert fold(m + 1, n, leaf, proof) != root
    assert fold(m, n + 1, leaf, proof) != mth(LEAVES[:n + 1])  # the proof of a smaller tree is no proof of a bigger one
    assert fold(m, 2 * n, leaf, proof) is None
    assert fold(m, n, verifier["leaf_hash"](LEAVES[m] + b" "), proof) != root
    assert fold(m, n, leaf, proof[:-1]) != root
    assert fold(m, n, leaf, [*proof, proof[0]]) is None
    assert fold(n, n, leaf, proof) is None


# --- bundles made by hand -------------------------------------------------------------------------


def canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def make_bundle(root: Path, *, key=None, entries=None, files=None) -> dict:
    """A small, valid bundle: two evidence files, entries recording their collection, a signed head."""
    key = key or Ed25519PrivateKey.generate()
    files = files or {"evidence/0001-order.pdf": b"%PDF-1.4 dismissal order", "evidence/0002-photo.jpg": b"\xff\xd8\xff photo"}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    entries = entries or [canonical({"action": "upload", "changes": {"sha256": [None, d]}, "object_id": name})
                          for name, d in digests.items()]
    log = [b'{"action":"create","object_id":"SV-2018-000001"}', *entries, b'{"action":"view"}']
    head = {"tree_size": len(log), "root_hash": mth(log).hex(), "timestamp": "2026-12-02T10:00:00Z",
            "key_id": hashlib.sha256(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).hexdigest()}
    head["signature"] = base64.b64encode(key.sign(canonical(head))).decode()
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "audit").mkdir(exist_ok=True)
    (root / "audit" / "sth.json").write_text(json.dumps(head))
    (root / "audit" / "public_key.pem").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    lines = [json.dumps({"leaf_index": i, "entry": base64.b64encode(log[i]).decode(), "audit_path": [h.hex() for h in path(i, log)]})
             for i in range(1, 1 + len(entries))]
    (root / "audit" / "entries.jsonl").write_text("\n".join(lines) + "\n")
    manifest = {"evidence": [{"file": name, "sha256": digests[name], "exhibit": f"E-{n}"} for n, name in enumerate(files, start=1)]}
    (root / "manifest.json").write_text(json.dumps(manifest))
    shutil.copy(VERIFY, root / "verify.py")
    write_sums(root)
    return head


def write_sums(root: Path) -> None:
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    (root / "SHA256SUMS").write_text("".join(f"{hashlib.sha256((root / n).read_bytes()).hexdigest()}  {n}\n" for n in names))


def run(root: Path, *args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args, str(root / "verify.py")], cwd=root, capture_output=True, text=True, env=env)


def test_a_good_bundle_verifies_with_sha256sum_and_verify_py(tmp_path):
    make_bundle(tmp_path)

    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    done = run(tmp_path)

    assert sums.returncode == 0 and sums.stdout.count(": OK") == 7
    assert done.returncode == 0, done.stdout
    assert "signature valid (checked with cryptography)" in done.stdout
    assert done.stdout.splitlines()[-1] == "The bundle verifies."


def without_cryptography_env(tmp_path, *, openssl: bool) -> dict:
    """An environment where ``import cryptography`` fails (``-S -I`` drop site-packages) and, unless
    asked, no ``openssl`` on PATH."""
    bin_dir = tmp_path.parent / f"bin-{openssl}"
    bin_dir.mkdir(exist_ok=True)
    if openssl:
        (bin_dir / "openssl").unlink(missing_ok=True)
        (bin_dir / "openssl").symlink_to(shutil.which("openssl"))
    return {"PATH": str(bin_dir)}


def test_without_the_cryptography_package_openssl_checks_the_signature(tmp_path):
    make_bundle(tmp_path)

    done = run(tmp_path, "-S", "-I", env=without_cryptography_env(tmp_path, openssl=True))

    assert done.returncode == 0, done.stdout
    assert "signature valid (checked with openssl)" in done.stdout


def test_with_neither_the_signature_is_said_not_checked_and_the_status_is_2(tmp_path):
    make_bundle(tmp_path)

    done = run(tmp_path, "-S", "-I", env=without_cryptography_env(tmp_path, openssl=False))

    assert done.returncode == 2, done.stdout
    assert "signature NOT checked" in done.stdout


@pytest.mark.parametrize("checker", ["cryptography", "openssl"])
def test_a_forged_head_fails_on_its_signature(tmp_path, checker):
    head = make_bundle(tmp_path)
    head["tree_size"] += 1  # a bigger log claimed under the old signature
    (tmp_path / "audit" / "sth.json").write_text(json.dumps(head))
    write_sums(tmp_path)
    env = None if checker == "cryptography" else without_cryptography_env(tmp_path, openssl=True)

    done = run(tmp_path, *([] if checker == "cryptography" else ["-S", "-I"]), env=env)

    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == f"FAIL the signature of audit/sth.json is not valid (checked with {checker})"


def test_a_changed_evidence_file_fails_on_its_sum(tmp_path):
    make_bundle(tmp_path)
    (tmp_path / "evidence" / "0002-photo.jpg").write_bytes(b"\xff\xd8\xff another photo")

    done = run(tmp_path)

    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "FAIL evidence/0002-photo.jpg does not have the SHA-256 that SHA256SUMS gives (changed after export)"


def test_an_added_or_removed_file_is_named(tmp_path):
    make_bundle(tmp_path)
    (tmp_path / "evidence" / "0003-extra.txt").write_text("slipped in")

    assert run(tmp_path).stdout.splitlines()[-1] == "FAIL evidence/0003-extra.txt is in the bundle but not listed in SHA256SUMS"

    (tmp_path / "evidence" / "0003-extra.txt").unlink()
    (tmp_path / "evidence" / "0001-order.pdf").unlink()

    assert run(tmp_path).stdout.splitlines()[-1] == "FAIL evidence/0001-order.pdf is listed in SHA256SUMS but missing from the bundle"


def test_an_entry_rewritten_and_resummed_fails_its_inclusion_proof(tmp_path):
    make_bundle(tmp_path)
    lines = (tmp_path / "audit" / "entries.jsonl").read_text().splitlines()
    item = json.loads(lines[1])
    item["entry"] = base64.b64encode(base64.b64decode(item["entry"]).replace(b"upload", b"delete")).decode()
    lines[1] = json.dumps(item)
    (tmp_path / "audit" / "entries.jsonl").write_text("\n".join(lines) + "\n")
    write_sums(tmp_path)  # whoever rewrote it also fixed the sums: the signed log still catches it

    done = run(tmp_path)

    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "FAIL audit entry at leaf 2 (audit/entries.jsonl line 2) is not in the signed log"


def test_a_file_swapped_with_manifest_and_sums_rewritten_is_not_tied_to_the_log(tmp_path):
    make_bundle(tmp_path)
    forged = b"%PDF-1.4 another order"
    (tmp_path / "evidence" / "0001-order.pdf").write_bytes(forged)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["evidence"][0]["sha256"] = hashlib.sha256(forged).hexdigest()
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    write_sums(tmp_path)

    done = run(tmp_path)

    assert done.returncode == 1
    assert done.stdout.splitlines()[-1].startswith("FAIL evidence/0001-order.pdf: no proved audit entry records the collection of these bytes")


def test_a_key_that_did_not_sign_the_head_is_refused_by_its_id(tmp_path):
    make_bundle(tmp_path)
    other = Ed25519PrivateKey.generate().public_key()
    (tmp_path / "audit" / "public_key.pem").write_bytes(other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    write_sums(tmp_path)

    assert run(tmp_path).stdout.splitlines()[-1] == "FAIL audit/public_key.pem is not the key that audit/sth.json names (key id differs)"


def test_a_sums_line_escaping_the_bundle_is_refused(tmp_path):
    make_bundle(tmp_path)
    with open(tmp_path / "SHA256SUMS", "a") as sums:
        sums.write(f"{'0' * 64}  ../outside.txt\n")

    assert run(tmp_path).stdout.splitlines()[-1].endswith("names a path outside the bundle: ../outside.txt")


def test_verify_py_needs_only_the_standard_library():
    """Its imports are all standard modules (cryptography only inside a guarded function)."""
    import ast

    tree = ast.parse(VERIFY.read_text())
    top = {alias.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    top |= {node.module.split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert top <= set(sys.stdlib_module_names)
    assert os.access(VERIFY, os.R_OK)
