"""Deduplication by linking: verdicts, links, undo, refusals (svidok.people.merging)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from svidok.audit.models import AuditEntry
from svidok.people.merging import canonical, judge_pair, judged_different, source_records, undo_judgement
from svidok.people.models import PairJudgement, Person
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(coordinator):
    return (
        factories.person(coordinator, "Mikhail Grigorievich MALYSHEV"),
        factories.person(coordinator, "Михаил Григорьевич МАЛЫШЕВ"),
        factories.person(coordinator, "Mykhaylo Hryhorovych MALYSHEV"),
    )


def test_judge_pair_same_links_the_newer_record_to_the_older(coordinator, three):
    older, newer, _third = three

    judgement = judge_pair(actor=coordinator, a=newer, b=older, verdict="same", matcher="svidok-names",
                           matcher_version="1", score=0.93, threshold=0.7)

    newer.refresh_from_db()
    assert (newer.merged_into_id, judgement.canonical_id, judgement.linked_id) == (older.pk, older.pk, newer.pk)
    assert (judgement.left_id, judgement.right_id) == (older.pk, newer.pk)
    assert canonical(newer) == older
    assert Person.objects.count() == 3  # nothing deleted


def test_judge_pair_same_is_audited_with_matcher_version_score_and_threshold(coordinator, three):
    older, newer, _third = three

    judge_pair(actor=coordinator, a=older, b=newer, verdict="same", matcher="svidok-names", matcher_version="1",
               score=0.93, threshold=0.7)

    entries = AuditEntry.objects.filter(action="link", object_type="people.person").order_by("id")
    assert [e.object_id for e in entries] == [older.public_id, newer.public_id]
    change = entries[0].changes["pair_judgement"][1]
    assert (change["matcher"], change["matcher_version"], change["score"], change["threshold"], change["verdict"]) == (
        "svidok-names", "1", 0.93, 0.7, "same")
    assert change["canonical"] == older.public_id


def test_judge_pair_with_chosen_canonical_record(coordinator, three):
    older, newer, _third = three

    judge_pair(actor=coordinator, a=older, b=newer, verdict="same", canonical_record=newer)

    older.refresh_from_db()
    assert older.merged_into_id == newer.pk


def test_source_records_lists_every_linked_record_canonical_first(coordinator, three):
    first, second, third = three
    judge_pair(actor=coordinator, a=first, b=second, verdict="same")
    judge_pair(actor=coordinator, a=third, b=second, verdict="same")

    assert [p.pk for p in source_records(third)] == [first.pk, second.pk, third.pk]
    third.refresh_from_db()
    assert third.merged_into_id == first.pk  # linked to the canonical record, not to the record it was compared with


def test_judge_pair_of_a_record_with_itself_is_refused(coordinator, three):
    with pytest.raises(ValidationError) as error:
        judge_pair(actor=coordinator, a=three[0], b=three[0], verdict="same")

    assert error.value.message_dict == {"right": ["A person cannot be judged against the same record."]}


def test_judge_pair_same_twice_in_a_chain_is_refused_and_changes_nothing(coordinator, three):
    first, second, third = three
    judge_pair(actor=coordinator, a=first, b=second, verdict="same")
    judge_pair(actor=coordinator, a=second, b=third, verdict="same")
    before = list(Person.objects.order_by("pk").values_list("pk", "merged_into_id"))

    with pytest.raises(ValidationError) as error:
        judge_pair(actor=coordinator, a=third, b=first, verdict="same")

    assert error.value.message_dict == {"right": ["These records are already linked as the same person."]}
    assert list(Person.objects.order_by("pk").values_list("pk", "merged_into_id")) == before


def test_a_second_verdict_on_the_same_pair_is_refused(coordinator, three):
    judge_pair(actor=coordinator, a=three[0], b=three[1], verdict="unsure")

    with pytest.raises(ValidationError) as error:
        judge_pair(actor=coordinator, a=three[1], b=three[0], verdict="same")

    assert error.value.message_dict == {"right": ["This pair already has a verdict; undo it first."]}


def test_different_is_remembered_and_blocks_a_same_through_the_canonical_records(coordinator, three):
    first, second, third = three
    judge_pair(actor=coordinator, a=first, b=second, verdict="different")
    judge_pair(actor=coordinator, a=second, b=third, verdict="same")

    assert judged_different(first, second)
    assert judged_different(first, third)  # never judged as a pair, but third is now linked to second
    with pytest.raises(ValidationError) as error:
        judge_pair(actor=coordinator, a=first, b=third, verdict="same")

    assert error.value.message_dict == {
        "verdict": ["A standing verdict says these are different persons; undo it first."]}


def test_undo_same_unlinks_and_keeps_the_judgement(coordinator, three):
    older, newer, _third = three
    judgement = judge_pair(actor=coordinator, a=older, b=newer, verdict="same")

    undo_judgement(actor=coordinator, judgement=judgement, note="two namesakes")

    newer.refresh_from_db()
    judgement.refresh_from_db()
    assert newer.merged_into_id is None
    assert judgement.undone_at is not None and judgement.undone_by == coordinator
    assert judgement.note == "two namesakes"
    assert AuditEntry.objects.filter(action="unlink", object_id=newer.public_id).count() == 1
    # The pair can be judged again.
    assert judge_pair(actor=coordinator, a=older, b=newer, verdict="different").verdict == "different"


def test_undo_twice_is_refused(coordinator, three):
    judgement = judge_pair(actor=coordinator, a=three[0], b=three[1], verdict="different")
    undo_judgement(actor=coordinator, judgement=judgement)

    with pytest.raises(ValidationError) as error:
        undo_judgement(actor=coordinator, judgement=judgement)

    assert error.value.message_dict == {"judgement": ["This verdict was already undone."]}


def test_protected_persons_are_not_judged(coordinator, three):
    victim = factories.person(coordinator, "Fatma Seitova", protected=True)

    with pytest.raises(ValidationError) as error:
        judge_pair(actor=coordinator, a=three[0], b=victim, verdict="same")

    assert error.value.message_dict == {"right": ["Protected persons are not deduplicated through name matching."]}
    assert PairJudgement.objects.count() == 0


@pytest.mark.parametrize("role_fixture", ["documenter"])
def test_only_leads_judge_pairs(request, coordinator, three, role_fixture):
    user = request.getfixturevalue(role_fixture)

    with pytest.raises(PermissionDenied):
        judge_pair(actor=user, a=three[0], b=three[1], verdict="same")

    assert PairJudgement.objects.count() == 0


def test_a_cycle_in_the_database_is_reported_not_followed(coordinator, three):
    first, second, _third = three
    Person.objects.filter(pk=first.pk).update(merged_into=second)
    Person.objects.filter(pk=second.pk).update(merged_into=first)
    first.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        canonical(first)

    assert error.value.message_dict == {"merged_into": ["The merge links of this person form a cycle."]}
