"""The identity vault of persons: the blind index of protected persons' names, the identity's own
history, and resealing everything under a new key (``docs/identity-vault.md``).

The identity values themselves are sealed by their model fields (``models.SealedField``); this
module holds what spans rows: lookups by name, history and key rotation. It checks no permission:
its callers (services, ``search_index.find_persons``, the ``keys`` command) do.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone

from svidok.audit.services import _jsonable
from svidok.common import crypto
from svidok.people.models import Consent, IdentityChange, IdentityReveal, Person, PersonIdentity, PersonNameKey
from svidok.search.normalize import query_keys, word_keys, words


def name_texts(identity: PersonIdentity) -> list[str]:
    """Every name of a person's identity: the full name and each of the other names (one a line,
    or separated by semicolons)."""
    others = (identity.other_names or "").replace(";", "\n").splitlines()
    return [n.strip() for n in [identity.full_name or "", *others] if n.strip()]


def protected_names(person_ids=None) -> dict[int, list[str]]:
    """The names (full name, other names) of protected persons, by person id: opened in memory,
    for callers that must recognise them (free text, exports). The caller checks permissions and
    never stores or logs them."""
    identities = PersonIdentity.objects.filter(person__protected=True).only("person_id", "full_name", "other_names")
    if person_ids is not None:
        identities = identities.filter(person_id__in=list(person_ids))
    return {i.person_id: name_texts(i) for i in identities.order_by("person_id")}


def name_keys(texts: list[str]) -> set[str]:
    """The search keys of every word of ``texts``, in every spelling the search knows: the same
    romanizations and phonetic folding as the search index (``search.normalize``), so a name typed
    in Cyrillic or in any usual Latin spelling gives the same keys."""
    keys: set[str] = set()
    for text in texts:
        for word in words(text):
            keys |= word_keys(word)
    return keys


def _digests(keys: set[str], key: crypto.Key) -> list[str]:
    return sorted({crypto.blind(k, key=key) for k in keys})


def index_identity(person: Person, identity: PersonIdentity | None, *, key: crypto.Key | None = None) -> None:
    """Rebuild a person's blind index rows: the names of a protected person, none for others
    (their names are public and in the ordinary search index)."""
    PersonNameKey.objects.filter(person=person).delete()
    if not person.protected or identity is None:
        return
    key = key or crypto.keyring().current
    PersonNameKey.objects.bulk_create(
        [PersonNameKey(person=person, kid=key.kid, digest=d) for d in _digests(name_keys(name_texts(identity)), key)])


def index_identities(persons, *, key: crypto.Key | None = None) -> None:
    """Rebuild the blind index rows of many persons at once (an import, ``rebuild_search_index``)."""
    persons = list(persons)
    PersonNameKey.objects.filter(person__in=[p.pk for p in persons]).delete()
    protected = [p.pk for p in persons if p.protected]
    if not protected:
        return
    key = key or crypto.keyring().current
    identities = PersonIdentity.objects.filter(person__in=protected).only("person_id", "full_name", "other_names")
    PersonNameKey.objects.bulk_create(
        [PersonNameKey(person_id=i.person_id, kid=key.kid, digest=d) for i in identities for d in _digests(name_keys(name_texts(i)), key)],
        batch_size=2000)


def find_protected(q: str):
    """Ids of protected persons whose names match every word of ``q`` exactly (a word matches when
    one of its spellings is one of a name word's spellings; prefixes do not match: the index holds
    digests, not text). A queryset of person ids. The caller makes sure the user may see identities."""
    groups = query_keys(q)
    if not groups:
        return Person.objects.none().values("pk")
    ring = crypto.keyring()
    ids = None
    for keys in groups:
        # Every key of the ring: during a rotation some rows may still be under the other key.
        digests = {crypto.blind(k, key=key) for k in keys for key in ring.keys}
        rows = PersonNameKey.objects.filter(digest__in=sorted(digests))
        if ids is not None:
            rows = rows.filter(person_id__in=ids)
        ids = rows.values("person_id")
    return Person.objects.filter(protected=True, pk__in=ids).values("pk")


def record_identity_change(*, actor, person: Person, before: dict, after: dict) -> IdentityChange | None:
    """Keep who changed which identity fields when, the values sealed with them (the audit entry
    says only that the identity changed). Nothing when nothing changed."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(name)), _jsonable(after.get(name))
        if old != new and (old or new):
            changes[name] = [old, new]
    if not changes:
        return None
    return IdentityChange.objects.create(
        person=person, changed_at=timezone.now(), actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", None) or "system", fields=",".join(changes),
        values=json.dumps(changes, ensure_ascii=False, sort_keys=True),
    )


# --- rotation ---------------------------------------------------------------------------------

SEALED_MODELS = (PersonIdentity, IdentityChange, IdentityReveal, Consent)


def reseal_all(key: crypto.Key) -> dict:
    """Reseal every sealed value under ``key`` and rebuild the blind index under it, in one
    transaction: if anything fails, nothing changed. The configured keyring must hold every key
    that sealed a stored value (rows are opened as they load). Returns the rows rewritten, by kind."""
    counts = {}
    with transaction.atomic():
        for model in SEALED_MODELS:
            fields = model.sealed_fields()
            count = 0
            for row in model.objects.order_by("pk").iterator(chunk_size=2000):
                updates = {}
                for field in fields:
                    value = getattr(row, field.attname)
                    if hasattr(value, "isoformat"):
                        value = value.isoformat()
                    updates[field.attname] = crypto.seal(value, row.seal_context(field.column), key=key)
                model.objects.filter(pk=row.pk).update(**updates)
                count += 1
            counts[model._meta.model_name] = count
        PersonNameKey.objects.all().delete()
        for identity in PersonIdentity.objects.filter(person__protected=True).select_related("person").iterator(chunk_size=2000):
            index_identity(identity.person, identity, key=key)
        counts["personnamekey"] = PersonNameKey.objects.count()
    return counts
