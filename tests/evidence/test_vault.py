"""The vault: bytes kept under their SHA-256, once; custody entries; refusals and failures that leave nothing."""

import errno
import hashlib
import io
import os
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage

from svidok.audit.models import AuditEntry
from svidok.evidence import services
from svidok.evidence.models import Blob, EvidenceItem, EvidenceLink
from svidok.evidence.queries import visible_items
from svidok.evidence.storage import blob_name
from tests import factories
from tests.evidence.conftest import local_storage, stored_files

UPLOAD = EvidenceItem.Method.UPLOAD


def add(actor, data: bytes, name="file.bin", **kwargs):
    return services.add_item(actor=actor, file=io.BytesIO(data), name=name, method=kwargs.pop("method", UPLOAD), **kwargs)


def custody(item) -> list[str]:
    return list(AuditEntry.objects.filter(object_type="evidence.evidenceitem", object_id=item.public_id)
                .order_by("id").values_list("action", flat=True))


def code(error: ValidationError) -> str:
    return next(e.code for errors in error.error_dict.values() for e in errors)


def nothing_stored(vault) -> bool:
    return (stored_files(vault) == [] and not Blob.objects.exists() and not EvidenceItem.objects.exists()
            and not AuditEntry.objects.filter(object_type="evidence.evidenceitem").exists())


# --- hashing, addressing, dedup ---------------------------------------------------------------------------


def test_add_item_stores_the_bytes_under_their_sha256(documenter, vault):
    data = b"Order No. 12: dismiss the teacher for not voting.\n"
    item = add(documenter, data, name="order.txt", claimed_type="text/html", description="The dismissal order")

    sha = hashlib.sha256(data).hexdigest()
    assert item.blob.sha256 == sha
    assert item.blob.size == len(data)
    assert item.blob.media_type == "text/plain"  # sniffed, not the sender's word
    assert item.claimed_type == "text/html"
    assert item.blob.storage_name == f"{sha[:2]}/{sha[2:4]}/{sha}"
    assert (vault / item.blob.storage_name).read_bytes() == data
    assert stored_files(vault) == [item.blob.storage_name]  # no temporary left
    assert (vault / item.blob.storage_name).stat().st_mode & 0o777 == 0o600
    assert (vault / sha[:2]).stat().st_mode & 0o777 == 0o700


def test_add_item_records_collection_and_upload_as_custody(documenter):
    item = add(documenter, b"abc", name="a.txt", method=EvidenceItem.Method.COMMAND, collected_by="Monitor K.",
               origin="phone of the witness")

    entries = list(AuditEntry.objects.filter(object_id=item.public_id).order_by("id"))
    assert [e.action for e in entries] == ["collect", "upload"]
    assert entries[0].actor == documenter
    assert entries[0].changes == {"method": [None, "command"], "collected_at": [None, None],
                                  "collected_by": [None, "Monitor K."], "origin": [None, "phone of the witness"]}
    assert entries[1].changes["sha256"] == [None, hashlib.sha256(b"abc").hexdigest()]
    assert entries[1].changes["size"] == [None, 3]
    assert entries[1].changes["media_type"] == [None, "text/plain"]
    assert entries[1].changes["stored"] == [None, "new"]


def test_same_bytes_twice_are_one_blob_and_two_items(documenter, coordinator, vault):
    first = add(documenter, b"the same photo bytes", name="a.jpg")
    second = add(coordinator, b"the same photo bytes", name="b.jpg")

    assert first.pk != second.pk
    assert first.blob_id == second.blob_id
    assert Blob.objects.count() == 1
    assert stored_files(vault) == [first.blob.storage_name]
    upload = AuditEntry.objects.get(object_id=second.public_id, action="upload")
    assert upload.changes["stored"] == [None, "already held"]


def test_add_item_from_a_path_keeps_the_file_where_it_was(documenter, tmp_path, vault):
    source = tmp_path / "in" / "report.pdf"
    source.parent.mkdir()
    source.write_bytes(b"%PDF-1.4 not really")
    item = services.add_item(actor=documenter, file=source, name=source.name, method=UPLOAD)

    assert source.read_bytes() == b"%PDF-1.4 not really"
    assert item.original_name == "report.pdf"
    assert (vault / item.blob.storage_name).read_bytes() == b"%PDF-1.4 not really"


# --- links and exhibit numbers ------------------------------------------------------------------------------


def test_items_added_to_an_incident_get_the_next_exhibit_numbers(documenter):
    incident = factories.incident(documenter)
    first = add(documenter, b"one", incident=incident)
    second = add(documenter, b"two", incident=incident, link_description="The envelope")
    third = add(documenter, b"three", incident=incident, exhibit="E-10")
    fourth = add(documenter, b"four", incident=incident)

    exhibits = {link.item_id: link.exhibit for link in EvidenceLink.objects.filter(incident=incident)}
    assert exhibits == {first.pk: "E-1", second.pk: "E-2", third.pk: "E-10", fourth.pk: "E-11"}
    assert EvidenceLink.objects.get(item=second).description == "The envelope"
    assert custody(first) == ["collect", "upload", "link"]


