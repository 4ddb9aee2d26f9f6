"""``ingest.review``: the reviewer's corrections, accept (a draft incident citing the article),
merge, reject, the similar incidents and the rates; each audited, refused to the other roles."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from svidok.audit.models import AuditEntry
from svidok.incidents.models import Incident, IncidentSource
from svidok.incidents.queries import filter_incidents, visible_incidents
from svidok.ingest import review
from svidok.ingest.models import Candidate
from tests import factories
from tests.ingest import review_world

pytestmark = pytest.mark.django_db


def entries(candidate):
    return list(AuditEntry.objects.filter(object_type="ingest.candidate", object_id=candidate.public_id).order_by("id")
                .values_list("action", "changes"))


def test_update_candidate_corrects_fields_and_audits_codes_not_victims(documenter, proposals, places):
    _article, dismissal, _participation = proposals

    updated = review.update_candidate(actor=documenter, candidate=dismissal, fields={
        "type": "threat_of_dismissal", "date_start": dt.date(2024, 3, 1), "date_precision": "month",
        "place": places["raion"], "victim_count": 3, "perpetrators": ["Ігор Федоренко", "Петро Сидоренко"],
    })

    updated.refresh_from_db()
    assert (updated.type.code, updated.date_start, updated.date_precision, updated.place, updated.victim_count) == (
        "threat_of_dismissal", dt.date(2024, 3, 1), "month", places["raion"], 3)
    assert [p["as_written"] for p in updated.perpetrators] == ["Ігор Федоренко", "Петро Сидоренко"]
    assert updated.perpetrators[0] == dismissal.perpetrators[0]  # kept with its match
    assert updated.perpetrators[1]["match"] is None
    assert updated.evidence_quote == dismissal.evidence_quote
    [(action, changes)] = entries(dismissal)
    assert action == "update"
    assert changes["type"] == ["dismissal", "threat_of_dismissal"]
    assert changes["place"] == [places["town"].code, places["raion"].code]
    assert "директорка" not in str(changes)


def test_update_candidate_reports_every_bad_field(documenter, proposals):
    _article, dismissal, _participation = proposals

    with pytest.raises(ValidationError) as caught:
        review.update_candidate(actor=documenter, candidate=dismissal, fields={
            "type": "no_such_type", "date_start": dt.date(2999, 1, 1), "date_precision": "week", "victim_count": -1})

    assert sorted(caught.value.message_dict) == ["date_precision", "date_start", "type", "victim_count"]
    dismissal.refresh_from_db()
    assert dismissal.type.code == "dismissal"
    assert entries(dismissal) == []


def test_update_candidate_refuses_the_quote(documenter, proposals):
    with pytest.raises(TypeError):
        review.update_candidate(actor=documenter, candidate=proposals[1], fields={"evidence_quote": "other words"})


def test_accept_creates_draft_incident_citing_the_article(documenter, proposals, places, fedorenko):
    article, dismissal, _participation = proposals

    incident = review.accept_candidate(actor=documenter, candidate=dismissal)

    assert (incident.status, incident.type.code, incident.date_start, incident.date_precision, incident.place, incident.victim_count) == (
        Incident.Status.DRAFT, "dismissal", dt.date(2024, 3, 19), "day", places["town"], 1)
    assert incident.title == "Dismissal — Bakhchysarai — March 19, 2024"
    assert "директорк" not in incident.narrative.lower() and "директорк" not in incident.title.lower()
    assert incident.created_by == documenter
    link = IncidentSource.objects.get(incident=incident)
    assert (link.source, link.note) == (article.source, dismissal.evidence_quote)
    [involvement] = incident.involvements.all()
    assert (involvement.person, involvement.role.code) == (fedorenko, "perpetrator")
    dismissal.refresh_from_db()
    assert (dismissal.status, dismissal.incident, dismissal.decided_by) == (Candidate.Status.ACCEPTED, incident, documenter)
    assert dismissal.decided_at is not None
    [(action, changes)] = entries(dismissal)
    assert (action, changes["status"], changes["incident"]) == ("status", ["pending", "accepted"], [None, incident.reference])


def test_accepted_incident_is_found_by_latin_spelling_of_its_perpetrator(documenter, coordinator, proposals):
    _article, dismissal, _participation = proposals

    incident = review.accept_candidate(actor=documenter, candidate=dismissal)

    assert list(filter_incidents(visible_incidents(coordinator), {"q": "Ihor Fedorenko"})[0]) == [incident]


def test_accept_titles_the_incident_in_the_reviewers_language(documenter, proposals):
    with translation.override("uk"):
        incident = review.accept_candidate(actor=documenter, candidate=proposals[1])

    assert incident.title.startswith("Звільнення — Бахчисарай — 19")


def test_accept_without_date_asks_for_one_and_writes_nothing(documenter, proposals):
    _article, _dismissal, participation = proposals
    before = Incident.objects.count()

    with pytest.raises(ValidationError) as caught:
        review.accept_candidate(actor=documenter, candidate=participation)

    assert list(caught.value.message_dict) == ["date_start"]
    assert Incident.objects.count() == before
    participation.refresh_from_db()
    assert participation.status == Candidate.Status.PENDING


def test_accept_with_corrections_and_unmatched_perpetrator_names_it_in_narrative(documenter, proposals, places):
    _article, _dismissal, participation = proposals

    incident = review.accept_candidate(actor=documenter, candidate=participation, fields={
        "date_start": dt.date(2024, 3, 14), "place": places["town"], "perpetrators": ["Управління освіти"]})

    assert incident.type.code == "coerced_participation"
    assert incident.date_start == dt.date(2024, 3, 14)
    assert "Управління освіти" in incident.narrative
    assert incident.involvements.count() == 0
    participation.refresh_from_db()
    assert (participation.date_start, participation.place) == (dt.date(2024, 3, 14), places["town"])


def test_decided_candidate_cannot_be_decided_again(documenter, proposals):
    _article, dismissal, _participation = proposals
    review.reject_candidate(actor=documenter, candidate=dismissal, reason="A statement, not an act.")

    with pytest.raises(ValidationError) as caught:
        review.accept_candidate(actor=documenter, candidate=dismissal)

    assert list(caught.value.message_dict) == ["status"]


def test_reject_needs_a_reason(documenter, proposals):
    _article, dismissal, _participation = proposals

    with pytest.raises(ValidationError) as caught:
        review.reject_candidate(actor=documenter, candidate=dismissal, reason="  ")

    assert list(caught.value.message_dict) == ["reason"]
    rejected = review.reject_candidate(actor=documenter, candidate=dismissal, reason="Rumour only.")
    assert (rejected.status, rejected.reason, rejected.incident) == (Candidate.Status.REJECTED, "Rumour only.", None)
    assert entries(dismissal)[-1] == ("status", {"status": ["pending", "rejected"], "reason": [None, "Rumour only."]})


def test_similar_incidents_by_type_place_and_date_or_citation(documenter, coordinator, proposals, places):
    article, dismissal, participation = proposals
    near = factories.incident(coordinator, title="Head teacher dismissed", type_code="dismissal",
                              date=dt.date(2024, 4, 10), place=places["raion"])
    factories.incident(coordinator, title="Too early", type_code="dismissal", date=dt.date(2024, 1, 1), place=places["town"])
    factories.incident(coordinator, title="Other type", type_code="search", date=dt.date(2024, 3, 19), place=places["town"])
    citing = factories.incident(coordinator, title="Cites the article", type_code="violence", date=dt.date(2023, 1, 1))
    IncidentSource.objects.create(incident=citing, source=article.source)

    assert review.similar_incidents(dismissal) == [near, citing]
    assert review.similar_incidents(participation) == [citing]


def test_merge_cites_article_on_existing_incident(coordinator, proposals, places):
    article, dismissal, _participation = proposals
    existing = factories.incident(coordinator, type_code="dismissal", date=dt.date(2024, 3, 19), place=places["town"])

    merged = review.merge_candidate(actor=coordinator, candidate=dismissal, incident=existing)

    assert merged == existing
    assert IncidentSource.objects.get(incident=existing).source == article.source
    dismissal.refresh_from_db()
    assert (dismissal.status, dismissal.incident) == (Candidate.Status.MERGED, existing)


def test_merge_into_incident_the_documenter_may_not_edit_is_a_field_error(documenter, verified, proposals):
    with pytest.raises(ValidationError) as caught:
        review.merge_candidate(actor=documenter, candidate=proposals[1], incident=verified)

    assert list(caught.value.message_dict) == ["incident"]
    assert IncidentSource.objects.filter(incident=verified).count() == 0


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_other_roles_may_not_decide(request, role, proposals):
    user = request.getfixturevalue(role)
    _article, dismissal, _participation = proposals

    for call in (lambda: review.update_candidate(actor=user, candidate=dismissal, fields={"victim_count": 2}),
                 lambda: review.accept_candidate(actor=user, candidate=dismissal),
                 lambda: review.reject_candidate(actor=user, candidate=dismissal, reason="no")):
        with pytest.raises(PermissionDenied):
            call()
    dismissal.refresh_from_db()
    assert dismissal.status == Candidate.Status.PENDING


def test_rates_per_type(documenter, proposals):
    article, dismissal, participation = proposals
    extra = review_world.candidate(article, position=2, type_code="dismissal", quote=dismissal.evidence_quote)
    review.accept_candidate(actor=documenter, candidate=dismissal)
    review.reject_candidate(actor=documenter, candidate=extra, reason="The same act twice.")

    rates = {r.type.code: r for r in review.rates()}

    assert sorted(rates) == ["coerced_participation", "dismissal"]
    d = rates["dismissal"]
    assert (d.proposed, d.accepted, d.merged, d.rejected, d.pending, d.acceptance) == (2, 1, 0, 1, 0, 0.5)
    p = rates["coerced_participation"]
    assert (p.proposed, p.pending, p.acceptance) == (1, 1, None)


def test_date_without_precision_is_a_day_and_no_date_has_no_precision(documenter, proposals):
    _article, dismissal, participation = proposals

    dated = review.update_candidate(actor=documenter, candidate=participation, fields={"date_start": dt.date(2024, 3, 2)})
    undated = review.update_candidate(actor=documenter, candidate=dismissal, fields={"date_start": None})

    assert (dated.date_start, dated.date_precision) == (dt.date(2024, 3, 2), "day")
    assert (undated.date_start, undated.date_precision) == (None, "")
