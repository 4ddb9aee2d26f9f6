"""The extraction pipeline: an article's text in, proposed incidents out (docs/news.md).

    sentences ─▶ triggers (lexicon) ─▶ type (retyping, subsumption) ─▶ is it an incident?
              ─▶ places / dates / parties ─▶ one proposal per act, victim group, time and place

Each stage is a plain function of ``shapes``; ``Resources`` holds what is loaded once (the lexicon,
the morphological dictionaries, the gazetteer, the named-entity models, the election days, the
registry index) so ``svidok news extract`` pays for loading once for all files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from svidok.ingest.extraction import dates as dates_module
from svidok.ingest.extraction import lexicon as lexicon_module
from svidok.ingest.extraction import parties as parties_module
from svidok.ingest.extraction import places as places_module
from svidok.ingest.extraction import text as text_module
from svidok.ingest.extraction.shapes import PlaceMention, Proposal, Sentence, Trigger

# When a sentence carries triggers of several types over the same act, the more specific type
# stands for the act: a dismissal threat that enforces turnout is a threat of dismissal (the
# labelling rules of the development set), an armed collection of ballots is forced voting.
SUBSUMES = {
    "threat_of_dismissal": {"intimidation", "coerced_participation", "forced_voting", "dismissal"},
    "dismissal": {"coerced_participation", "intimidation"},
    "forced_voting": {"intimidation", "coerced_participation", "surveillance"},
    "detention": {"search", "intimidation"},
    "criminal_case": {"detention", "administrative_case"},
    "coerced_participation": {"surveillance"},
    "search": {"surveillance"},
}
# A sanction told in the sentence after the order it enforces makes one act with it.
ENFORCES = {"threat_of_dismissal": {"coerced_participation", "forced_voting"}, "dismissal": {"coerced_participation"}}
# Below this confidence a proposal is not made.
THRESHOLD = 0.5
# How many words before a trigger are searched for a word of prediction or condition.
MODAL_WINDOW = 6
_CLAUSE_BREAK = re.compile(r"[,;:—–]|\s-\s")
# Place levels that make an act concrete (a region alone does not).
LOCAL_LEVELS = {"settlement", "district", "raion", "institution"}


@dataclass
class Resources:
    lexicon: lexicon_module.Lexicon
    gazetteer: places_module.Gazetteer
    parties: parties_module.Models
    election_days: list[dt.date] = field(default_factory=list)
    # The indexes perpetrators are matched against: a callable giving a list of MatchIndex, or
    # None for no matching. Asked at each name to match, not kept here: the registry's index is
    # rebuilt when the registry changes (people.registry), the EU list's is built once per process.
    match_indexes: Callable[[], list] | None = None

    @classmethod
    def load(cls, *, lexicon_path: str | None = None, match_indexes: Callable[[], list] | None = None) -> Resources:
        text_module.load()
        return cls(lexicon=lexicon_module.load(lexicon_path), gazetteer=places_module.Gazetteer.load(),
                   parties=parties_module.Models.load(), election_days=dates_module.election_days(),
                   match_indexes=match_indexes if match_indexes is not None else default_indexes)

    def indexes(self) -> list:
        return list(self.match_indexes()) if self.match_indexes else []

    @classmethod
    def shared(cls) -> Resources:
        """One set per process, loaded at first use (the web server and the worker read many
        articles; loading costs about a second)."""
        global _SHARED
        if _SHARED is None:
            _SHARED = cls.load()
        return _SHARED


_SHARED: Resources | None = None


def default_indexes() -> list:
    """The registry (when the database is there) and the EU list (from its file in ``data/``)."""
    from django.db import DatabaseError

    from svidok.people.registry import registry_index

    indexes = []
    try:
        indexes.append(registry_index())
    except DatabaseError:
        pass  # ``svidok news extract`` on a machine with no database set up: the list alone
    indexes.append(parties_module.list_index())
    return indexes


@dataclass
class Article:
    """What extraction reads: the article's body as ``reading`` keeps it (paragraphs apart by a
    blank line; the title is apart, as a headline repeats what the body says)."""

    text: str
    language: str
    published: dt.date | None = None
    outlet: str = ""
    title: str = ""


def choose_types(triggers: list[Trigger], words, lex: lexicon_module.Lexicon) -> list[tuple[str, list[Trigger]]]:
    """The distinct acts a sentence reports: its trigger types after retyping and subsumption,
    strongest first, each with its triggers."""
    by_type: dict[str, list[Trigger]] = {}
    for trigger in triggers:
        kind = trigger.type
        for rule in lex.retype:
            if kind == rule["from"] and any(rule["when"].matches(w) for w in words) \
                    and not any(rule["unless"].matches(w) for w in words):
                kind = rule["to"]
        by_type.setdefault(kind, []).append(trigger)
    kinds = set(by_type)
    for strong in list(kinds):
        kinds -= SUBSUMES.get(strong, set()) - {strong}
    ordered = sorted(kinds, key=lambda k: -max(t.weight for t in by_type[k]))
    return [(k, by_type[k]) for k in ordered]


def _clause_before(words, trigger: Trigger, sentence_text: str, offset: int, window: int) -> list:
    """The words of the trigger's own clause among the ``window`` before it: in "if they refuse,
    they are threatened" the condition is apart from the act by a comma or a dash."""
    before = [w for w in words if w.end <= trigger.start][-window:]
    if not before:
        return []
    clause = []
    for word, following in zip(before, [*before[1:], None], strict=True):
        clause.append(word)
        end = following.start if following is not None else trigger.start
        if _CLAUSE_BREAK.search(sentence_text[word.end - offset:end - offset]):
            clause = []
    return clause


