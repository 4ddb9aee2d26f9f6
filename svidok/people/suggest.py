"""Likely existing persons for a name being entered, before a new person is recorded.

Wherever a person is entered (the "new person" form, the involvement rows of the incident form)
the name is matched against the registry (:mod:`svidok.people.matching`); candidates at or above
the matcher's threshold are shown with their score, names and the explanation, and nothing is
recorded until the user picks one of them or confirms that the person is new.

What a candidate shows is public: its display name and name variants. Protected persons are never
indexed by the matcher and are dropped here again (a stale index must not leak one); no identity
field (birth date, contacts, identifiers) is ever part of a candidate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from svidok.people.models import Person

LIMIT = 5  # candidates shown under a name field
MIN_LETTERS = 3  # fewer letters typed so far: too early to suggest anything

CONFIRM = "confirm_new"  # checkbox: create a new person anyway
CHECKED = "checked_name"  # the name the candidates were shown for (hidden input)
USE = "use"  # button: use this existing person (value: its UUID)


# Apps above this one that know other places a name may be found (the sanctions app: entries of the
# imported reference lists) register a function ``name -> [entry]`` here; an entry has ``caption``,
# ``reference_list`` and ``listed_since``. Shown under the name field beside the registry's
# candidates, marked as list entries: they are not persons of the registry and block nothing.
_LIST_SUGGESTERS: list = []


def register_list_suggester(function) -> None:
    if function not in _LIST_SUGGESTERS:
        _LIST_SUGGESTERS.append(function)


def list_entries(name: str, *, limit: int = 3) -> list:
    """Entries of other lists (see ``register_list_suggester``) whose names match ``name``, best first."""
    name = " ".join((name or "").split())
    if _letters(name) < MIN_LETTERS:
        return []
    found = []
    for function in _LIST_SUGGESTERS:
        found.extend(function(name))
    return found[:limit]


@dataclass
class Candidate:
    """One existing person the typed name may mean."""

    person: Person
    score: float
    matched_name: str  # the candidate's spelling that matched best
    pairs: list = field(default_factory=list)  # [(query word, candidate word, score)]
    unpaired: list = field(default_factory=list)  # words of the typed name that met nothing
    birth_date: str = ""  # the birth date comparison, only when the user gave one
    via: Person | None = None  # the matched record, when it is linked to ``person`` (deduplication)

    @property
    def public_id(self) -> str:
        return self.person.public_id


def _letters(text: str) -> int:
    return sum(1 for c in text or "" if c.isalpha())


def candidates(name: str, *, birth_date=None, limit: int = LIMIT) -> list[Candidate]:
    """Existing non-protected persons whose names match ``name`` at or above the threshold, best first.

    A record linked to another as the same person (``merged_into``) is shown as its canonical
    record. ``birth_date`` (a date or ``YYYY-MM-DD``) takes part in the score; pass it only for
    users who may see identities (the caller knows: the birth date field is theirs only). A name
    the matcher cannot use (too short, initials only, mixed scripts) has no candidates: the form's
    own validation says what is wrong with it.
    """
    name = " ".join((name or "").split())
    if _letters(name) < MIN_LETTERS:
        return []
    # Imported here: the matcher brings NumPy, which a process that never suggests a person (a
    # command storing evidence, a worker) should not pay for at start-up.
    from svidok.names import matching
    from svidok.people import registry

    index = registry.registry_index()
    try:
        result = index.match(name, birth_date=birth_date, limit=limit * 2, persons=True,
                             use_birth_dates=birth_date is not None)
    except matching.MatchError:
        return []
    hits = [r for r in result.results if r.match]
    if not hits:
        return []
    records = {str(p.uuid): p for p in Person.objects.filter(uuid__in=[r.entry.id for r in hits], protected=False)}
    canonical_ids = {p.merged_into_id for p in records.values() if p.merged_into_id}
    canonicals = _canonicals(canonical_ids)
    found: dict[int, Candidate] = {}
    for r in hits:
        record = records.get(r.entry.id)
        if record is None:
            continue  # protected since the index was built, or gone
        person = canonicals.get(record.merged_into_id, record) if record.merged_into_id else record
        if person is None or person.protected or person.pk in found:
            continue  # a better-scored record of the same person came first (results are sorted)
        name_explained = (r.explanation or {}).get("name") or {}
        found[person.pk] = Candidate(
            person=person, score=round(r.score, 2),
            matched_name=name_explained.get("candidate_name") or r.entry.caption,
            pairs=[tuple(p) for p in name_explained.get("tokens", [])],
            unpaired=list(name_explained.get("unmatched_query", [])),
            birth_date=_birth_words((r.explanation or {}).get("birth_date", "")) if birth_date else "",
            via=record if person.pk != record.pk else None,
        )
    shown = list(found.values())[:limit]
    _prefetch_names([c.person for c in shown])
    return shown


def _birth_words(text: str) -> str:
    return str(BIRTH_DATE_WORDS.get(text, "")) if text else ""


def _canonicals(ids: set[int]) -> dict[int, Person | None]:
    """``{merged_into id: canonical person}``, following chains of links; None if it ends protected."""
    from svidok.people.merging import canonical

    out: dict[int, Person | None] = {}
    for pk, person in Person.objects.in_bulk(ids).items():
        root = canonical(person) if person.merged_into_id else person
        out[pk] = None if root.protected else root
    return out


def _prefetch_names(persons: list[Person]) -> None:
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(persons, "names")


def confirmed(data, prefix: str, name: str) -> bool:
    """Whether the user ticked "create a new person anyway" for this very name (not one typed before)."""
    def key(field_name):
        return f"{prefix}-{field_name}" if prefix else field_name

    if data is None or not data.get(key(CONFIRM)):
        return False
    return " ".join((data.get(key(CHECKED)) or "").split()) == " ".join((name or "").split())


# --- the box under a name field ----------------------------------------------------------------------

BIRTH_DATE_WORDS = {
    "agrees": _("agrees"),
    "same year": _("same year"),
    "same year, another day": _("same year, another day"),
    "another year": _("another year"),
    "unknown for the candidate": _("unknown for the candidate"),
}


@dataclass
class Box:
    """What the box under a name field shows: candidates, or the user's "new person anyway"."""

    id: str
    prefix: str = ""
    # In an incident row, "use this person" asks this address (the incident form's, given by the
    # app above) to fill the row; elsewhere it opens the person.
    pick_url: str = ""

    @property
    def pick(self) -> bool:
        return bool(self.pick_url)
    candidates: list = field(default_factory=list)
    list_entries: list = field(default_factory=list)  # reference-list entries (``list_entries``)
    checked_name: str = ""
    confirmed: bool = False

    def _key(self, name: str) -> str:
        return f"{self.prefix}-{name}" if self.prefix else name

    @property
    def confirm_field(self) -> str:
        return self._key(CONFIRM)

    @property
    def checked_field(self) -> str:
        return self._key(CHECKED)

    @property
    def use_field(self) -> str:
        return self._key(USE)


