"""The vault on S3-compatible object storage: moto's standalone server on loopback, django-storages' S3 backend."""

import datetime as dt
import hashlib
import io
import socket

import boto3
import pytest
from django.urls import reverse
from PIL import Image

from svidok.evidence import services
from svidok.evidence.models import Blob
from svidok.evidence.storage import blob_name, thumbnail_name
from tests.helpers import login

BUCKET = "svidok-evidence"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, vault, request):
    """A fresh bucket per test, and the evidence storage pointed at it (with a prefix, as in production)."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, **KEYS)
    name = f"{BUCKET}-{abs(hash(request.node.name)) % 10**8}"
    client.create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, "evidence": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": name, "endpoint_url": s3_endpoint, "access_key": "testing", "secret_key": "testing",
        "region_name": "us-east-1", "location": "vault", "default_acl": "private", "file_overwrite": True}}}
    yield client, name
    objects = client.list_objects_v2(Bucket=name).get("Contents", [])
    for obj in objects:
        client.delete_object(Bucket=name, Key=obj["Key"])
    client.delete_bucket(Bucket=name)


def keys(client, name) -> list[str]:
    return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=name).get("Contents", []))


def add(actor, data: bytes, name="a.bin", **kwargs):
    return services.add_item(actor=actor, file=io.BytesIO(data), name=name, method="upload", **kwargs)


def test_add_stores_the_object_under_its_hash_and_dedups(bucket, documenter, vault):
    client, name = bucket
    data = b"a statement from the witness"
    first = add(documenter, data, "a.txt")
    second = add(documenter, data, "b.txt")

    sha = hashlib.sha256(data).hexdigest()
    assert first.blob_id == second.blob_id
    assert Blob.objects.get().storage_name == blob_name(sha)
    assert keys(client, name) == [f"vault/{blob_name(sha)}"]  # no temporary left, stored once
    assert client.get_object(Bucket=name, Key=f"vault/{blob_name(sha)}")["Body"].read() == data
    assert not vault.exists()  # nothing went to the local directory


def test_an_image_gets_its_metadata_and_thumbnail_on_s3(bucket, documenter):
    client, name = bucket
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(out, format="JPEG")
    item = add(documenter, out.getvalue(), "photo.jpg")

    assert (item.metadata["width"], item.metadata["height"]) == (640, 480)
    assert keys(client, name) == sorted([f"vault/{blob_name(item.blob.sha256)}", f"vault/{thumbnail_name(item.blob.sha256)}"])


def test_download_streams_from_s3_with_the_same_headers(bucket, client, documenter, verified):
    item = add(documenter, b"<html><script>alert(1)</script></html>", "page.html", incident=verified)
    login(client, documenter)

    response = client.get(reverse("evidence:download", args=[item.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == b"<html><script>alert(1)</script></html>"


def test_verify_reads_the_object_back(bucket, coordinator, documenter):
    client, name = bucket
    item = add(documenter, b"kept as sent")
    assert services.verify_item(actor=coordinator, item=item).outcome == "intact"

    client.put_object(Bucket=name, Key=f"vault/{item.blob.storage_name}", Body=b"kept as SENT")
    assert services.verify_item(actor=coordinator, item=item).outcome == "altered"
    client.delete_object(Bucket=name, Key=f"vault/{item.blob.storage_name}")
    assert services.verify_item(actor=coordinator, item=item).outcome == "missing"


def test_an_interrupted_upload_leaves_no_object(bucket, documenter):
    client, name = bucket

    class Broken(io.RawIOBase):
        sent = 0

        def readable(self):
            return True

        def read(self, size=-1):
            if self.sent:
                raise ConnectionResetError("the client went away")
            self.sent = 1
            return b"x" * 1024

    with pytest.raises(services.ValidationError):
        services.add_item(actor=documenter, file=Broken(), name="partial.bin", method="upload")

    assert keys(client, name) == []
    assert not Blob.objects.exists()


def test_cleanup_removes_old_temporaries_and_orphans_on_s3(bucket, admin_user, documenter):
    client, name = bucket
    kept = add(documenter, b"recorded")
    client.put_object(Bucket=name, Key="vault/tmp/abc.part", Body=b"half")
    orphan = blob_name(hashlib.sha256(b"orphan").hexdigest())
    client.put_object(Bucket=name, Key=f"vault/{orphan}", Body=b"orphan")

    report = services.cleanup(actor=admin_user, grace=dt.timedelta(0))

    assert (report.temporaries, report.orphans) == (1, 1)
    assert keys(client, name) == [f"vault/{kept.blob.storage_name}"]


def test_purge_deletes_the_object(bucket, admin_user, documenter, django_capture_on_commit_callbacks):
    client, name = bucket
    item = add(documenter, b"to be taken down")
    with django_capture_on_commit_callbacks(execute=True):
        services.purge_item(actor=admin_user, item=item, reason="Court order")

    assert keys(client, name) == []


def _settings_in_a_process(tmp_path, **env):
    import os
    import subprocess
    import sys
    from pathlib import Path

    svidok = str(Path(sys.executable).with_name("svidok"))
    environment = {**os.environ, "SVIDOK_VAR_DIR": str(tmp_path), **env}
    code = "from django.conf import settings; e = settings.STORAGES['evidence']; print(e['BACKEND'], e['OPTIONS'].get('bucket_name'), e['OPTIONS'].get('endpoint_url'))"
    return subprocess.run([svidok, "shell", "-c", code], env=environment, capture_output=True, text=True, timeout=120)


def test_the_environment_selects_s3(tmp_path):
    done = _settings_in_a_process(tmp_path, SVIDOK_EVIDENCE_STORAGE="s3", SVIDOK_EVIDENCE_S3_BUCKET="evidence",
                                  SVIDOK_EVIDENCE_S3_ENDPOINT="http://127.0.0.1:9000")

    assert done.stdout.splitlines()[-1] == "storages.backends.s3.S3Storage evidence http://127.0.0.1:9000", done.stderr


def test_s3_without_a_bucket_stops_start_up_with_a_message(tmp_path):
    done = _settings_in_a_process(tmp_path, SVIDOK_EVIDENCE_STORAGE="s3")

    assert done.returncode != 0
    assert "SVIDOK_EVIDENCE_STORAGE=s3 needs SVIDOK_EVIDENCE_S3_BUCKET." in done.stderr
