"""Audit entries made readable for the record pages' change history.

An entry stores field names, vocabulary codes, choice values and public ids (place codes, UUIDs),
because those stay stable while labels and translations change. This module turns them into what
a reader expects: the field's label, the term's label, the place's name, "—" for nothing.

Lookups are batched over all the entries shown: one query per kind of referenced record (terms,
places, elections, organizations, persons, sources), never one per entry or per value.
"""

import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from svidok.audit.services import PROTECTED_VALUE

EMPTY = "—"

# What the apps register about their records (``register_type``, ``register_reference``, in their
# ``AppConfig.ready()``): this module knows no domain app.
# object type -> model labels whose fields name its changes (a person's entries also carry identity fields).
FIELD_MODELS: dict[str, tuple[str, ...]] = {}
# (object type, key) -> the vocabulary of the key's term codes; object type "*" applies to every type.
VOCABULARY_KEYS: dict[tuple[str, str], str] = {}
# key -> kind of record its public id refers to; kind -> function resolving ids to names in one query.
REFERENCE_KEYS: dict[str, str] = {}
RESOLVERS: dict[str, object] = {}
# (object type, key) pairs whose value is a source's id (elsewhere a "source" key holds a dict).
SOURCE_KEYS: set[tuple[str, str]] = set()
# Resolves (vocabulary, code) pairs to term labels in one query.
TERM_RESOLVER: list = []
# (object type, key) -> the object type whose fields name the keys of the sub-record under ``key``
# (a proposal's entry holds a listing as a dict: its "status" is a listing's, not the proposal's).
SUB_RECORDS: dict[tuple[str, str], str] = {}
# A public id written after a name ("Petro Ivanenko (0b1e4a52-…)"): kept in the log, never shown
# (docs/wording.md); the id is resolved to today's name where a resolver knows its kind.
_TRAILING_ID = re.compile(r"\s*\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\s*$", re.IGNORECASE)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def _id_of(value: str) -> str:
    """The public id a change value names: the value itself, or the id after a name."""
    found = _TRAILING_ID.search(value)
    return found.group(1) if found else value


def register_type(object_type: str, *, models: tuple[str, ...] = (), vocabulary_keys: dict[str, str] | None = None,
                  source_keys: tuple[str, ...] = (), sub_records: dict[str, str] | None = None) -> None:
    """How the entries of ``object_type`` read: which models' fields label their keys, which keys
    hold vocabulary codes, which hold a source's id, which hold a sub-record of another type."""
    for key, sub_type in (sub_records or {}).items():
        SUB_RECORDS[(object_type, key)] = sub_type
    if models:
        FIELD_MODELS[object_type] = tuple(models)
    for key, vocabulary in (vocabulary_keys or {}).items():
        VOCABULARY_KEYS[(object_type, key)] = vocabulary
    SOURCE_KEYS.update((object_type, key) for key in source_keys)


def register_reference(kind: str, resolve, *, keys: tuple[str, ...] = ()) -> None:
    """``resolve(ids) -> {id: name}`` names the records of ``kind`` (one query for all ids);
    ``keys`` are the change keys that hold such an id."""
    RESOLVERS[kind] = resolve
    for key in keys:
        REFERENCE_KEYS[key] = kind


def register_labels(labels: dict) -> None:
    """Labels (lazy translations) of change keys that are not fields with a verbose name."""
    EXTRA_LABELS.update(labels)


def register_terms(resolve) -> None:
    """``resolve({(vocabulary, code)}) -> {(vocabulary, code): label}``."""
    TERM_RESOLVER[:] = [resolve]