def attach(form, field_name: str = "name", *, pick_url: str = "") -> Box:
    """Make ``form``'s name field suggest existing persons: while typing (htmx posts the name, so
    that it never lands in a URL or an access log) and, without JavaScript, when the form is sent
    (:func:`check`). The box is rendered under the field by ``_field.html``."""
    bound = form[field_name]
    box = Box(id=f"{bound.auto_id}_suggestions", prefix=form.prefix or "", pick_url=pick_url)
    # hx-params filters the hx-vals too: prefix and pick must be named.
    params = ["csrfmiddlewaretoken", "prefix", "pick", form.add_prefix(field_name)]
    if pick_url:
        params.append(form.add_prefix("party_kind"))
    widget = form.fields[field_name].widget
    widget.attrs.update({
        "hx-post": reverse("people:person_suggest"),
        "hx-trigger": "keyup changed delay:400ms",
        "hx-target": f"#{box.id}",
        "hx-swap": "innerHTML",
        "hx-params": ",".join(params),
        "hx-vals": json.dumps({"prefix": box.prefix, "pick": pick_url}),
        "autocomplete": "off",
        "aria-controls": box.id,
    })
    form.fields[field_name].after_template = "people/_suggest_box.html"
    form.suggest_box = box
    return box


def check(form, name: str, *, birth_date=None) -> bool:
    """True when ``name`` may be recorded as a new person: no existing person matches it, or the
    user confirmed it is new. Otherwise the candidates go into the form's box to be shown."""
    box = form.suggest_box
    box.checked_name = " ".join((name or "").split())
    if confirmed(form.data, box.prefix, name):
        box.confirmed = True
        return True
    box.candidates = candidates(name, birth_date=birth_date)
    if box.candidates:
        box.list_entries = list_entries(name)
    return not box.candidates
