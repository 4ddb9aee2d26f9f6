#!/usr/bin/env python3
"""Check a Svidok court bundle, offline, with nothing but Python's standard library.

    python3 verify.py [BUNDLE_DIRECTORY]      (default: the directory this file is in)

What is checked, in this order; the first problem found is named and the exit status is 1:

1. SHA256SUMS: every file it lists exists and has that SHA-256, and every file of the bundle
   except SHA256SUMS itself is listed (nothing added, nothing missing).
2. The signed tree head (audit/sth.json): its key id is the SHA-256 of the public key in
   audit/public_key.pem, and its Ed25519 signature is valid. The signature is checked with the
   `cryptography` package or, failing that, the `openssl` command, whichever is present (the
   report says which); when neither is, the report says plainly that the signature was NOT
   checked and the exit status is 2.
3. Every audit entry in audit/entries.jsonl is in the log that head describes: its inclusion
   proof (RFC 9162, section 2.1.3.2) leads from SHA-256(0x00 || entry) to the head's root hash.
   An entry withheld to protect a person's identity (its text names someone this bundle may not
   name) carries only its leaf hash: the proof must lead from that hash to the root, so its place
   in the log is proven while its content is not shown. The report counts them.
4. Every evidence file listed in manifest.json has the SHA-256 the manifest gives, and that hash
   appears in a proved audit entry about the item (the record of its collection), so each file
   is tied to the signed log, not just to this bundle's own lists. When that record is one of the
   withheld entries (the manifest's custody of the item names it by leaf), the report says that
   this file's tie to the log is not shown.

Exit status: 0 all checked and good; 1 a problem (named on the last line); 2 good except that
the signature could not be checked here.

This program is part of the bundle and is covered by SHA256SUMS; a copy can also be obtained
from the Svidok project and compared.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw 32-byte key follows it.
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


class Problem(Exception):
    """The first thing wrong with the bundle, in words."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- 1. the sums ------------------------------------------------------------------------------


def check_sums(root: Path) -> int:
    sums = root / "SHA256SUMS"
    if not sums.is_file():
        raise Problem("SHA256SUMS is missing")
    listed = {}
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise Problem(f"SHA256SUMS line {number} is not '<sha256>  <path>'")
        if name.startswith("/") or ".." in Path(name).parts:
            raise Problem(f"SHA256SUMS line {number} names a path outside the bundle: {name}")
        listed[name] = digest
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    for name in sorted(set(listed) - present):
        raise Problem(f"{name} is listed in SHA256SUMS but missing from the bundle")
    for name in sorted(present - set(listed)):
        raise Problem(f"{name} is in the bundle but not listed in SHA256SUMS")
    for name, digest in sorted(listed.items()):
        if sha256_file(root / name) != digest:
            raise Problem(f"{name} does not have the SHA-256 that SHA256SUMS gives (changed after export)")
    return len(listed)


# --- 2. the signed head -----------------------------------------------------------------------


def canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def raw_public_key(pem: str) -> bytes:
    body = "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))
    der = base64.b64decode(body)
    if len(der) != 44 or not der.startswith(ED25519_SPKI_PREFIX):
        raise Problem("audit/public_key.pem is not an Ed25519 public key")
    return der[len(ED25519_SPKI_PREFIX):]


def verify_with_cryptography(raw_key: bytes, signature: bytes, message: bytes):
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def verify_with_openssl(pem_path: Path, signature: bytes, message: bytes):
    openssl = shutil.which("openssl")
    if not openssl:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        msg, sig = Path(tmp) / "head.json", Path(tmp) / "head.sig"
        msg.write_bytes(message)
        sig.write_bytes(signature)
        done = subprocess.run([openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(pem_path), "-rawin",
                               "-in", str(msg), "-sigfile", str(sig)], capture_output=True)
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    if done.returncode == 0 and "Signature Verified Successfully" in output:
        return True
    if "Signature Verification Failure" in output:
        return False
    return None  # an openssl too old for Ed25519 or -rawin: it could not check


def check_head(root: Path) -> tuple[dict, str]:
    try:
        head = json.loads((root / "audit" / "sth.json").read_text(encoding="utf-8"))
        pem_path = root / "audit" / "public_key.pem"
        pem = pem_path.read_text(encoding="ascii")
    except (OSError, ValueError) as error:
        raise Problem(f"the signed tree head cannot be read: {error}") from None
    for key in ("tree_size", "root_hash", "timestamp", "key_id", "signature"):
        if key not in head:
            raise Problem(f"audit/sth.json has no {key!r}")
    raw = raw_public_key(pem)
    if hashlib.sha256(raw).hexdigest() != head["key_id"]:
        raise Problem("audit/public_key.pem is not the key that audit/sth.json names (key id differs)")
    signature = base64.b64decode(head["signature"])
    message = canonical({k: v for k, v in head.items() if k != "signature"})
    for name, check in (("cryptography", lambda: verify_with_cryptography(raw, signature, message)),
                        ("openssl", lambda: verify_with_openssl(pem_path, signature, message))):
        outcome = check()
        if outcome is False:
            raise Problem(f"the signature of audit/sth.json is not valid (checked with {name})")
        if outcome:
            return head, f"signature valid (checked with {name})"
    return head, ""