# Keys that are not model fields (links, sub-records) or whose field has no verbose name.
EXTRA_LABELS = {
    "involvement": gettext_lazy("Involved"),
    "source": gettext_lazy("Source"),
    "figure": gettext_lazy("Figure"),
    "names": gettext_lazy("Name variant"),
    "occupancy": gettext_lazy("Position held"),
    "status_reason": gettext_lazy("Review note"),
    "duplicate_of": gettext_lazy("Duplicate of"),
    "incidents": gettext_lazy("Incidents"),
    "kind": gettext_lazy("Type"),
    "by_organization": gettext_lazy("By organization"),
    "by_person": gettext_lazy("By person"),
    "parent": gettext_lazy("Part of"),
    "territory": gettext_lazy("Territory"),
    "party": gettext_lazy("Name"),
    "identity": gettext_lazy("Identity"),
    "consent": gettext_lazy("Consent"),
    "role": gettext_lazy("Role"),
    "perpetrator_type": gettext_lazy("Perpetrator type"),
    "details": gettext_lazy("Details"),
    "note": gettext_lazy("Note"),
    "title": gettext_lazy("Title"),
    "metric": gettext_lazy("Figure"),
    "comparator": gettext_lazy("Comparator"),
    "value": gettext_lazy("Value"),
    "official": gettext_lazy("Official"),
    "group": gettext_lazy("Population group"),
    "claimed_by": gettext_lazy("Claimed by"),
    "lang": gettext_lazy("Language"),
    "position": gettext_lazy("Position"),
    "organization": gettext_lazy("Organization"),
    "start_date": gettext_lazy("From"),
    "end_date": gettext_lazy("Until"),
    "vocabulary_version": gettext_lazy("Vocabulary version"),
    "verified_elsewhere": gettext_lazy("Verified before the import, in the system the file came from"),
}

def _field(object_type: str, key: str):
    for label in FIELD_MODELS.get(object_type, ()):
        try:
            return apps.get_model(label)._meta.get_field(key)
        except FieldDoesNotExist:
            continue
    return None


def _field_order(object_type: str, key: str) -> tuple:
    """Where ``key`` comes among its model's fields (keys that are not fields last, alphabetically)."""
    field = _field(object_type, key)
    return (0, field.creation_counter, "") if field is not None else (1, 0, key)


def field_label(object_type: str, key: str) -> str:
    """The field's own verbose name (translated); a label for links and unnamed fields; the key as a last resort."""
    field = _field(object_type, key)
    # An explicit verbose name is a lazy translation; Django's automatic one is a plain str.
    # Reverse relations (another model's foreign key named like the key) have no verbose name.
    if field is not None and isinstance(getattr(field, "verbose_name", None), Promise):
        return capfirst(str(field.verbose_name))
    if key in EXTRA_LABELS:
        return capfirst(str(EXTRA_LABELS[key]))
    return capfirst(key.replace("_", " "))


def _walk(object_type: str, key: str, value, visit) -> None:
    """Call ``visit(object_type, key, scalar)`` for every scalar under ``key``, into lists and dicts."""
    if isinstance(value, list):
        for item in value:
            _walk(object_type, key, item, visit)
    elif isinstance(value, dict):
        sub_type = SUB_RECORDS.get((object_type, key), object_type)
        for sub_key, sub_value in value.items():
            _walk(sub_type, sub_key, sub_value, visit)
    elif value not in (None, ""):
        visit(object_type, key, value)


