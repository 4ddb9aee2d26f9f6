"""RFC 3161 time-stamps of signed tree heads, when a time-stamping authority is configured.

A head's time-stamp request carries SHA-256 of the head's canonical JSON (signature included), a
random nonce and ``certReq``; the authority's reply (a DER ``TimeStampResp``) is kept with the head.
The request is encoded here (a fixed DER structure of four fields); the reply's status is read
here; its token (CMS SignedData) is checked with ``openssl ts -verify`` against the authority's
CA certificate (``settings.SVIDOK_AUDIT_TSA_CA``).
"""

import hashlib
import logging
import secrets
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

SHA256_ALGORITHM = bytes.fromhex("300d06096086480165030402010500")  # AlgorithmIdentifier sha256, NULL


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def _integer(value: int) -> bytes:
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")  # a leading 0 keeps it positive
    return _der(0x02, raw)


def request(data: bytes, nonce: int | None = None) -> bytes:
    """A DER TimeStampReq (RFC 3161 §2.4.1) for SHA-256 of ``data``, asking for the TSA's certificate."""
    nonce = secrets.randbits(63) if nonce is None else nonce
    imprint = _der(0x30, SHA256_ALGORITHM + _der(0x04, hashlib.sha256(data).digest()))
    return _der(0x30, _integer(1) + imprint + _integer(nonce) + _der(0x01, b"\xff"))


def _read(buf: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at ``at``."""
    tag, first = buf[at], buf[at + 1]
    at += 2
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(buf[at:at + count], "big")
        at += count
    else:
        length = first
    return tag, at, at + length


def status(reply: bytes) -> int:
    """The PKIStatus of a TimeStampResp: 0 granted, 1 granted with modifications, 2+ refused."""
    tag, start, _end = _read(reply, 0)
    tag2, start2, _end2 = _read(reply, start)
    tag3, start3, end3 = _read(reply, start2)
    if (tag, tag2, tag3) != (0x30, 0x30, 0x02):
        raise ValueError("not a time-stamp reply")
    return int.from_bytes(reply[start3:end3], "big")


def stamp(data: bytes) -> bytes | None:
    """The TSA's reply for ``data``, or None when no TSA is configured or it did not grant one
    (logged: a head is never held back by an unreachable authority)."""
    url = settings.SVIDOK_AUDIT_TSA_URL
    if not url:
        return None
    req = urllib.request.Request(url, data=request(data), method="POST",
                                 headers={"Content-Type": "application/timestamp-query"})
    try:
        with urllib.request.urlopen(req, timeout=settings.SVIDOK_AUDIT_TSA_TIMEOUT) as response:
            reply = response.read(1_000_000)
        if status(reply) > 1:
            raise ValueError(f"status {status(reply)}")
    except (OSError, ValueError, urllib.error.URLError) as exc:
        log.warning("time-stamping authority gave no time-stamp: %s", exc)
        return None
    return reply


def check(data: bytes, reply: bytes) -> bool | None:
    """True when ``reply`` is a valid time-stamp of ``data`` by an authority under the configured CA
    (``openssl ts -verify``); None when no CA is configured (not checked)."""
    ca = settings.SVIDOK_AUDIT_TSA_CA
    if not ca:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "data").write_bytes(data)
        (Path(tmp) / "reply.tsr").write_bytes(reply)
        result = subprocess.run(["openssl", "ts", "-verify", "-data", str(Path(tmp) / "data"), "-in",
                                 str(Path(tmp) / "reply.tsr"), "-CAfile", str(ca)], capture_output=True)
    return result.returncode == 0
