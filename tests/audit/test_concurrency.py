"""Two writers commit audit entries at once while heads are taken: the log stays gap-free and
every head is consistent with the next (PostgreSQL, real threads and commits).

Each writer holds its transaction open after its insert (a second insert, a savepoint) so that
ids commit out of order: writer A takes id 10, writer B takes 11 and commits first. A sequencer
that appended "ids after the last leaf" without the lock would skip A's entry for good."""

import threading

import pytest
from django.db import connection, connections, transaction

from svidok.accounts.services import system_account
from svidok.audit import log
from svidok.audit.models import AuditEntry, AuditLeaf
from svidok.audit.services import record
from tests.audit import rfc9162

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

WRITES = 60


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="ids commit out of order on PostgreSQL only")
def test_two_writers_and_a_head_taker_give_a_gap_free_consistent_log():
    actor = system_account()
    start = threading.Barrier(3)
    done = threading.Event()
    heads, errors = [], []

    def writer(name):
        try:
            start.wait()
            for i in range(WRITES):
                with transaction.atomic():
                    record(actor=actor, action="create", object_type="test.thing", object_id=f"{name}-{i}")
                    with transaction.atomic():  # more work before the commit
                        record(actor=actor, action="update", object_type="test.thing", object_id=f"{name}-{i}")
        except Exception as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)
        finally:
            connections.close_all()

    def head_taker():
        try:
            start.wait()
            while not done.is_set() or len(heads) < 3:
                heads.append(log.issue_head())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in "AB"]
    taker = threading.Thread(target=head_taker)
    for thread in [*threads, taker]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    taker.join()
    assert errors == []

    size = log.sequence()
    leaves = list(AuditLeaf.objects.order_by("leaf_index").values_list("leaf_index", "entry_id"))
    assert [index for index, _ in leaves] == list(range(size))
    assert sorted(entry for _, entry in leaves) == sorted(AuditEntry.objects.values_list("id", flat=True))
    assert AuditEntry.objects.filter(object_id__regex=r"^[AB]-").count() == 4 * WRITES
    report = log.verify_log()
    assert report.ok, report.problems
    assert report.heads_checked == len(heads) >= 3
    heads.sort(key=lambda h: h["tree_size"])
    for first, second in zip(heads, heads[1:], strict=False):
        proof = log.consistency_proof(first["tree_size"], second["tree_size"])
        assert rfc9162.verify_consistency(first["tree_size"], second["tree_size"], bytes.fromhex(first["root_hash"]),
                                          bytes.fromhex(second["root_hash"]), [bytes.fromhex(h) for h in proof["proof"]])
    assert connection.vendor == "postgresql"