class _Lookups:
    """Every referenced code and id in a batch of entries, each kind resolved with one query."""

    def __init__(self):
        self.terms: set[tuple[str, str]] = set()
        self.ids: dict[str, set[str]] = {kind: set() for kind in RESOLVERS}
        self.names: dict[tuple, str] = {}

    def vocabulary(self, object_type: str, key: str) -> str | None:
        return VOCABULARY_KEYS.get((object_type, key)) or VOCABULARY_KEYS.get(("*", key))

    def reference(self, object_type: str, key: str) -> str | None:
        if (object_type, key) in SOURCE_KEYS:
            return "source"
        return REFERENCE_KEYS.get(key)

    def collect(self, object_type: str, key: str, value) -> None:
        if not isinstance(value, str) or value == PROTECTED_VALUE:
            return
        vocabulary = self.vocabulary(object_type, key)
        if vocabulary:
            self.terms.add((vocabulary, value))
        kind = self.reference(object_type, key)
        if kind in self.ids:
            self.ids[kind].add(_id_of(value))

    def resolve(self) -> None:
        if self.terms and TERM_RESOLVER:
            for (vocabulary, code), label in TERM_RESOLVER[0](self.terms).items():
                self.names[("term", vocabulary, code)] = label
        for kind, values in self.ids.items():
            if values:
                for value, name in RESOLVERS[kind](values).items():
                    self.names[(kind, value)] = name

    def label(self, object_type: str, key: str, value) -> str:
        if value is None or value == "":
            return EMPTY
        if value == PROTECTED_VALUE:
            return _("[protected]")
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, list):
            return ", ".join(self.label(object_type, key, v) for v in value) or EMPTY
        if isinstance(value, dict):
            return self.record(object_type, key, value)
        vocabulary = self.vocabulary(object_type, key)
        if vocabulary and ("term", vocabulary, value) in self.names:
            return self.names[("term", vocabulary, value)]
        kind = self.reference(object_type, key)
        if kind and (kind, _id_of(value)) in self.names:
            return self.names[(kind, _id_of(value))]
        field = _field(object_type, key)
        if field is not None and getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, str):
            return _TRAILING_ID.sub("", value) or EMPTY
        return str(value)

    def record(self, object_type: str, key: str, value: dict) -> str:
        """A linked sub-record (involvement, source link, figure, name variant) as one line."""
        if key == "involvement":
            # A person is named by id (resolved to the name shown today), never by a stored name.
            person = value.get("person")
            text = self.names.get(("person", person)) if person else None
            text = text or self.label(object_type, "party", value.get("party"))
            role = self.label(object_type, "role", value.get("role"))
            text = f"{text} — {role}" if value.get("role") else text
            if value.get("perpetrator_type"):
                text += f" ({self.label(object_type, 'perpetrator_type', value['perpetrator_type'])})"
            if value.get("details"):
                text += f": {value['details']}"
            return text
        if key == "source" and "title" in value:
            return value["title"] + (f" — {value['note']}" if value.get("note") else "")
        kind = self.reference(object_type, key)
        if kind and isinstance(value.get(key), str) and (kind, value[key]) in self.names:
            # A linked record written as {its id, its name then}: named as it is called today.
            return self.names[(kind, value[key])]
        object_type = SUB_RECORDS.get((object_type, key), object_type)
        parts = []
        # In the order of the model's fields: PostgreSQL's jsonb keeps neither the written order nor
        # the alphabet (shorter keys first), and "purpose; partner; given on" reads better than either.
        for sub_key, sub_value in sorted(value.items(), key=lambda item: _field_order(object_type, item[0])):
            if sub_value in (None, "") or (isinstance(sub_value, str) and _UUID.match(sub_value)
                                              and self.label(object_type, sub_key, sub_value) == sub_value):
                # A bare id nothing resolves says nothing to a reader.
                continue
            parts.append(f"{field_label(object_type, sub_key).lower()}: {self.label(object_type, sub_key, sub_value)}")
        return "; ".join(parts) or EMPTY


class Change:
    __slots__ = ("label", "before", "after", "single")

    def __init__(self, label, before, after, single=False):
        self.label, self.before, self.after, self.single = label, before, after, single


