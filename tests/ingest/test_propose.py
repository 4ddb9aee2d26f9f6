"""``ingest.services.propose_candidates``: an article's incidents stored as candidates for review,
once, audited; none for a near-duplicate or an article extraction does not read."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from svidok.audit.models import AuditEntry
from svidok.incidents.models import Place
from svidok.ingest import reading, services
from svidok.ingest.extraction import pipeline
from svidok.ingest.models import Candidate
from tests.ingest import texts

pytestmark = pytest.mark.django_db

BAKHCHYSARAI = """Teachers in Bakhchysarai detained after refusing to vote

The vote in the town went on for three days, and the local election commission reported a turnout far above
that of the previous election, although residents described empty polling stations in the evenings.

Police detained two teachers in Bakhchysarai on 17 March 2024 after they refused to take part in the vote,
a local rights group said.
"""


@pytest.fixture
def town(db):
    # Bakhchysarai under its gazetteer (KATOTTG) code, as `svidok setup` loads it.
    return Place.objects.create(code="UA01020050010045207", category="M", name_uk="Бахчисарай", name_latin="Bakhchysarai")


@pytest.fixture(scope="module")
def resources():
    return pipeline.Resources.load(match_indexes=lambda: [])


def stored(actor, text, **meta):
    title, _blank, body = text.partition("\n\n")
    read = reading.ReadArticle(title=title.strip(), text=reading.normalize_text(body),
                               language=reading.detect_language(body), **meta)
    return services.import_article(actor=actor, article=read).article


def test_candidates_are_stored_with_what_extraction_read(documenter, town, resources):
    article = stored(documenter, BAKHCHYSARAI, published=dt.date(2024, 3, 18), outlet="Town Herald")

    [candidate] = services.propose_candidates(actor=documenter, article=article, resources=resources)

    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.PENDING
    assert candidate.type.code == "detention"
    assert (candidate.date_start, candidate.date_precision) == (dt.date(2024, 3, 17), "day")
    assert candidate.place == town
    assert candidate.place_as_written == "Bakhchysarai"
    assert article.text[candidate.quote_start:candidate.quote_end] == candidate.evidence_quote
    assert candidate.evidence_quote.startswith("Police detained two teachers")
    assert candidate.proposed["type"] == "detention" and candidate.lexicon_version == resources.lexicon.version
    assert "Town Herald" in candidate.reported_by
    entry = AuditEntry.objects.get(object_type="ingest.candidate")
    assert (entry.action, entry.object_id, entry.actor_id) == ("create", candidate.public_id, documenter.pk)
    assert entry.changes["article"] == article.public_id


def test_an_article_is_read_once(documenter, resources):
    article = stored(documenter, BAKHCHYSARAI)
    first = services.propose_candidates(actor=documenter, article=article, resources=resources)
    again = services.propose_candidates(actor=documenter, article=article, resources=resources)
    assert [c.pk for c in again] == [c.pk for c in first]
    assert Candidate.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="ingest.candidate").count() == 1


def test_a_place_not_in_the_database_is_kept_as_written(documenter, resources):
    article = stored(documenter, BAKHCHYSARAI)
    [candidate] = services.propose_candidates(actor=documenter, article=article, resources=resources)
    assert candidate.place is None and candidate.place_as_written == "Bakhchysarai"


def test_near_duplicate_proposes_nothing_of_its_own(documenter, resources):
    first = stored(documenter, texts.ENGLISH, url="https://one.example/a")
    reprint = services.import_article(actor=documenter, article=reading.ReadArticle(
        title="Reprint", text=reading.normalize_text(texts.ENGLISH_REPRINT.partition("\n\n")[2]), language="en",
        url="https://two.example/b")).article
    assert reprint.duplicate_of == first
    assert services.propose_candidates(actor=documenter, article=reprint, resources=resources) == []


def test_someone_who_may_not_import_may_not_propose(documenter, viewer, resources):
    article = stored(documenter, BAKHCHYSARAI)
    with pytest.raises(PermissionDenied):
        services.propose_candidates(actor=viewer, article=article, resources=resources)
    assert not Candidate.objects.exists()


def test_a_person_added_to_the_registry_after_loading_is_matched(documenter, coordinator):
    from svidok.people.registry import registry_index
    from tests import factories

    resources = pipeline.Resources.load(match_indexes=lambda: [registry_index()])
    first = stored(documenter, BAKHCHYSARAI)
    services.propose_candidates(actor=documenter, article=first, resources=resources)
    person = factories.person(coordinator, name="Ihor Fedorenko")
    named = """Official named in Yalta detentions

Lawyers for the families have asked the prosecutor's office for the files, so far without an answer, and
say that several of the men were held for more than a day without being told why they were taken.

Officers of Ihor Fedorenko detained three election observers in Yalta on 17 March 2024, the lawyers said.
"""

    [candidate] = services.propose_candidates(actor=documenter, article=stored(documenter, named), resources=resources)

    assert [(p["as_written"], (p["match"] or {}).get("id")) for p in candidate.perpetrators if p["kind"] == "person"] == [
        ("Ihor Fedorenko", str(person.uuid))]
