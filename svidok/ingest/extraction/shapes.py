"""The data that flows through the extraction pipeline (issue 12, docs/news.md "Extraction").

Every stage is a plain function from one of these shapes to the next; none touches the database,
so ``svidok news extract`` and ``svidok news eval`` run on files alone and the stages are tested
one by one. Offsets are character offsets into the article's text as read (``ReadArticle.text``),
so a quote can always be cut back out of the text verbatim.

    text ──sentences()──▶ [Sentence] ──find_triggers()──▶ [Trigger]
         ──parties / places / dates──▶ [Mention]  ──group()──▶ [Proposal] ──▶ JSON / Candidate rows
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Sentence:
    """One sentence of the text: ``text[start:end]``, its index, and the paragraph it is in."""

    index: int
    start: int
    end: int
    text: str
    paragraph: int = 0


@dataclass(frozen=True)
class Trigger:
    """A lexicon entry found in a sentence: the incident type it signals, the words as written,
    their span in the article's text, and the entry's weight (0..1, from the lexicon)."""

    type: str
    sentence: int
    start: int
    end: int
    as_written: str
    entry: str
    weight: float


@dataclass(frozen=True)
class PlaceMention:
    """A place named in the text. ``code`` is a gazetteer (KATOTTG) code, ``name`` its
    Ukrainian name, ``region`` the code of its region (oblast / Crimea / Sevastopol)."""

    as_written: str
    start: int
    end: int
    code: str | None = None
    name: str | None = None
    region: str | None = None
    level: str = ""  # "region", "raion", "settlement", "district" (of a city), "institution"


@dataclass(frozen=True)
class DateMention:
    """A date said in the text, resolved: ``value`` ISO ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``,
    ``precision`` "year" | "month" | "day"; ``start``/``end`` its span in the article's text.
    ``of_vote``: the date is written as the vote's own ("the elections on 18 March", "election
    day"), so it dates the vote rather than an act reported around it."""

    as_written: str
    start: int
    end: int
    value: str
    precision: str
    of_vote: bool = False


@dataclass(frozen=True)
class Party:
    """A person, organization or group named in the text, with the role the sentence gives it:
    ``victim``, ``perpetrator`` or ``reporter``. ``match`` is the registry or list entry it
    matches, if any: ``{"name", "list", "score", "id"}`` (``id`` an internal registry key, never
    shown to readers). ``refers_to``: for a surname alone ("Aksyonov said"), the person's full
    name as written earlier in the same article."""

    as_written: str
    kind: str  # "person", "organization", "group"
    role: str
    start: int = -1
    end: int = -1
    match: dict | None = None
    refers_to: str | None = None  # the full name written earlier in the article, for a bare surname

    @property
    def label(self) -> str:
        """How a candidate names it: "Sergey Aksyonov (EU list)" when it matches a list."""
        if self.match and self.match.get("list"):
            return f"{self.match['name']} ({self.match['list']})"
        if self.match:
            return self.match["name"]
        return self.as_written


@dataclass
class Proposal:
    """One proposed incident: one act against one victim or group at one time and place."""

    type: str
    evidence_quote: str
    quote_start: int
    quote_end: int
    confidence: float
    date: str | None = None
    date_precision: str | None = None
    place: PlaceMention | None = None
    victims: list[str] = field(default_factory=list)
    victim_count: int | None = None
    perpetrators: list[Party] = field(default_factory=list)
    reported_by: list[str] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)

    def as_json(self) -> dict:
        """The shape ``svidok news extract`` prints (issue 12, item 3)."""
        place = self.place
        return {
            "type": self.type,
            "date": self.date,
            "date_precision": self.date_precision,
            "place": {"as_written": place.as_written, "code": place.code, "name": place.name} if place else None,
            "victims": list(self.victims),
            "victim_count": self.victim_count,
            "perpetrators": [p.label for p in self.perpetrators],
            "reported_by": list(self.reported_by),
            "evidence_quote": self.evidence_quote,
            "confidence": round(self.confidence, 2),
        }


def as_dict(obj) -> dict:
    return asdict(obj)