ACTION_LABELS = {
    "create": gettext_lazy("created"), "update": gettext_lazy("changed"), "delete": gettext_lazy("deleted"),
    "status": gettext_lazy("status changed"), "link": gettext_lazy("linked"), "unlink": gettext_lazy("unlinked"),
    "import": gettext_lazy("imported"), "login": gettext_lazy("signed in"),
    # Custody events of evidence items.
    "collect": gettext_lazy("collected"), "upload": gettext_lazy("stored"), "view": gettext_lazy("viewed"),
    "download": gettext_lazy("downloaded"), "export": gettext_lazy("exported"), "verify": gettext_lazy("verified"),
    "withdraw": gettext_lazy("withdrawn"), "restore": gettext_lazy("restored"), "purge": gettext_lazy("erased"),
    # Web capture and imported web archives.
    "capture": gettext_lazy("captured from the web"), "archive_checked": gettext_lazy("web archive checked"),
    "capture_queued": gettext_lazy("capture queued"), "capture_done": gettext_lazy("capture done"),
    "capture_failed": gettext_lazy("capture failed"),
    # Sign-in events (docs/authentication.md).
    "logout": gettext_lazy("signed out"), "login_failed": gettext_lazy("sign-in failed"),
    "lockout": gettext_lazy("sign-in paused"), "otp_verified": gettext_lazy("second factor passed"),
    "otp_failed": gettext_lazy("wrong second-factor code"), "otp_enrolled": gettext_lazy("authenticator set up"),
    "otp_removed": gettext_lazy("authenticator removed"), "otp_backup_codes": gettext_lazy("new backup codes"),
    "reveal": gettext_lazy("identity seen, with a reason"), "backup_created": gettext_lazy("backup written"),
    "backup_restored": gettext_lazy("restored from a backup"),
    "revoke": gettext_lazy("revoked"),
    "consent": gettext_lazy("consent recorded"), "consent_withdraw": gettext_lazy("consent withdrawn"),
    # Publication of incidents on the public site (incidents.publication).
    "publish": gettext_lazy("published on the public site"), "unpublish": gettext_lazy("withdrawn from the public site"),
}
# Entries whose every change is "nothing -> value" (or the reverse): only the value is worth showing.
ONE_SIDED = {"create": 1, "import": 1, "link": 1, "unlink": 0, "collect": 1, "upload": 1, "download": 1, "export": 1,
             "verify": 1, "capture": 1, "archive_checked": 1, "capture_queued": 1, "capture_done": 1, "capture_failed": 1}


def texts_of(entries) -> list[str]:
    """The texts written in the entries' changes: what a caller's ``text_filter`` will be given
    (announced to it first, so that it can look them all up at once)."""
    return [v for e in entries or () for c in (e.changes or {}).values() for v in (c if isinstance(c, list) else [c]) if isinstance(v, str)]


def readable(entries, text_filter=None) -> list:
    """The entries (an iterable of AuditEntry), each given ``rows`` (a list of :class:`Change`) and ``action_label``.

    ``text_filter(text) -> text``, when given, is applied to every text shown (the caller's
    redaction, e.g. protected persons' names typed into free text, for readers without clearance)."""
    entries = list(entries)
    lookups = _Lookups()
    for entry in entries:
        for key, change in (entry.changes or {}).items():
            _walk(entry.object_type, key, change, lookups.collect)
    lookups.resolve()
    if hasattr(text_filter, "expect"):
        # A filter that looks texts up (people.freetext.Reader) is given them all first: one lookup.
        text_filter.expect(v for entry in entries for key, change in (entry.changes or {}).items()
                           for v in ([lookups.label(entry.object_type, key, x) for x in change]
                                     if isinstance(change, list) and len(change) == 2 and key != "terms"
                                     else [lookups.label(entry.object_type, key, change)])
                           if isinstance(v, str))
    for entry in entries:
        rows = []
        side = ONE_SIDED.get(entry.action)
        # Sorted by key: PostgreSQL's jsonb does not keep the order the keys were written in.
        for key, change in sorted((entry.changes or {}).items()):
            label = field_label(entry.object_type, key)
            if not (isinstance(change, list) and len(change) == 2) or key == "terms":
                value = lookups.label(entry.object_type, key, change)
                rows.append(Change(label, None, text_filter(value) if text_filter and isinstance(value, str) else value,
                                   single=True))
                continue
            before, after = (lookups.label(entry.object_type, key, value) for value in change)
            if text_filter is not None:
                before, after = (text_filter(v) if isinstance(v, str) else v for v in (before, after))
            if before == EMPTY and after == EMPTY:
                continue
            if side is not None and change[1 - side] in (None, ""):
                rows.append(Change(label, None, after if side else before, single=True))
            else:
                rows.append(Change(label, before, after))
        entry.rows = rows
        entry.action_label = str(ACTION_LABELS.get(entry.action, entry.action))
    return entries
