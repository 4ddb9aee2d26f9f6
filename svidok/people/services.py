"""Use cases for persons, organizations, names and positions. The only writers of these models."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.audit.services import PROTECTED_VALUE, diff, record
from svidok.common import extensions
from svidok.common.validation import (
    check_not_future,
    check_range,
    check_required,
    check_text,
    check_text_size,
    check_texts,
    collect,
)
from svidok.names import check_name, repair_homoglyphs, romanizations
from svidok.people import search_index, vault
from svidok.people.models import IdentityReveal, NameVariant, Occupancy, Organization, Person, PersonIdentity, Position

# Crockford-style alphabet: no I, L, O, U, so pseudonyms read out loud without confusion.
_PSEUDONYM_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PERSON_FIELDS = ("protected", "pseudonym", "gender", "description")
IDENTITY_FIELDS = PersonIdentity.IDENTITY_FIELDS


def new_pseudonyms(count: int) -> list[str]:
    """``count`` fresh pseudonyms, unique among themselves and in the database."""
    chosen: set[str] = set()
    while len(chosen) < count:
        batch = {"Person " + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(5)) for _ in range(count - len(chosen))}
        batch -= chosen
        for start in range(0, len(batch), 5000):
            part = list(batch)[start:start + 5000]
            batch -= set(Person.objects.filter(pseudonym__in=part).values_list("pseudonym", flat=True))
        chosen |= batch
    return sorted(chosen)


def new_pseudonym() -> str:
    return new_pseudonyms(1)[0]


def _script(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    if not letters:
        return ""
    return "Cyrl" if cyrillic * 2 >= len(letters) else "Latn"


def validate_name(field: str, name: str, *, kind: str = "person") -> str:
    """The name with its whitespace collapsed; refused names (empty, absurd, initials only,
    mixed scripts that are not look-alikes: see :func:`names.check_name`) raise a ValidationError
    on ``field``. ``kind="organization"`` allows long names and acronyms."""
    check_text(field, name)
    try:
        return check_name(name, kind=kind)
    except ValueError as error:
        raise ValidationError({field: str(error)}) from None


def _person_snapshot(person: Person) -> dict:
    return {name: getattr(person, name) for name in PERSON_FIELDS}


def _identity_snapshot(identity: PersonIdentity | None) -> dict:
    return {name: getattr(identity, name) for name in IDENTITY_FIELDS} if identity is not None else {}


def _person_changes(before: dict, after: dict, identity_before: dict, identity_after: dict) -> dict:
    """The audit entry's changes: the person's own fields, and only *that* the identity changed.

    Identity values never enter the audit log, whether the person is protected or not: the log is
    append-only, and a person recorded openly may be protected later. Which fields changed, and
    their values, go to the identity's own sealed history (``vault.record_identity_change``).
    """
    changes = diff(before, after)
    old = {k: v for k, v in identity_before.items() if v not in (None, "")}
    new = {k: v for k, v in identity_after.items() if v not in (None, "")}
    if old != new:
        changes["identity"] = [PROTECTED_VALUE if old else None, PROTECTED_VALUE if new else None]
    return changes


@transaction.atomic
def record_person(*, actor, name: str, protected: bool = False, pseudonym: str = "", identity: dict | None = None,
                  names: list[dict] | None = None, gender: str = "", description: str = "") -> Person:
    """Create a person. A protected person's name goes into the identity record only.

    ``names`` are extra variants ``{name, lang, script, kind, origin}`` for non-protected persons.
    """
    require(actor, "person.edit")
    name = validate_name("name", name)
    identity = dict(identity or {})
    collect(
        lambda: check_not_future("birth_date", identity.get("birth_date")),
        lambda: check_text_size("description", description),
        lambda: check_texts({k: identity.get(k) for k in ("other_names", "contacts", "identifiers", "address")}, long=IDENTITY_FIELDS),
        lambda: None if not (protected and names) else (_raise("names", _("A protected person's names stay in the identity record."))),
    )
    pseudonym = (pseudonym or "").strip()
    if protected and not pseudonym:
        pseudonym = new_pseudonym()
    person = Person.objects.create(
        protected=protected, pseudonym=pseudonym, display_name=pseudonym if protected else repair_homoglyphs(name),
        gender=gender, description=description, created_by=actor if getattr(actor, "pk", None) else None,
    )
    identity_obj = PersonIdentity.objects.create(person=person, full_name=name, **{k: v for k, v in identity.items() if k in IDENTITY_FIELDS and k != "full_name"})
    if not protected:
        _add_variant(person=person, name=name, primary=True)
        for variant in names or ():
            _add_variant(person=person, **variant)
    identity_after = _identity_snapshot(identity_obj)
    record(actor=actor, action="create", obj=person, changes=_person_changes({}, _person_snapshot(person), {}, identity_after))
    vault.record_identity_change(actor=actor, person=person, before={}, after=identity_after)
    vault.index_identity(person, identity_obj)
    search_index.index_person(person)
    return person


def _raise(field, message):
    raise ValidationError({field: message})


def _add_variant(*, person=None, organization=None, name: str, lang: str = "", script: str = "",
                 kind: str = NameVariant.Kind.OFFICIAL, origin: str = "", primary: bool = False) -> NameVariant:
    """Add a name variant (or return the owner's variant of the same spelling).

    Look-alike letters of the other script are repaired (``raw`` keeps the value as entered),
    and the standard romanizations of a Cyrillic name are stored as match ``keys``.
    """
    entered = validate_name("name", name, kind="person" if person is not None else "organization")
    if kind not in NameVariant.Kind.values:
        raise ValidationError({"kind": _("Unknown name kind %(kind)r.") % {"kind": kind}})
    name = repair_homoglyphs(entered)
    keys = romanizations(name, lang or None)
    owner = {"person": person} if person is not None else {"organization": organization}
    existing = NameVariant.objects.filter(name=name, **owner).first()
    if existing:
        if keys and not existing.keys:
            # Variants written before keys existed (or by the bulk importer) get them now.
            existing.keys = keys
            existing.save(update_fields=["keys"])
        return existing
    return NameVariant.objects.create(
        name=name, raw=entered if entered != name else "", keys=keys, lang=lang, script=script or _script(name),
        kind=kind, origin=origin, primary=primary, **owner,
    )


def _add_audited_variant(actor, *, person=None, organization=None, **variant) -> NameVariant:
    """A name variant and its audit entry; the caller checked the actor and reindexes the owner."""
    created = _add_variant(person=person, organization=organization, **variant)
    # A person's name stays out of the audit log (a person may be protected later).
    name = created.name if person is None else PROTECTED_VALUE
    record(actor=actor, action="update", obj=person or organization,
           changes={"names": [None, {"name": name, "lang": created.lang, "kind": created.kind}]})
    return created


@transaction.atomic
def add_name_variant(*, actor, person: Person | None = None, organization: Organization | None = None, **variant) -> NameVariant:
    require(actor, "person.edit" if person is not None else "organization.edit")
    if person is not None and person.protected:
        raise ValidationError({"name": _("A protected person's names stay in the identity record.")})
    created = _add_audited_variant(actor, person=person, organization=organization, **variant)
    if person is not None:
        search_index.index_person(person)
    else:
        search_index.index_organization(organization)
    return created


@transaction.atomic
def update_person(*, actor, person: Person, fields: dict | None = None, identity: dict | None = None) -> Person:
    require(actor, "person.edit")
    person = Person.objects.select_for_update().get(pk=person.pk)
    identity_obj, _created = PersonIdentity.objects.get_or_create(person=person)
    before, identity_before = _person_snapshot(person), _identity_snapshot(identity_obj)
    fields = {k: v for k, v in (fields or {}).items() if k in PERSON_FIELDS}
    identity = {k: v for k, v in (identity or {}).items() if k in IDENTITY_FIELDS}
    if person.protected and not rules.can(actor, "person.identity"):
        # Lifting protection would show the real name to everybody; changing the identity of a
        # person whose identity one may not see would be editing blind. Both are for leads only.
        if fields.get("protected") is False:
            raise PermissionDenied("person.identity")
        if identity:
            raise PermissionDenied("person.identity")
    if "full_name" in identity:
        identity["full_name"] = validate_name("full_name", identity["full_name"])
    collect(lambda: check_not_future("birth_date", identity.get("birth_date")), lambda: check_text_size("description", fields.get("description")),
            lambda: check_texts({k: v for k, v in identity.items() if k != "full_name"}, long=IDENTITY_FIELDS))
    for name, value in fields.items():
        setattr(person, name, value)
    for name, value in identity.items():
        setattr(identity_obj, name, value)
    if person.protected and not person.pseudonym:
        person.pseudonym = new_pseudonym()
    if person.protected and person.names.exists():
        # Becoming protected: the public variants would reveal the name, so they go.
        person.names.all().delete()
    person.display_name = person.pseudonym if person.protected else repair_homoglyphs(identity_obj.full_name)
    if not person.protected and identity_obj.full_name:
        _add_variant(person=person, name=identity_obj.full_name, primary=not person.names.filter(primary=True).exists())
    person.save()
    identity_obj.save()
    identity_after = _identity_snapshot(identity_obj)
    changes = _person_changes(before, _person_snapshot(person), identity_before, identity_after)
    if changes:
        record(actor=actor, action="update", obj=person, changes=changes)
    vault.record_identity_change(actor=actor, person=person, before=identity_before, after=identity_after)
    vault.index_identity(person, identity_obj)
    search_index.index_person(person)
    if person.protected and (not before.get("protected") or identity_before.get("full_name") != identity_after.get("full_name")
                             or identity_before.get("other_names") != identity_after.get("other_names")):
        # Texts indexed before these names were protected still hold them: the apps that index free
        # text find those records by the names and index them again (people.freetext).
        extensions.ask("people.names_protected", vault.name_texts(identity_obj))
    return person


@transaction.atomic
def record_organization(*, actor, name: str, kind=None, parent=None, place=None, description: str = "",
                        names: list[dict] | None = None) -> Organization:
    require(actor, "organization.edit")
    name = validate_name("name", name, kind="organization")
    if kind is not None and kind.vocabulary.code != "perpetrator_type":
        raise ValidationError({"kind": _("%(code)r is not an organization type.") % {"code": kind.code}})
    check_text_size("description", description)
    organization = Organization.objects.create(
        name=name, kind=kind, parent=parent, place=place, description=description,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _add_variant(organization=organization, name=name, primary=True)
    for variant in names or ():
        _add_variant(organization=organization, **variant)
    record(actor=actor, action="create", obj=organization,
           changes=diff({}, {"name": name, "kind": kind.code if kind else None, "parent": parent, "place": place, "description": description}))
    search_index.index_organization(organization)
    return organization


@transaction.atomic
def update_organization(*, actor, organization: Organization, fields: dict, names: list[dict] | None = None) -> Organization:
    """Change an organization's fields, then add ``names`` (variants ``{name, lang, script, kind, origin}``,
    each audited as :func:`add_name_variant` does); all or nothing."""
    require(actor, "organization.edit")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    allowed = ("name", "kind", "parent", "place", "description")
    before = {k: getattr(organization, k) for k in allowed}
    for key, value in fields.items():
        if key in allowed:
            setattr(organization, key, value)
    organization.name = validate_name("name", organization.name, kind="organization")
    if organization.parent_id == organization.pk:
        raise ValidationError({"parent": _("An organization cannot be its own parent.")})
    organization.save()
    _add_variant(organization=organization, name=organization.name)
    changes = diff(before, {k: getattr(organization, k) for k in allowed})
    if changes:
        record(actor=actor, action="update", obj=organization, changes=changes)
    for variant in names or ():
        _add_audited_variant(actor, organization=organization, **variant)
    search_index.index_organization(organization)
    return organization


@transaction.atomic
def record_position(*, actor, organization: Organization, title: str, kind: str = Position.Kind.OTHER) -> Position:
    require(actor, "organization.edit")
    check_required("title", (title or "").strip(), _("A title is required."))
    check_text("title", title.strip())
    if kind not in Position.Kind.values:
        raise ValidationError({"kind": _("Unknown position kind %(kind)r.") % {"kind": kind}})
    position = Position.objects.create(organization=organization, title=title.strip(), kind=kind)
    record(actor=actor, action="create", obj=position, object_repr=title, changes={"title": [None, title], "organization": [None, organization.public_id], "kind": [None, kind]})
    return position


@transaction.atomic
def record_occupancy(*, actor, person: Person, position: Position, start_date=None, end_date=None, source=None) -> Occupancy:
    require(actor, "person.edit")
    collect(
        lambda: check_not_future("start_date", start_date),
        lambda: check_not_future("end_date", end_date),
        lambda: check_range("start_date", start_date, "end_date", end_date),
    )
    occupancy = Occupancy.objects.create(person=person, position=position, start_date=start_date, end_date=end_date, source=source)
    record(actor=actor, action="link", obj=person,
           changes={"occupancy": [None, {"position": position.title, "organization": position.organization.name,
                                         "start_date": start_date, "end_date": end_date}]})
    return occupancy


REVEAL_REASON_MAX = 500


@transaction.atomic
def reveal_identity(*, actor, person: Person, reason: str) -> PersonIdentity | None:
    """Show a protected person's identity to ``actor``, for the reason given (docs/permissions.md,
    rule 6). Every call is a reveal: the audit log records that it happened (no value, no reason)
    and :class:`IdentityReveal` keeps who, when and why, the reason sealed. Returns the identity,
    or None when none was recorded."""
    require(actor, "person.identity")
    reason = (reason or "").strip()
    check_text("reason", reason, long=True)
    if not reason:
        raise ValidationError({"reason": _("Say why you need to see this identity.")})
    if len(reason) > REVEAL_REASON_MAX:
        raise ValidationError({"reason": _("Keep the reason under %(limit)d characters.") % {"limit": REVEAL_REASON_MAX}})
    if not person.protected:
        raise ValidationError({"reason": _("This person is not protected: their identity is shown on their page.")})
    IdentityReveal.objects.create(person=person, revealed_at=timezone.now(), actor=actor,
                                  actor_label=actor.username, reason=reason)
    record(actor=actor, action="reveal", obj=person)
    return PersonIdentity.objects.filter(person=person).first()


def identity_reveals(*, actor, person: Person) -> list[IdentityReveal]:
    """Who has seen this protected person's identity, when and why: for those who may see it."""
    require(actor, "person.identity")
    return list(person.identity_reveals.all()[:100])