def _modal_before(words, trigger: Trigger, lex: lexicon_module.Lexicon, language: str, sentence_text: str, offset: int) -> bool:
    """A future, modal or conditional word shortly before the trigger: a prediction, not an act."""
    tests = lex.not_incident.get(language, ())
    return any(test.matches(w) for w in _clause_before(words, trigger, sentence_text, offset, MODAL_WINDOW) for test in tests)


def _negated(words, trigger: Trigger, lex: lexicon_module.Lexicon, language: str, sentence_text: str, offset: int) -> bool:
    """"No one was detained", "нікого не затримали": a negation among the three words before."""
    return _any(lex.negation.get(language), _clause_before(words, trigger, sentence_text, offset, 3))


def _first_person(words, trigger: Trigger, lex, language: str) -> bool:
    """A witness speaking: "we", "I" among the three words before the trigger ("we are forced")."""
    test = lex.first_person.get(language)
    before = [w for w in words if w.end <= trigger.start][-3:]
    return _any(test, before)


def _any(test, words) -> bool:
    return test is not None and any(test.matches(w) for w in words)


@dataclass
class _Act:
    """A proposal being built: the sentence(s) that report it and what they say."""

    proposal: Proposal
    sentences: list[Sentence]
    group: str | None
    place_key: str | None
    specific: bool
    new: bool = False  # says "another", "a similar", "also": not the act told before


def _confidence(kind_weight: float, *, modal: bool, generic: bool, lead: bool, first_person: bool,
                claim: bool, local_place: bool) -> float:
    """How sure a proposal is, from the trigger's weight and what the sentence says around it
    (docs/news.md, "Confidence")."""
    confidence = kind_weight
    if modal:
        confidence -= 0.35  # "will be", "could", "if": a prediction or a possibility
    if generic and not local_place:
        confidence -= 0.2   # "residents of Crimea are forced…": a general allegation
    if lead and not local_place:
        confidence -= 0.15  # the lead paragraph sums the article up
    if claim and not local_place:
        confidence -= 0.1   # "according to officials", "claimed"
    if first_person:
        confidence += 0.1   # a witness's own words
    if local_place:
        confidence += 0.1   # a settlement or district named: a concrete act
    return round(max(0.0, min(confidence, 1.0)), 2)


