"""The review pages (/news/) and the API (/api/v1/news/): who may see and decide, the highlight,
the forms posting to the services, field errors, the queue's filters and query count."""

import datetime as dt
import re

import pytest

from svidok.incidents.models import Incident, IncidentSource
from svidok.ingest import reading, review, services
from svidok.ingest.models import Candidate
from svidok.ingest.review_views import highlighted
from tests import factories
from tests.helpers import login
from tests.ingest import review_world, texts

pytestmark = pytest.mark.django_db


def form_data(candidate, **fields):
    prefix = f"c{candidate.position}"
    data = {"type": candidate.type.code, "date_start": candidate.date_start.isoformat() if candidate.date_start else "",
            "date_precision": candidate.date_precision or "day", "place": candidate.place.name if candidate.place else "",
            "victim_count": candidate.victim_count if candidate.victim_count is not None else "",
            "perpetrators": "\n".join(review.perpetrator_label(p) for p in candidate.perpetrators)} | fields
    return {f"{prefix}-{k}": v for k, v in data.items()}


# --- pages ---------------------------------------------------------------------------------------


def test_queue_lists_articles_with_pending_proposals(client, documenter, proposals):
    article, _dismissal, _participation = proposals
    login(client, documenter)

    response = client.get("/news/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(f'href="/news/articles/{article.uuid}/"') == 1
    assert "Кримський вісник" in html and "Ukrainian" in html
    assert ">Dismissal</a>" in html
    assert ">dismissal<" not in html  # the type by its label, never its code


def test_queue_filters_by_type_and_status(client, documenter, proposals):
    _article, dismissal, _participation = proposals
    review.reject_candidate(actor=documenter, candidate=dismissal, reason="A rumour.")
    login(client, documenter)

    pending_dismissals = client.get("/news/?type=dismissal").content.decode()
    rejected = client.get("/news/?status=rejected").content.decode()

    assert "No proposed incidents match." in pending_dismissals
    assert "Rejected" in rejected or "rejected" in rejected
    assert "No proposed incidents match." not in rejected


def test_queue_query_count_does_not_grow_with_articles(client, documenter, proposals, django_assert_max_num_queries):
    login(client, documenter)
    with django_assert_max_num_queries(40) as one:
        client.get("/news/")
    for text, url in ((texts.ENGLISH, "https://news.example/en/1"), (texts.RUSSIAN, "https://news.example/ru/1")):
        title, _blank, body = text.partition("\n\n")
        other = services.import_article(actor=documenter, article=reading.ReadArticle(
            title=title, text=reading.normalize_text(body), language=reading.detect_language(body), url=url)).article
        review_world.candidate(other, position=0, type_code="forced_voting", quote=other.text[:60])
        review_world.candidate(other, position=1, type_code="intimidation", quote=other.text[60:120])

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/news/")

    assert response.content.decode().count('class="card news-article"') == 3


def test_article_page_highlights_each_evidence_sentence(client, documenter, proposals):
    article, dismissal, participation = proposals
    login(client, documenter)

    html = client.get(f"/news/articles/{article.uuid}/").content.decode()

    assert f'<mark id="evidence-1" title="Evidence of proposal 1"><span class="mark-number">1</span>{dismissal.evidence_quote}</mark>' in html
    assert f'<span class="mark-number">2</span>{participation.evidence_quote}</mark>' in html
    assert str(dismissal.uuid) not in html.replace(f"/news/candidates/{dismissal.uuid}/", "")
    assert 'value="Bakhchysarai"' in html  # the place by its name, not its code
    assert review_world.read_article().title in html


def test_highlight_falls_back_to_finding_the_quote():
    candidate = Candidate(evidence_quote="beta gamma", quote_start=0, quote_end=3)

    assert highlighted("alpha beta gamma delta", [candidate]) == [("alpha ", None), ("beta gamma", 1), (" delta", None)]


def test_accept_through_the_page_with_corrected_place(client, documenter, proposals, places):
    article, dismissal, _participation = proposals
    login(client, documenter)

    response = client.post(f"/news/candidates/{dismissal.uuid}/", form_data(dismissal, place="Бахчисарайський") | {"action": "accept"})

    dismissal.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/news/articles/{article.uuid}/#proposal-0"
    incident = dismissal.incident
    assert (dismissal.status, incident.place, incident.status) == ("accepted", places["raion"], Incident.Status.DRAFT)
    page = client.get(response["Location"]).content.decode()
    assert f'Accepted as <a href="/incidents/{incident.reference}/">{incident.reference}</a>' in page


def test_accept_without_date_shows_field_error(client, documenter, proposals):
    article, _dismissal, participation = proposals
    login(client, documenter)

    response = client.post(f"/news/candidates/{participation.uuid}/", form_data(participation) | {"action": "accept"})

    assert response.status_code == 400
    assert "Give the date of the incident before accepting it." in response.content.decode()
    participation.refresh_from_db()
    assert participation.status == "pending"


def test_save_corrections_keeps_candidate_pending(client, documenter, proposals):
    _article, dismissal, _participation = proposals
    login(client, documenter)

    response = client.post(f"/news/candidates/{dismissal.uuid}/", form_data(dismissal, victim_count="4") | {"action": "save"})

    dismissal.refresh_from_db()
    assert response.status_code == 302
    assert (dismissal.victim_count, dismissal.status) == (4, "pending")


def test_unknown_place_is_a_field_error(client, documenter, proposals):
    _article, dismissal, _participation = proposals
    login(client, documenter)

    response = client.post(f"/news/candidates/{dismissal.uuid}/", form_data(dismissal, place="Атлантида") | {"action": "save"})

    assert response.status_code == 400
    assert "No place matches “Атлантида”." in response.content.decode()


def test_reject_and_merge_through_the_page(client, coordinator, proposals, places):
    _article, dismissal, participation = proposals
    existing = factories.incident(coordinator, type_code="dismissal", date=dt.date(2024, 3, 20), place=places["town"])
    login(client, coordinator)

    empty = client.post(f"/news/candidates/{participation.uuid}/", {"action": "reject", "r1-reason": ""})
    rejected = client.post(f"/news/candidates/{participation.uuid}/", {"action": "reject", "r1-reason": "A prediction."})
    merged = client.post(f"/news/candidates/{dismissal.uuid}/", {"action": "merge", "m0-incident": existing.reference})

    assert (empty.status_code, rejected.status_code, merged.status_code) == (400, 302, 302)
    assert empty.content.decode().count("This field is required.") == 1  # the reason's, not the proposal form's
    participation.refresh_from_db()
    dismissal.refresh_from_db()
    assert (participation.status, participation.reason) == ("rejected", "A prediction.")
    assert (dismissal.status, dismissal.incident) == ("merged", existing)
    assert IncidentSource.objects.filter(incident=existing, source=dismissal.article.source).count() == 1


def test_rates_page_shows_labels_and_rate(client, documenter, proposals):
    _article, dismissal, _participation = proposals
    review.reject_candidate(actor=documenter, candidate=dismissal, reason="No.")
    login(client, documenter)

    html = client.get("/news/rates/").content.decode()

    cells = re.sub(r' data-label="[^"]*"', "", html).replace("\n      ", "")
    assert '<th scope="row">Dismissal</th><td>1</td><td>0</td><td>0</td><td>1</td><td>0</td><td>0 %</td>' in cells
    assert 'data-label="Acceptance rate"' in html  # the label of each value on a phone


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_other_roles_get_403_and_no_nav_entry(client, request, role, proposals):
    article, dismissal, _participation = proposals
    login(client, request.getfixturevalue(role))

    answers = [client.get(url).status_code for url in ("/news/", f"/news/articles/{article.uuid}/", "/news/rates/")]
    post = client.post(f"/news/candidates/{dismissal.uuid}/", form_data(dismissal) | {"action": "accept"})

    assert answers == [403, 403, 403]
    assert post.status_code == 403
    assert 'href="/news/"' not in client.get("/incidents/").content.decode()


def test_stranger_is_sent_to_sign_in(client, proposals):
    assert client.get("/news/")["Location"].startswith("/accounts/login/")


def test_unknown_article_is_404(client, documenter, db):
    login(client, documenter)

    assert client.get("/news/articles/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_ukrainian_page(client, documenter, proposals):
    article, _dismissal, _participation = proposals
    login(client, documenter)

    html = client.get(f"/news/articles/{article.uuid}/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()

    assert "Прийняти" in html and "Відхилити" in html and "Звільнення" in html
    assert "Кримський вісник · 21 березня 2024 р. · Українська" in " ".join(html.split())  # the language named in Ukrainian


# --- API -----------------------------------------------------------------------------------------


def test_api_article_detail_has_text_and_candidates(api, documenter, proposals):
    article, dismissal, _participation = proposals

    body = api(documenter).get(f"/api/v1/news/articles/{article.uuid}/").json()

    assert (body["title"], body["language"], body["pending"], body["text"]) == (article.title, "uk", 2, article.text)
    assert [c["type"] for c in body["candidates"]] == ["dismissal", "coerced_participation"]
    assert body["candidates"][0]["perpetrators"] == [{"as_written": "Ігор Федоренко", "label": "Ігор Федоренко", "in_registry": True}]
    assert body["candidates"][0]["place"] == {"as_written": "Бахчисарая", "code": dismissal.place.code, "name": "Bakhchysarai"}


def test_api_candidates_filter_and_decide(api, documenter, proposals):
    _article, dismissal, participation = proposals
    client = api(documenter)

    listed = client.get("/api/v1/news/candidates/?type=coerced_participation").json()
    no_date = client.post(f"/api/v1/news/candidates/{participation.uuid}/accept/", {}, format="json")
    accepted = client.post(f"/api/v1/news/candidates/{participation.uuid}/accept/", {"date": "2024-03-15"}, format="json")
    rejected = client.post(f"/api/v1/news/candidates/{dismissal.uuid}/reject/", {"reason": ""}, format="json")

    assert [c["id"] for c in listed["results"]] == [str(participation.uuid)]
    assert (no_date.status_code, no_date.json()) == (400, {"date_start": ["Give the date of the incident before accepting it."]})
    assert accepted.status_code == 200
    assert accepted.json()["incident"] == Incident.objects.get().reference
    assert accepted.json()["candidate"]["status"] == "accepted"
    assert rejected.status_code == 400 and list(rejected.json()) == ["reason"]


def test_api_patch_and_merge(api, coordinator, proposals, places):
    _article, dismissal, _participation = proposals
    existing = factories.incident(coordinator, type_code="threat_of_dismissal", date=dt.date(2024, 3, 19), place=places["town"])
    client = api(coordinator)

    patched = client.patch(f"/api/v1/news/candidates/{dismissal.uuid}/", {"type": "threat_of_dismissal", "place": "UA00"}, format="json")
    fixed = client.patch(f"/api/v1/news/candidates/{dismissal.uuid}/", {"type": "threat_of_dismissal"}, format="json")
    merged = client.post(f"/api/v1/news/candidates/{dismissal.uuid}/merge/", {"incident": existing.reference}, format="json")

    assert (patched.status_code, list(patched.json())) == (400, ["place"])
    assert (fixed.status_code, fixed.json()["type"]) == (200, "threat_of_dismissal")
    assert (merged.status_code, merged.json()["status"], merged.json()["incident"]) == (200, "merged", existing.reference)


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_api_other_roles_see_nothing_and_cannot_decide(api, request, role, proposals):
    _article, dismissal, _participation = proposals
    client = api(request.getfixturevalue(role))

    assert client.get("/api/v1/news/articles/").json()["results"] == []
    assert client.get("/api/v1/news/candidates/").json()["results"] == []
    assert client.post(f"/api/v1/news/candidates/{dismissal.uuid}/reject/", {"reason": "x"}, format="json").status_code == 404
    dismissal.refresh_from_db()
    assert dismissal.status == "pending"


def test_article_page_shows_similar_incidents_and_merges_only_into_editable_ones(client, documenter, coordinator, verified, proposals, places):
    article, _dismissal, _participation = proposals
    own = factories.incident(documenter, title="Own draft", type_code="dismissal", date=dt.date(2024, 3, 25), place=places["town"])
    IncidentSource.objects.create(incident=verified, source=article.source)  # verified: not the documenter's to edit
    login(client, documenter)

    html = client.get(f"/news/articles/{article.uuid}/").content.decode()

    assert f'<a href="/incidents/{verified.reference}/">{verified.reference}</a>' in html
    assert f'<option value="{own.reference}">' in html
    assert f'<option value="{verified.reference}">' not in html
    assert "Teacher dismissed for not voting" not in html  # incidents by reference, type, date and place, not title


def test_near_duplicate_article_links_to_its_first_copy(client, documenter, proposals):
    article, _dismissal, _participation = proposals
    copy = services.import_article(actor=documenter, article=review_world.read_article(
        review_world.TEXT + "\nПередруковано з дозволу редакції.", outlet="Інше видання", url="https://other.example/copy")).article
    login(client, documenter)

    html = client.get(f"/news/articles/{copy.uuid}/").content.decode()

    assert copy.duplicate_of == article
    assert f'<a href="/news/articles/{article.uuid}/">Open the first copy: {article.title}</a>' in html


def test_unmatched_perpetrator_shows_registry_suggestion_and_links_when_its_name_is_typed(client, documenter, fedorenko, places):
    article, dismissal, _participation = review_world.world(documenter, place=places["town"])
    dismissal.perpetrators = [{"as_written": "Ihor Fedorenko", "kind": "person", "match": None}]
    dismissal.save()
    login(client, documenter)

    before = client.get(f"/news/articles/{article.uuid}/").content.decode()
    saved = client.post(f"/news/candidates/{dismissal.uuid}/", form_data(dismissal, perpetrators="Ігор Федоренко") | {"action": "save"})
    after = client.get(f"/news/articles/{article.uuid}/").content.decode()

    assert "Ihor Fedorenko — not in the registry: named in the narrative" in " ".join(before.split())
    assert "The registry has: Ігор Федоренко." in before
    assert saved.status_code == 302
    dismissal.refresh_from_db()
    assert dismissal.perpetrators[0]["match"]["id"] == fedorenko.public_id
    assert "Ігор Федоренко — in the registry: will be linked as perpetrator" in " ".join(after.split())


def test_api_candidate_list_query_count_does_not_grow(api, documenter, proposals, fedorenko, django_assert_max_num_queries):
    article, dismissal, _participation = proposals
    client = api(documenter)
    with django_assert_max_num_queries(40) as one:
        first = client.get("/api/v1/news/candidates/")
    for position in range(2, 8):
        review_world.candidate(article, position=position, type_code="intimidation", quote=dismissal.evidence_quote,
                               perpetrators=dismissal.perpetrators)

    with django_assert_max_num_queries(len(one.captured_queries)):
        more = client.get("/api/v1/news/candidates/")

    assert (len(first.json()["results"]), len(more.json()["results"])) == (2, 8)
    assert [p["in_registry"] for c in more.json()["results"] for p in c["perpetrators"]] == [True] * 7


def test_protected_persons_name_in_the_article_reads_as_pseudonym_without_clearance(client, api, documenter, coordinator, places):
    victim = factories.person(documenter, "Олена Петренко", protected=True)
    sentence = "Директорка школи Олена Петренко розповіла про це журналістам."
    article = services.import_article(actor=documenter, article=review_world.read_article(
        review_world.TEXT + "\n" + sentence, url="https://news.example/uk/named")).article
    review_world.candidate(article, position=0, type_code="dismissal", quote=sentence, victims=["Олена Петренко"])

    login(client, documenter)
    page = client.get(f"/news/articles/{article.uuid}/").content.decode()
    body = api(documenter).get(f"/api/v1/news/articles/{article.uuid}/").json()
    login(client, coordinator)
    cleared = client.get(f"/news/articles/{article.uuid}/").content.decode()

    assert "Петренко" not in page and victim.pseudonym in page
    assert "Петренко" not in str(body) and body["candidates"][0]["victims"] == [victim.pseudonym]
    assert f'<span class="mark-number">1</span>Директорка школи {victim.pseudonym} розповіла' in page
    assert "Олена Петренко" in cleared  # a coordinator may see identities (person.identity)
