"""Protected persons' names in free text: found by the blind index, replaced by the pseudonym.

A documenter may type a victim's real name into a narrative. Readers without clearance must see the
pseudonym in its place, and the search index must not hold the name (a viewer's search would find the
incident by it). Every word of the text is folded to the search's keys (``search.normalize``: every
spelling and transliteration), each key blinded with the identity key (``common.crypto.blind``) and
looked up among the protected persons' name keys (``PersonNameKey``): no name is ever opened here.

A run of matched words (a first name and a surname) becomes one replacement: the person's pseudonym
when all its words point to one person, "[protected name]" when a word belongs to several.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict

from django.contrib import messages
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from svidok.accounts import rules
from svidok.common import crypto
from svidok.people.models import Person, PersonNameKey
from svidok.search.normalize import word_keys

_WORD = re.compile(r"[^\W_]+(?:['’ʼ`][^\W_]+)*", re.UNICODE)
_BETWEEN = re.compile(r"[\s\u00a0.,-]*")  # what may stand between the words of one name ("Kovalenko, Iryna")
_APOSTROPHE = re.compile(r"['’ʼ`]")


def _pieces(match) -> list[tuple[int, int, str]]:
    """The parts of a word at its apostrophes, each with its offsets: an apostrophe belongs to a
    Ukrainian or Crimean Tatar name ("Мар'яна", "Ma'mut") but also ends an English possessive
    ("Kovalenko's"), so both the whole word and its parts are looked up."""
    word, start = match.group(), match.start()
    parts, position = [], 0
    for apostrophe in _APOSTROPHE.finditer(word):
        parts.append((start + position, start + apostrophe.start(), word[position:apostrophe.start()]))
        position = apostrophe.end()
    if parts:
        parts.append((start + position, start + len(word), word[position:]))
    return parts


def _words(text: str) -> list[str]:
    words = []
    for match in _WORD.finditer(text or ""):
        words.append(match.group())
        words += [part for _start, _end, part in _pieces(match)]
    return words


class Matcher:
    """The protected names among the words of some texts: one page's, or one batch's of an import.

    Only the digests of the words that occur are looked up (a few queries whatever the number of
    protected persons); with no protected name in the database nothing is hashed at all.
    """

    CHUNK = 500  # digests per query (SQLite's limit on parameters)

    def __init__(self, texts=()):
        self.persons: dict[str, set[int]] = defaultdict(set)
        self.key = None
        self._pseudonyms: dict[int, str] | None = None
        self._empty = not PersonNameKey.objects.exists()
        if self._empty:
            return
        try:
            self.key = crypto.keyring().current
        except crypto.KeyMissing:
            self._empty = True  # no key, no sealed names: nothing to recognise
            return
        self._looked_up: set[str] = set()
        self.extend(texts)

    def extend(self, texts) -> None:
        """Look up the words of more texts: one query per chunk of digests not looked up before,
        none when every word was (a page that gave all its texts at first queries nothing here)."""
        if self._empty:
            return
        digests = {_blind(k, self.key) for text in texts for w in _words(text) for k in word_keys(w.lower())}
        digests = sorted(digests - self._looked_up)
        self._looked_up.update(digests)
        for start in range(0, len(digests), self.CHUNK):
            rows = PersonNameKey.objects.filter(kid=self.key.kid, digest__in=digests[start:start + self.CHUNK])
            for person_id, digest in rows.values_list("person_id", "digest"):
                if person_id not in self.persons[digest]:
                    self.persons[digest].add(person_id)
                    self._pseudonyms = None  # a person not named before: fetch the pseudonyms again

    def __bool__(self):
        return bool(self.persons)

    def persons_of(self, word: str) -> set[int]:
        found: set[int] = set()
        for key in word_keys(word.lower()):
            found |= self.persons.get(_blind(key, self.key), set())
        return found

    def pseudonym(self, person_ids: set[int]) -> str:
        if self._pseudonyms is None:
            ids = {p for ps in self.persons.values() for p in ps}
            self._pseudonyms = dict(Person.objects.filter(pk__in=ids).values_list("pk", "pseudonym"))
        if len(person_ids) == 1:
            return self._pseudonyms.get(next(iter(person_ids))) or _("[protected name]")
        return _("[protected name]")


@functools.lru_cache(maxsize=100_000)
def _blind(search_key: str, key) -> str:
    return crypto.blind(search_key, key=key)


def _runs(text: str, matcher: Matcher | None) -> list[list]:
    """``[start, end, person ids]`` of each protected name in ``text``."""
    matcher = matcher if matcher is not None else Matcher([text])
    if not matcher:
        return []
    spans = []  # (start, end, persons) of matched words
    for match in _WORD.finditer(text):
        persons = matcher.persons_of(match.group())
        if persons:
            spans.append([match.start(), match.end(), persons])
            continue
        for start, end, part in _pieces(match):  # "Kovalenko's": the name before the apostrophe
            persons = matcher.persons_of(part)
            if persons:
                spans.append([start, end, persons])
    if not spans:
        return []
    # Join neighbouring matched words that share a person: one name, one replacement.
    runs = [spans[0]]
    for start, end, persons in spans[1:]:
        last = runs[-1]
        if _BETWEEN.fullmatch(text[last[1]:start]) and (last[2] & persons):
            last[1], last[2] = end, last[2] & persons
        else:
            runs.append([start, end, persons])
    for run in runs:
        run.append(matcher)
    return runs


def names_in(text: str, matcher: Matcher | None = None) -> list[dict]:
    """The protected names in ``text``: ``{"start", "end", "pseudonym"}`` each (offsets in ``text``;
    the pseudonym is what readers without clearance see in its place). The warning while typing."""
    return [{"start": start, "end": end, "pseudonym": m.pseudonym(persons)} for start, end, persons, m in _runs(text or "", matcher)]


def pseudonymize(text: str, matcher: Matcher | None = None, *, replace=None) -> tuple[str, set[int]]:
    """``text`` with every protected person's name replaced (see the module), and the ids of the
    persons found. Text without protected names comes back unchanged. ``matcher`` must have been
    made with this text among its texts. ``replace(person_ids)`` may decide the replacement of each
    name instead (``people.consent.Disclosure.replacement``); None from it keeps the name."""
    if not text:
        return text, set()
    runs = _runs(text, matcher)
    if not runs:
        return text, set()
    found: set[int] = set()
    pieces, position = [], 0
    for start, end, persons, names in runs:
        found |= persons
        replacement = names.pseudonym(persons) if replace is None else replace(persons)
        if replacement is None:
            continue
        pieces += [text[position:start], replacement]
        position = end
    pieces.append(text[position:])
    return "".join(pieces), found


class Reader:
    """Free texts as one reader sees them: as written with ``person.identity``, pseudonymized
    without it. One per page, API response or batch (``reader_for``), with one :class:`Matcher`.

    ``expect(texts)`` announces the texts a page will show before any is shown, so that the blind
    index is read once for all of them (a list's query count stays flat). A text not announced is
    still pseudonymized, at the cost of a query for its words: forgetting one costs time, not a name.
    """

    do_not_call_in_templates = True  # templates pass it to the ``as_read`` filter

    def __init__(self, user=None):
        self.user = user
        self._cleared: bool | None = None
        self._pending: list[str] = []
        self._matcher: Matcher | None = None

    @property
    def cleared(self) -> bool:
        if self._cleared is None:
            self._cleared = self.user is not None and rules.can(self.user, "person.identity")
        return self._cleared

    def expect(self, texts) -> Reader:
        if not self.cleared:
            self._pending.extend(t for t in texts if t)
        return self

    def __call__(self, text):
        if not text or not isinstance(text, str) or self.cleared:
            return text
        return pseudonymize(text, self.matcher_for(text))[0]

    def matcher_for(self, *texts) -> Matcher:
        """The matcher, having looked up ``texts`` and every text expected so far."""
        self._pending.extend(texts)
        if self._matcher is None:
            self._matcher = Matcher(self._pending)
        else:
            self._matcher.extend(self._pending)
        self._pending = []
        return self._matcher


def reader_for(request) -> Reader:
    """The request's :class:`Reader` (one per request: pages, their templates and the API share it).
    Without a request: a reader without clearance."""
    if request is None:
        return Reader(None)
    reader = getattr(request, "_freetext_reader", None)
    if reader is None:
        reader = request._freetext_reader = Reader(getattr(request, "user", None))
    return reader


def checked(field):
    """``field`` (a form field for free text) with the warning while typing: the page's script
    (static/svidok/freetext.js) sends its text to ``people:names_in_text`` on a pause and shows
    under it which words are protected names and the pseudonym readers will see."""
    field.widget.attrs["data-names-check"] = reverse_lazy("people:names_in_text")
    field.after_template = "people/_names_warning.html"
    return field


def notice(request, *texts) -> None:
    """After a save: say so when the texts saved name a protected person (the warning without
    JavaScript). Says nothing of who: the pseudonyms are on the page the user goes back to."""
    if any(names_in(t, reader_for(request).matcher_for(*texts)) for t in texts if t):
        messages.info(request, _("This text names a protected person; readers without clearance see the pseudonym in its place."))


def context(request) -> dict:
    """Context processor: ``freetext_reader`` for the ``as_read`` filter (people_tags)."""
    return {"freetext_reader": reader_for(request)}