def extract(article: Article, resources: Resources) -> list[Proposal]:
    lex = resources.lexicon
    language = article.language
    sentences = text_module.sentences(article.text)
    lead_paragraph = sentences[0].paragraph if sentences else None
    gazetteer = resources.gazetteer
    places_in = {s.index: gazetteer.find(s.text, s.start, language) for s in sentences}
    dates_in = {s.index: dates_module.find_dates(s.text, s.start, language, published=article.published,
                                                 election_days=resources.election_days) for s in sentences}
    article_dates = [m for found in dates_in.values() for m in found]
    region = _article_region(article, places_in, gazetteer, language)
    reporters = parties_module.reporters(article.text, language, article.outlet or None, models=resources.parties,
                                         sentences=[(s.start, s.end) for s in sentences])
    acts: list[_Act] = []
    for sentence in sentences:
        words = text_module.words(sentence, language)
        triggers = lex.triggers(sentence.index, words, language)
        if not triggers:
            continue
        named, places, local = _parties_and_places(sentence, language, resources, places_in[sentence.index])
        places_in[sentence.index] = places
        group = lex.group_of(words)
        new_act = _any(lex.new_act.get(language), words)
        date, precision = dates_module.incident_date(dates_in[sentence.index], published=article.published,
                                                     election_days=resources.election_days, article_mentions=article_dates)
        for kind, own in choose_types(triggers, words, lex):
            best = max(own, key=lambda t: t.weight)
            if _negated(words, best, lex, language, sentence.text, sentence.start):
                continue
            confidence = _confidence(
                best.weight, modal=_modal_before(words, best, lex, language, sentence.text, sentence.start),
                generic=_any(lex.general.get(language), words) and group is None,
                lead=sentence.paragraph == lead_paragraph, first_person=_first_person(words, best, lex, language),
                claim=_any(lex.claim.get(language), words), local_place=bool(local))
            if confidence < THRESHOLD:
                continue
            roles = parties_module.assign_roles(list(named), sentence.text, (best.start, best.end), offset=sentence.start,
                                                language=language, models=resources.parties)
            victims = [p.as_written for p in roles if p.role == "victim"]
            # A person or organization named before the act with no role of its own ("officials of
            # X ordered") is proposed as a perpetrator too: the reviewer decides.
            perpetrators = [p for p in roles if p.role == "perpetrator" or
                            (not p.role and p.kind in ("person", "organization") and p.end <= best.start)]
            if any(p.kind in ("person", "organization") for p in perpetrators):
                perpetrators = parties_module.match_parties(perpetrators, resources.indexes(), models=resources.parties)
            # parties.dedupe: "Serhii Haidai" in the sentence and "Serhii Haidai, Head of …" in the
            # article are one source, named the longer way.
            said_by = parties_module.dedupe([p.as_written for p in roles if p.role == "reporter"] + reporters)
            count = parties_module.victim_count(sentence.text, language, models=resources.parties)
            # One act per settlement when a sentence names several ("in schools of Kerch and Simferopol").
            chosen = _act_places(local, sentence, words, lex, language) or \
                [places_module.best_place(places) or (None if new_act else _context_place(sentence, sentences, places_in)) or region]
            for place in chosen:
                proposal = Proposal(type=kind, evidence_quote=sentence.text, quote_start=sentence.start,
                                    quote_end=sentence.end, confidence=confidence, place=place, triggers=own,
                                    date=date, date_precision=precision, victims=list(victims), victim_count=count,
                                    perpetrators=list(perpetrators), reported_by=list(said_by))
                acts.append(_Act(proposal=proposal, sentences=[sentence], group=group,
                                 place_key=place.code if place and place.level in LOCAL_LEVELS else None,
                                 specific=bool(local), new=new_act))
    return [act.proposal for act in _merge(acts, article.text)]


def _parties_and_places(sentence: Sentence, language: str, resources: Resources, places: list[PlaceMention]):
    """The sentence's parties, and its places less those inside a person's name ("Sergei" of
    "Sergei Aksenov" is also a village's old name): persons are read first, then the parties again
    with the remaining places set aside (so "teachers in Kerch" does not swallow the town)."""
    persons = [p for p in parties_module.find_parties(sentence.text, sentence.start, language, resources.parties)
               if p.kind == "person"]
    places = [pl for pl in places if not any(p.start <= pl.start and pl.end <= p.end and (p.end - p.start) > (pl.end - pl.start)
                                             for p in persons)]
    named = parties_module.find_parties(sentence.text, sentence.start, language, resources.parties,
                                        exclude=[(pl.start, pl.end) for pl in places if pl.start >= 0])
    return named, places, [pl for pl in places if pl.level in LOCAL_LEVELS]


def _unique(names: list[str]) -> list[str]:
    seen, out = set(), []
    for name in names:
        key = " ".join(name.casefold().split())
        if key and key not in seen:
            seen.add(key)
            out.append(name)
    return out


def _context_place(sentence: Sentence, sentences: list[Sentence], places_in: dict) -> PlaceMention | None:
    """A sentence that names no place is about the settlement named by the next sentence of its
    paragraph (a quotation, then "…, said a resident of X"), else by the two sentences before it."""
    following = sentence.index + 1
    if following < len(sentences) and sentences[following].paragraph == sentence.paragraph:
        local = [p for p in places_in.get(following, []) if p.level in LOCAL_LEVELS]
        if local:
            return local[0]
    for previous in range(sentence.index - 1, max(-1, sentence.index - 3), -1):
        local = [p for p in places_in.get(previous, []) if p.level in LOCAL_LEVELS]
        if local:
            return local[-1]
    return None