def test_an_exhibit_number_in_use_is_refused_and_nothing_is_stored(documenter, vault):
    incident = factories.incident(documenter)
    add(documenter, b"one", incident=incident, exhibit="E-1")
    files_before = stored_files(vault)

    with pytest.raises(ValidationError) as caught:
        add(documenter, b"two", incident=incident, exhibit="E-1")

    assert caught.value.message_dict == {"exhibit": ["Exhibit E-1 is already used in this incident."]}
    assert stored_files(vault) == files_before
    assert EvidenceItem.objects.count() == 1


def test_link_item_to_a_source_and_to_an_incident(documenter):
    incident = factories.incident(documenter)
    source = factories.source(documenter)
    item = add(documenter, b"x")
    services.link_item(actor=documenter, item=item, source=source, description="Quoted in the report")
    link = services.link_item(actor=documenter, item=item, incident=incident)

    assert link.exhibit == "E-1"
    assert EvidenceLink.objects.filter(item=item).count() == 2
    with pytest.raises(ValidationError):
        services.link_item(actor=documenter, item=item, incident=incident)


def test_an_incident_the_actor_cannot_see_is_refused(documenter, other_documenter):
    hidden = factories.incident(other_documenter)  # another documenter's draft

    with pytest.raises(ValidationError) as caught:
        add(documenter, b"x", incident=hidden)

    assert caught.value.message_dict == {"incident": ["No such incident."]}
    assert not EvidenceItem.objects.exists()


# --- hostile input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
    ("/absolute/path/photo.jpg", "photo.jpg"),
    ("..", "unnamed"),
    ("", "unnamed"),
    ("bad\x00name\n.txt", "badname.txt"),
    ("Наказ №12.pdf", "Наказ №12.pdf"),
])
def test_names_are_kept_as_base_names_only(documenter, vault, given, kept):
    item = add(documenter, b"data", name=given)

    assert item.original_name == kept
    assert stored_files(vault) == [item.blob.storage_name]


