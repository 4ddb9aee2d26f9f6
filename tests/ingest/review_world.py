"""An article written for the review tests, stored through ``services.import_article``, with the
incidents extraction would propose from it as Candidate rows (extraction is its own slice; the
review reads only the rows)."""

import datetime as dt

from svidok.incidents.models import Term
from svidok.ingest import reading, services
from svidok.ingest.models import Candidate

TITLE = "Директорку школи в Бахчисараї звільнили після голосування"
TEXT = """Директорку школи в Бахчисараї звільнили після голосування

Окупаційна влада Бахчисарая звільнила директорку місцевої школи через два дні після голосування.
За словами колег, 19 березня її викликали до районного управління освіти і повідомили про
звільнення без пояснень. Рішення підписав призначений Росією голова адміністрації Ігор Федоренко.

Правозахисники нагадують, що напередодні голосування вчителям наказували привести на дільниці
своїх учнів старших класів разом з батьками. Хто відмовлявся, тому погрожували перевірками та
позбавленням премій, кажуть освітяни, які попросили не називати їхніх імен.
"""
DISMISSAL_QUOTE = "Окупаційна влада Бахчисарая звільнила директорку місцевої школи через два дні після голосування."
PARTICIPATION_QUOTE = ("Правозахисники нагадують, що напередодні голосування вчителям наказували привести на дільниці\n"
                       "своїх учнів старших класів разом з батьками.")


def read_article(text=TEXT, **meta):
    title, _blank, body = text.partition("\n\n")
    meta = {"published": dt.date(2024, 3, 21), "outlet": "Кримський вісник", "url": "https://news.example/uk/bakhchysarai"} | meta
    return reading.ReadArticle(title=title.strip(), text=reading.normalize_text(body), language="uk", **meta)


def candidate(article, *, position, type_code, quote, **fields):
    start = article.text.find(quote)
    values = {
        "article": article, "position": position, "type": Term.objects.get(vocabulary__code="incident_type", code=type_code),
        "evidence_quote": quote, "quote_start": start if start >= 0 else None,
        "quote_end": start + len(quote) if start >= 0 else None, "confidence": 0.8,
        "proposed": {"type": type_code, "evidence_quote": quote}, "lexicon_version": "test",
    }
    return Candidate.objects.create(**(values | fields))


def world(actor, *, place=None, perpetrator=None):
    """The article and two proposals: a dismissal (dated, at ``place``, its perpetrator matched
    to the registry ``perpetrator`` when given) and coerced participation (no date)."""
    article = services.import_article(actor=actor, article=read_article()).article
    quote = reading.normalize_text(DISMISSAL_QUOTE)
    perpetrators = [{"as_written": "Ігор Федоренко", "kind": "person",
                     "match": {"name": perpetrator.display_name, "list": "", "score": 0.97, "id": perpetrator.public_id}
                     if perpetrator else None}]
    dismissal = candidate(article, position=0, type_code="dismissal", quote=quote, date_start=dt.date(2024, 3, 19),
                          date_precision="day", place=place, place_as_written="Бахчисарая", victims=["директорка школи"],
                          victim_count=1, perpetrators=perpetrators, reported_by=["колеги"])
    participation = candidate(article, position=1, type_code="coerced_participation",
                              quote=reading.normalize_text(PARTICIPATION_QUOTE), victims=["вчителі"])
    return article, dismissal, participation