def _article_region(article: Article, places_in: dict, gazetteer, language: str) -> PlaceMention | None:
    """The region the article is about: the one its title names, else the one its text names most."""
    title = gazetteer.find(article.title, 0, language) if article.title else []
    candidates = [p for p in title if p.level == "region"] or \
        [p for found in places_in.values() for p in found if p.level == "region"]
    if not candidates:
        return None
    counts: dict[str, int] = {}
    for place in candidates:
        counts[place.code] = counts.get(place.code, 0) + 1
    best = max(candidates, key=lambda p: counts[p.code])
    # Offsets of a place taken from the title or another sentence mean nothing for this one.
    return PlaceMention(as_written=best.as_written, start=-1, end=-1, code=best.code, name=best.name,
                        region=best.region, level=best.level)


def _act_places(local: list[PlaceMention], sentence: Sentence, words, lex, language: str) -> list[PlaceMention]:
    """The places of the acts a sentence reports. Settlements joined by "and" ("in schools of Kerch
    and Simferopol") are one act each; otherwise the place the act happened "in" (a locative word
    before it) rather than one named in passing ("Luhansk governor said that in Starobilsk…")."""
    distinct, seen = [], set()
    for place in local:
        if (place.code or place.as_written) not in seen:
            seen.add(place.code or place.as_written)
            distinct.append(place)
    if len(distinct) < 2:
        return distinct
    conjunction = lex.conjunction.get(language)
    groups: list[list[PlaceMention]] = [[distinct[0]]]
    for previous, place in zip(distinct, distinct[1:], strict=False):
        between = [w for w in words if previous.end <= w.start and w.end <= place.start]
        if len(between) <= 5 and (_any(conjunction, between) or "," in sentence.text[previous.end - sentence.start:place.start - sentence.start]):
            groups[-1].append(place)
        else:
            groups.append([place])
    locative = lex.locative.get(language)

    def located(group: list[PlaceMention]) -> bool:
        first = group[0]
        before = [w for w in words if w.end <= first.start][-4:]
        return _any(locative, before)

    return next((group for group in groups if located(group)), groups[0])


def _merge(acts: list[_Act], text: str) -> list[_Act]:
    """One proposal per act: the same type, place and victim group said again in the article is the
    same act. Said in the next sentence, the quote grows to cover both; said further on, the more
    confident (then the first) saying stands."""
    kept: list[_Act] = []
    for act in acts:
        twin = None if act.new else next((k for k in kept if _next_to(k, act) and _same_act(k, act, adjacent=True)), None) \
            or next((k for k in kept if _same_act(k, act)), None)
        if twin is None:
            kept.append(act)
            continue
        last = twin.sentences[-1]
        if act.sentences[0].index == last.index + 1:
            twin.sentences.append(act.sentences[0])
            twin.proposal.quote_end = act.proposal.quote_end
            twin.proposal.evidence_quote = text[twin.proposal.quote_start:twin.proposal.quote_end]
            twin.proposal.confidence = max(twin.proposal.confidence, act.proposal.confidence)
            twin.proposal.triggers = [*twin.proposal.triggers, *act.proposal.triggers]
            mine, other = twin.proposal, act.proposal
            mine.victims = _unique(mine.victims + other.victims)
            known = {p.as_written for p in mine.perpetrators}
            mine.perpetrators += [p for p in other.perpetrators if p.as_written not in known]
            mine.reported_by = parties_module.dedupe(mine.reported_by + other.reported_by)
            mine.victim_count = mine.victim_count or other.victim_count
            mine.date, mine.date_precision = (mine.date, mine.date_precision) if mine.date_precision == "day" or \
                other.date_precision != "day" else (other.date, other.date_precision)
            if other.type != mine.type and mine.type in ENFORCES.get(other.type, ()):
                mine.type = other.type  # the sanction that enforces the order names the act
        elif act.proposal.confidence > twin.proposal.confidence + 0.15:
            kept[kept.index(twin)] = act
    return kept


def _enforces(a: _Act, b: _Act) -> bool:
    """The next sentence, naming no place of its own, tells the sanction that enforces the act
    before it ("teachers were told to bring a photo of the ballot. Those who do not were promised
    dismissal"): one act, of the sanction's type."""
    return not b.specific and not b.new and a.proposal.type in ENFORCES.get(b.proposal.type, ())


def _next_to(a: _Act, b: _Act) -> bool:
    return b.sentences[0].index == a.sentences[-1].index + 1


def _same_act(a: _Act, b: _Act, *, adjacent: bool = False) -> bool:
    """Same type and place (when both say one); further apart, the same victim group too. The
    next sentence saying the same type of act at the same place goes on telling the same act, and
    so does one saying a type that takes in the other's (an order to vote, then the dismissal
    threat that enforces it)."""
    if a.proposal.type != b.proposal.type and not (adjacent and _enforces(a, b)):
        return False
    if a.place_key and b.place_key and a.place_key != b.place_key:
        return False
    if not adjacent and a.group and b.group and a.group != b.group:
        return False
    return True
