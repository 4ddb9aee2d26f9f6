"""Writing audit entries. Called by every service, inside the service's transaction."""

import datetime as dt
import decimal
import json
import uuid

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from svidok.audit import log
from svidok.audit.models import AuditEntry
from svidok.common.context import current_request_id

PROTECTED_VALUE = "[protected]"


def _jsonable(value):
    if isinstance(value, Model):
        return getattr(value, "public_id", None) or str(value.pk)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def texts_in(value) -> list[str]:
    """Every string in an entry's ``changes`` (the values; the keys are field names): what an entry
    says, for those who must check it for protected names (court bundles, audit proofs)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in texts_in(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in texts_in(v)]
    return []


def object_type_of(obj) -> str:
    """The type an object's entries are recorded under: its model's label, or the ``audit_type`` a
    model keeps from before it moved to another app (so its history stays one)."""
    return getattr(obj, "audit_type", None) or obj._meta.label_lower


def diff(before: dict, after: dict, *, protected: frozenset[str] = frozenset()) -> dict:
    """Changed fields as ``{field: [before, after]}``; values of protected fields are masked."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old != new:
            if key in protected:
                old, new = PROTECTED_VALUE if old else None, PROTECTED_VALUE if new else None
            changes[key] = [old, new]
    return changes


def canonical_json(data: dict) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def build_entry(*, actor, action: str, obj=None, object_type: str = "", object_id: str = "",
                changes: dict | None = None, object_repr: str = "", now=None, request_id: str | None = None,
                changes_are_json: bool = False) -> AuditEntry:
    """An unsaved audit entry with its canonical payload.

    Shared by :func:`record` and the bulk importer (which inserts many at once), so both write
    exactly the same payload shape. ``changes_are_json`` skips the conversion of ``changes`` when
    the caller already built them from plain JSON values (the importer, for speed).
    """
    limit = AuditEntry._meta.get_field("action").max_length
    if len(action) > limit:
        # SQLite would store it and PostgreSQL refuse it: fail the same way on both, at once.
        raise ValueError(f"audit action {action!r} is longer than {limit} characters")
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id or str(getattr(obj, "public_id", None) or obj.pk)
        object_repr = object_repr or str(getattr(obj, "audit_repr", "") or "")
    now = now or timezone.now()
    actor_label = getattr(actor, "username", None) or (str(actor) if actor else "system")
    changes = (changes or {}) if changes_are_json else _jsonable(changes or {})
    request_id = current_request_id() if request_id is None else request_id
    payload = canonical_json(
        {
            "time": now.isoformat(),
            "actor": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "changes": changes,
            "request_id": request_id,
        }
    )
    return AuditEntry(
        created_at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        changes=changes,
        request_id=request_id,
        payload=payload,
    )


def record(*, actor, action: str, obj=None, object_type: str = "", object_id: str = "",
           changes: dict | None = None, object_repr: str = "") -> AuditEntry:
    """Append one audit entry. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the service's transaction")
    entry = build_entry(actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id,
                        changes=changes, object_repr=object_repr)
    entry.save(force_insert=True)
    log.sequence_on_commit()
    return entry


def record_each(*, actor, action: str, objects, changes: dict | None = None) -> int:
    """One entry per object of ``objects``, with the same action and changes, inserted in batches
    rather than one statement each (an export of 10,000 items records 10,000 custody entries).
    Must run inside the caller's transaction; returns how many were written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_each() must be called inside the service's transaction")
    entries = [build_entry(actor=actor, action=action, obj=obj, changes=changes) for obj in objects]
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    if entries:
        log.sequence_on_commit()
    return len(entries)


def history(obj_or_type, object_id: str | None = None):
    if object_id is None:
        obj = obj_or_type
        object_type = object_type_of(obj)
        object_id = str(getattr(obj, "public_id", None) or obj.pk)
    else:
        object_type = obj_or_type
    return AuditEntry.objects.filter(object_type=object_type, object_id=object_id).select_related("actor")