def test_a_long_name_is_shortened_keeping_its_extension(documenter):
    item = add(documenter, b"data", name="x" * 400 + ".jpeg")

    assert len(item.original_name) == 255
    assert item.original_name.endswith("x.jpeg")


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def zip_bomb() -> bytes:
    """50 MB of zeros in a few kilobytes: stored as bytes, never unpacked."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.bin", "w") as member:
            for _ in range(50):
                member.write(bytes(1024 * 1024))
    return out.getvalue()


def polyglot() -> bytes:
    """A GIF header that is also a script and carries HTML: a file that is two things at once."""
    return b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(1)//<html><script>alert(2)</script></html>"


@pytest.mark.parametrize(("name", "data", "media_type"), [
    ("page.html", HTML, "text/html"),
    ("drawing.svg", SVG, "image/svg+xml"),
    ("bomb.zip", zip_bomb(), "application/zip"),
    ("empty.txt", b"", "application/x-empty"),
    ("image.gif", polyglot(), "image/gif"),
])
def test_hostile_files_are_stored_byte_exact_and_never_opened(documenter, vault, name, data, media_type):
    item = add(documenter, data, name=name)

    assert (vault / item.blob.storage_name).read_bytes() == data
    assert item.blob.sha256 == hashlib.sha256(data).hexdigest()
    assert item.blob.media_type == media_type
    assert stored_files(vault) == [item.blob.storage_name]  # the zip was not unpacked, no thumbnail of the polyglot


def test_a_polyglot_gets_no_thumbnail_and_says_why(documenter):
    item = add(documenter, polyglot(), name="image.gif")

    assert item.thumbnail == ""
    assert item.phash == ""
    assert len(item.metadata["errors"]) == 1


# --- size limit, interruption, full disk ------------------------------------------------------------------------


class Unreadable(io.RawIOBase):
    """A stream that announces its size and fails the test if anything reads it."""

    size = 4096

    def read(self, size=-1):
        raise AssertionError("read although the declared size is over the limit")


def test_a_declared_size_over_the_limit_is_refused_before_reading(documenter, settings, vault):
    settings.SVIDOK_EVIDENCE_MAX_BYTES = 2048

    with pytest.raises(ValidationError) as caught:
        services.add_item(actor=documenter, file=Unreadable(), name="big.bin", method=UPLOAD)

    assert caught.value.message_dict == {"file": ["The file is larger than the limit of 2.0 KiB: nothing was stored."]}
    assert nothing_stored(vault)


def test_a_file_over_the_limit_on_disk_is_refused_before_reading(documenter, settings, tmp_path, vault):
    settings.SVIDOK_EVIDENCE_MAX_BYTES = 2048
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(2049))

    with pytest.raises(ValidationError):
        services.add_item(actor=documenter, file=big, name="big.bin", method=UPLOAD)

    assert nothing_stored(vault)


class Trickle(io.RawIOBase):
    """A stream of unknown size: ``chunks`` reads of 1 KiB, then it fails (or ends) as told."""

    def __init__(self, chunks: int, fail: BaseException | None = None):
        self.left, self.fail = chunks, fail

    def readable(self):
        return True

    def read(self, size=-1):
        if self.left == 0:
            if self.fail:
                raise self.fail
            return b""
        self.left -= 1
        return os.urandom(1024)


def test_a_stream_growing_over_the_limit_is_refused_and_leaves_nothing(documenter, settings, vault):
    settings.SVIDOK_EVIDENCE_MAX_BYTES = 4096

    with pytest.raises(ValidationError) as caught:
        services.add_item(actor=documenter, file=Trickle(10), name="big.bin", method=UPLOAD)

    assert code(caught.value) == "too_large"
    assert nothing_stored(vault)


def test_an_upload_interrupted_midway_leaves_nothing(documenter, vault):
    with pytest.raises(ValidationError) as caught:
        services.add_item(actor=documenter, file=Trickle(3, ConnectionResetError("the client went away")),
                          name="partial.mp4", method=UPLOAD)

    assert caught.value.message_dict == {
        "file": ["The file could not be read to its end (the client went away): nothing was stored."]}
    assert nothing_stored(vault)


class FullDiskStorage(FileSystemStorage):
    """Writes part of the file, then fails as a full disk does."""

    def _save(self, name, content):
        with open(self.path(name), "wb") as handle:
            handle.write(next(iter(content.chunks())))
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_a_clear_message_and_leaves_nothing(documenter, settings, vault):
    settings.STORAGES = {**settings.STORAGES, "evidence": {**local_storage(vault), "BACKEND": f"{__name__}.FullDiskStorage"}}
    (vault / "tmp").mkdir(parents=True)

    with pytest.raises(ValidationError) as caught:
        add(documenter, os.urandom(10_000))

    assert caught.value.message_dict == {"file": ["The evidence storage is full: nothing was stored. Tell the administrator."]}
    assert nothing_stored(vault)


def test_a_failure_after_the_bytes_are_in_place_removes_them(documenter, vault, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(services, "record", broken)

    with pytest.raises(ValidationError) as caught:
        add(documenter, b"bytes that must not stay")

    assert code(caught.value) == "storage"
    assert nothing_stored(vault)


def test_a_refused_actor_stores_nothing(viewer, vault):
    with pytest.raises(PermissionDenied):
        add(viewer, b"x")

    assert nothing_stored(vault)


# --- states: withdraw, restore, purge -------------------------------------------------------------------------


def test_withdraw_and_restore_need_a_reason_and_keep_the_original(coordinator, documenter, vault):
    item = add(documenter, b"photo")
    with pytest.raises(ValidationError) as caught:
        services.withdraw_item(actor=coordinator, item=item, reason="  ")
    assert caught.value.message_dict == {"reason": ["Give the reason."]}

    item = services.withdraw_item(actor=coordinator, item=item, reason="Filed under the wrong incident")
    assert item.status == "withdrawn"
    assert (vault / item.blob.storage_name).read_bytes() == b"photo"
    with pytest.raises(PermissionDenied):
        services.restore_item(actor=documenter, item=item, reason="mine")
    item = services.restore_item(actor=coordinator, item=item, reason="Checked again")
    assert item.status == "active"
    assert custody(item) == ["collect", "upload", "withdraw", "restore"]


def test_purge_erases_the_bytes_only_when_no_other_item_holds_them(admin_user, documenter, vault,
                                                                    django_capture_on_commit_callbacks):
    first = add(documenter, b"identifying photo")
    second = add(documenter, b"identifying photo")
    path = vault / first.blob.storage_name

    with django_capture_on_commit_callbacks(execute=True):
        first = services.purge_item(actor=admin_user, item=first, reason="Court order 12/2026")
    assert first.status == "purged"
    assert path.exists()  # the second item still holds these bytes
    assert first.blob.purged_at is None

    with django_capture_on_commit_callbacks(execute=True):
        second = services.purge_item(actor=admin_user, item=second, reason="Court order 12/2026")
    assert not path.exists()
    blob = Blob.objects.get()
    assert blob.purged_at is not None
    assert blob.sha256 == hashlib.sha256(b"identifying photo").hexdigest()  # the hash stays
    erased = AuditEntry.objects.filter(object_id=second.public_id, action="purge").order_by("id")
    assert [e.changes for e in erased] == [
        {"status": ["active", "purged"], "status_reason": [None, "Court order 12/2026"]},
        {"bytes_erased": [None, True], "sha256": [None, blob.sha256]},
    ]
    with pytest.raises(ValidationError) as caught:
        add(documenter, b"identifying photo")
    assert code(caught.value) == "erased"
    assert stored_files(vault) == []


def test_purge_is_for_admins_with_a_reason(coordinator, admin_user, documenter):
    item = add(documenter, b"x")
    with pytest.raises(PermissionDenied):
        services.purge_item(actor=coordinator, item=item, reason="takedown")
    with pytest.raises(ValidationError):
        services.purge_item(actor=admin_user, item=item, reason="")


# --- verification -----------------------------------------------------------------------------------------------


def test_verify_finds_intact_altered_and_missing_originals(coordinator, documenter, vault):
    intact = add(documenter, b"kept")
    altered = add(documenter, b"changed later")
    missing = add(documenter, b"lost")
    (vault / altered.blob.storage_name).chmod(0o600)
    (vault / altered.blob.storage_name).write_bytes(b"changed LATER")
    (vault / missing.blob.storage_name).unlink()

    results = services.verify_items(actor=coordinator, items=[intact, altered, missing])

    assert [(r.item, r.outcome, r.ok) for r in results] == [(intact, "intact", True), (altered, "altered", False),
                                                             (missing, "missing", False)]
    entry = AuditEntry.objects.filter(object_id=altered.public_id, action="verify").get()
    assert entry.changes == {"outcome": [None, "altered"], "sha256": [None, hashlib.sha256(b"changed LATER").hexdigest()]}


# --- permissions --------------------------------------------------------------------------------------------------


def test_a_viewer_cannot_download(viewer, coordinator, verified):
    item = add(coordinator, b"x", incident=verified)

    assert visible_items(viewer).filter(pk=item.pk).exists()
    with pytest.raises(PermissionDenied):
        services.record_download(actor=viewer, item=item)


def test_a_documenter_does_not_see_an_item_of_an_incident_they_cannot_see(documenter, other_documenter, coordinator):
    hidden = factories.incident(other_documenter)  # a draft: its author and the leads see it
    item = add(other_documenter, b"x", incident=hidden)

    assert list(visible_items(documenter)) == []
    assert list(visible_items(other_documenter)) == [item]
    assert list(visible_items(coordinator)) == [item]
    with pytest.raises(ValidationError):
        services.record_download(actor=documenter, item=item)


def test_downloads_and_views_are_custody_events(documenter, analyst, verified):
    item = add(documenter, b"x", incident=verified)
    services.record_view(actor=analyst, item=item)
    services.record_download(actor=analyst, item=item)

    assert custody(item) == ["collect", "upload", "link", "view", "download"]
    assert AuditEntry.objects.filter(object_id=item.public_id, action="download").get().actor == analyst


def test_blob_name_is_two_levels_of_hex():
    assert blob_name("ab" * 32) == "ab/ab/" + "ab" * 32


def test_cleanup_finishes_the_erasure_of_a_purged_blob(admin_user, documenter, vault):
    item = add(documenter, b"taken down")
    services.purge_item(actor=admin_user, item=item, reason="Court order")  # the on-commit deletion never ran
    assert stored_files(vault) == [item.blob.storage_name]

    report = services.cleanup(actor=admin_user)

    assert (report.temporaries, report.orphans, report.erased) == (0, 0, 1)
    assert stored_files(vault) == []


@pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"],
                    reason="SQLite runs one write transaction at a time: the race cannot happen there")
@pytest.mark.django_db(transaction=True)  # real commits, seen by both threads' connections
def test_same_new_bytes_added_at_the_same_moment_are_one_blob(monkeypatch, vault):
    """Two uploads of the same new bytes both find no blob, both move the bytes into place and both
    insert the Blob row: the second insert fails on the unique hash and takes the first one's row."""
    import threading

    from django.db import connection

    from svidok.accounts.models import Role
    from svidok.evidence import storage
    from tests.helpers import make_user

    documenter = make_user(Role.DOCUMENTER)

    barrier = threading.Barrier(2, timeout=30)
    promote = storage.promote

    def promote_together(*args, **kwargs):
        barrier.wait()  # both uploads are past the "is there a blob?" check
        return promote(*args, **kwargs)

    monkeypatch.setattr(storage, "promote", promote_together)
    results, errors = [], []

    def upload(name):
        try:
            results.append(add(documenter, b"the same photo, sent twice at once", name=name))
        except Exception as exc:  # noqa: BLE001  reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(f"{n}.jpg",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len({item.pk for item in results}) == 2
    assert Blob.objects.count() == 1
    assert EvidenceItem.objects.filter(blob=Blob.objects.get()).count() == 2
    assert stored_files(vault) == [Blob.objects.get().storage_name]