# --- 3. inclusion proofs (RFC 9162, 2.1.3.2) ----------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_proof(leaf_index: int, tree_size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """The root hash the proof leads to, or None when the proof cannot be for this index and size."""
    if leaf_index < 0 or leaf_index >= tree_size:
        return None
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def check_entries(root: Path, head: dict) -> tuple[dict[int, bytes], dict[int, str]]:
    """The proved entries ``{leaf index: entry bytes}`` and the withheld ones ``{leaf index: reason}``."""
    tree_size, root_hash = int(head["tree_size"]), bytes.fromhex(head["root_hash"])
    entries, withheld = {}, {}
    path = root / "audit" / "entries.jsonl"
    if not path.is_file():
        raise Problem("audit/entries.jsonl is missing")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            index = int(item["leaf_index"])
            if "withheld" in item:
                entry, leaf = None, bytes.fromhex(item["leaf_hash"])
                if "entry" in item or len(leaf) != 32 or not isinstance(item["withheld"], str):
                    raise ValueError
            else:
                entry = base64.b64decode(item["entry"], validate=True)
                leaf = leaf_hash(entry)
            proof = [bytes.fromhex(h) for h in item["audit_path"]]
        except (ValueError, KeyError, TypeError):
            raise Problem(f"audit/entries.jsonl line {number} is not a proved entry") from None
        if index in entries or index in withheld:
            raise Problem(f"audit/entries.jsonl line {number} repeats the entry at leaf {index}")
        if root_from_inclusion_proof(index, tree_size, leaf, proof) != root_hash:
            raise Problem(f"audit entry at leaf {index} (audit/entries.jsonl line {number}) is not in the signed log")
        if entry is None:
            withheld[index] = item["withheld"]
        else:
            entries[index] = entry
    return entries, withheld


# --- 4. evidence files tied to the log --------------------------------------------------------


def check_evidence(root: Path, entries: dict[int, bytes], withheld: dict[int, str]) -> tuple[int, int]:
    """How many files are tied to a proved entry, and how many only to a withheld one."""
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise Problem(f"manifest.json cannot be read: {error}") from None
    proved = [entry.decode("utf-8", "replace") for entry in entries.values()]
    count, untied = 0, 0
    for item in manifest.get("evidence", []):
        name, digest = item.get("file"), item.get("sha256", "")
        if not name:
            continue  # an item whose bytes were erased (legal takedown) travels without its file
        path = root / name
        if not path.is_file():
            raise Problem(f"{name} (exhibit {item.get('exhibit') or '?'}) is missing")
        if sha256_file(path) != digest:
            raise Problem(f"{name} does not have the SHA-256 that manifest.json gives")
        if not any(digest in entry for entry in proved):
            custody = item.get("custody") if isinstance(item.get("custody"), list) else []
            hidden = [c.get("leaf_index") for c in custody if isinstance(c, dict) and c.get("withheld")]
            if not any(index in withheld for index in hidden):
                raise Problem(f"{name}: no proved audit entry records the collection of these bytes ({digest})")
            untied += 1
        count += 1
    return count, untied


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))).resolve()
    try:
        files = check_sums(root)
        print(f"ok   SHA256SUMS: {files} files, each with its SHA-256")
        head, signed = check_head(root)
        print(f"{'ok  ' if signed else 'WARN'} signed tree head: size {head['tree_size']}, root {head['root_hash']}, "
              f"{head['timestamp']}; {signed or 'signature NOT checked: neither the cryptography package nor an openssl with Ed25519 is present here'}")
        entries, withheld = check_entries(root, head)
        print(f"ok   audit entries: {len(entries)} proved against the signed head")
        if withheld:
            print(f"ok   {len(withheld)} {'entry' if len(withheld) == 1 else 'entries'} withheld to protect identities: "
                  "their place in the log is proven, their content is not shown")
        evidence, untied = check_evidence(root, entries, withheld)
        print(f"ok   evidence: {evidence} files match the manifest and a proved audit entry"
              if not untied else
              f"ok   evidence: {evidence} files match the manifest; {evidence - untied} of them a proved audit entry, "
              f"{untied} only a withheld one (their tie to the log is not shown)")
    except Problem as problem:
        print(f"FAIL {problem}")
        return 1
    if not signed:
        print("The bundle is consistent, but its signature was not checked.")
        return 2
    print("The bundle verifies.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
