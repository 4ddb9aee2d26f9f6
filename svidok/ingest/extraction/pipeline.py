"""The extraction pipeline: an article's text in, proposed incidents out (docs/news.md).

    sentences ─▶ triggers (lexicon) ─▶ type (retyping, subsumption) ─▶ is it an incident?
              ─▶ places / dates / parties ─▶ one proposal per act, victim group, time and place

Each stage is a plain function of ``shapes``; ``Resources`` holds what is loaded once (the lexicon,
the morphological dictionaries, the gazetteer, the named-entity models, the election days, the
registry index) so ``svidok news extract`` pays for loading once for all files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from svidok.ingest.extraction import lexicon as lexicon_module
from svidok.ingest.extraction import text as text_module
from svidok.ingest.extraction.shapes import Proposal, Sentence, Trigger

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
# Below this confidence a proposal is not made.
THRESHOLD = 0.5
# How many words before a trigger are searched for a word of prediction or condition.
MODAL_WINDOW = 6
# Place levels that make an act concrete (a region alone does not).
LOCAL_LEVELS = {"settlement", "raion", "institution"}


@dataclass
class Resources:
    lexicon: lexicon_module.Lexicon
    election_days: list[dt.date] = field(default_factory=list)
    places: object = None  # (sentence, language) -> [PlaceMention]

    @classmethod
    def load(cls, *, lexicon_path: str | None = None) -> Resources:
        text_module.load()
        return cls(lexicon=lexicon_module.load(lexicon_path))

    @classmethod
    def shared(cls) -> Resources:
        """One set per process, loaded at first use (the web server and the worker read many
        articles; loading costs about a second)."""
        global _SHARED
        if _SHARED is None:
            _SHARED = cls.load()
        return _SHARED


_SHARED: Resources | None = None


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


def _modal_before(words, trigger: Trigger, lex: lexicon_module.Lexicon, language: str) -> bool:
    """A future, modal or conditional word shortly before the trigger: a prediction, not an act."""
    tests = lex.not_incident.get(language, ())
    before = [w for w in words if w.end <= trigger.start][-MODAL_WINDOW:]
    return any(test.matches(w) for w in before for test in tests)


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
    return max(0.0, min(confidence, 1.0))


def extract(article: Article, resources: Resources) -> list[Proposal]:
    lex = resources.lexicon
    language = article.language
    sentences = text_module.sentences(article.text)
    lead_paragraph = sentences[0].paragraph if sentences else None
    acts: list[_Act] = []
    for sentence in sentences:
        words = text_module.words(sentence, language)
        triggers = lex.triggers(sentence.index, words, language)
        if not triggers:
            continue
        places = resources.places(sentence, language) if resources.places else []
        local = [p for p in places if p.level in LOCAL_LEVELS]
        group = lex.group_of(words)
        for kind, own in choose_types(triggers, words, lex):
            best = max(own, key=lambda t: t.weight)
            confidence = _confidence(
                best.weight, modal=_modal_before(words, best, lex, language),
                generic=_any(lex.general.get(language), words) and group is None,
                lead=sentence.paragraph == lead_paragraph, first_person=_any(lex.first_person.get(language), words),
                claim=_any(lex.claim.get(language), words), local_place=bool(local))
            if confidence < THRESHOLD:
                continue
            # One act per settlement when a sentence names several ("in schools of Kerch and Simferopol").
            for place in _distinct(local) or [_best(places)]:
                proposal = Proposal(type=kind, evidence_quote=sentence.text, quote_start=sentence.start,
                                    quote_end=sentence.end, confidence=confidence, place=place, triggers=own)
                acts.append(_Act(proposal=proposal, sentences=[sentence], group=group,
                                 place_key=place.code if place else None, specific=bool(local)))
    return [act.proposal for act in _merge(acts, article.text)]


def _distinct(places):
    seen, out = set(), []
    for place in places:
        key = place.code or place.as_written
        if key not in seen:
            seen.add(key)
            out.append(place)
    return out


def _best(places):
    if not places:
        return None
    order = {level: i for i, level in enumerate(("settlement", "institution", "raion", "region"))}
    return sorted(places, key=lambda p: order.get(p.level, 9))[0]


def _merge(acts: list[_Act], text: str) -> list[_Act]:
    """One proposal per act: the same type, place and victim group said again in the article is the
    same act. Said in the next sentence, the quote grows to cover both; said further on, the more
    confident (then the first) saying stands."""
    kept: list[_Act] = []
    for act in acts:
        twin = next((k for k in kept if _same_act(k, act)), None)
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
        elif act.proposal.confidence > twin.proposal.confidence + 0.15:
            kept[kept.index(twin)] = act
    return kept


def _same_act(a: _Act, b: _Act) -> bool:
    if a.proposal.type != b.proposal.type:
        return False
    if a.place_key and b.place_key and a.place_key != b.place_key:
        return False
    if a.group and b.group and a.group != b.group:
        return False
    return True
