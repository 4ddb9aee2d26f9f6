"""RFC 3161 time-stamps of heads against a local authority made with ``openssl ts`` on loopback."""

import hashlib
import http.server
import subprocess
import threading

import pytest
from django.db import transaction

from svidok.accounts.services import system_account
from svidok.audit import log, timestamping
from svidok.audit.services import canonical_json, record


def openssl(*args, cwd):
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    """A CA, a time-stamping certificate under it, and an HTTP server answering time-stamp queries
    with ``openssl ts -reply``."""
    d = tmp_path_factory.mktemp("tsa")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Test TSA CA", "-days", "2",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Test TSA", cwd=d)
    (d / "ext.cnf").write_text("extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n"
                               "basicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "tsa.crt", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    (d / "serial").write_text("01\n")
    (d / "tsa.cnf").write_text(f"""
[ tsa ]
default_tsa = local
[ local ]
serial = {d}/serial
crypto_device = builtin
signer_cert = {d}/tsa.crt
certs = {d}/tsa.crt
signer_key = {d}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                (d / "query.tsq").write_bytes(body)
                openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", "query.tsq", "-out", "reply.tsr", cwd=d)
                reply = (d / "reply.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_address[1]}/", "ca": d / "ca.crt", "dir": d}
    server.shutdown()


@pytest.fixture
def entries(db):
    with transaction.atomic():
        record(actor=system_account(), action="create", object_type="test.thing", object_id="T-1")


def test_request_is_the_der_openssl_reads(tmp_path):
    (tmp_path / "q.tsq").write_bytes(timestamping.request(b"head", nonce=0x1234))
    text = openssl("ts", "-query", "-in", "q.tsq", "-text", cwd=tmp_path)
    assert "Hash Algorithm: sha256" in text
    assert hashlib.sha256(b"head").hexdigest()[:8] in text.replace(" ", "").replace("-", "").lower()
    assert "Nonce: 0x1234" in text
    assert "Certificate required: yes" in text


def test_heads_are_time_stamped_and_verified(entries, authority, settings, tmp_path):
    settings.SVIDOK_AUDIT_TSA_URL = authority["url"]
    settings.SVIDOK_AUDIT_TSA_CA = str(authority["ca"])
    head = log.issue_head()
    reply = log.timestamp_reply(head)
    assert timestamping.status(reply) == 0
    (tmp_path / "head.json").write_bytes(canonical_json(head).encode())
    (tmp_path / "reply.tsr").write_bytes(reply)
    out = openssl("ts", "-verify", "-data", "head.json", "-in", "reply.tsr", "-CAfile", str(authority["ca"]),
                  cwd=tmp_path)
    assert "Verification: OK" in out
    report = log.verify_log()
    assert report.ok, report.problems
    assert report.timestamps_checked == 1
    assert timestamping.check(b"another head", reply) is False


def test_an_unreachable_authority_does_not_hold_back_the_head(entries, settings):
    settings.SVIDOK_AUDIT_TSA_URL = "http://127.0.0.1:9/"  # discard port: nothing listens
    settings.SVIDOK_AUDIT_TSA_TIMEOUT = 2
    head = log.issue_head()
    assert log.timestamp_reply(head) is None
    assert log.verify_log().ok


def test_no_authority_configured_means_no_time_stamp(entries):
    head = log.issue_head()
    assert log.timestamp_reply(head) is None
