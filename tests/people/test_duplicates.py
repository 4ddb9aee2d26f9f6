"""The duplicate finder (svidok.people.duplicates): what it proposes, what it never proposes, the
finder run that replaces the open proposals, a verdict on a proposal, and the command line."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from svidok.audit.models import AuditEntry
from svidok.names import fold, fold_words, matching
from svidok.people import duplicates, registry
from svidok.people.merging import judge_pair, undo_judgement
from svidok.people.models import DuplicateCandidate, PairJudgement, Person
from tests import factories

pytestmark = pytest.mark.django_db


def person(actor, name, *, born=None, names=()):
    identity = {"birth_date": born} if born else None
    return factories.person(actor, name, identity=identity, names=[{"name": n} for n in names])


def pairs(found):
    return [(c.left_pk, c.right_pk) for c in found]


# --- what is proposed ----------------------------------------------------------------------------------

def test_find_duplicates_proposes_a_name_and_its_transliteration(coordinator):
    cyrillic = person(coordinator, "Инна Николаевна Гузеева")
    latin = person(coordinator, "Inna Nikolayevna Guzeyeva")
    person(coordinator, "Mykola Petrenko")

    found = duplicates.find_duplicates()

    assert pairs(found) == [(cyrillic.pk, latin.pk)]
    assert (found[0].left_id, found[0].right_id) == (cyrillic.public_id, latin.public_id)
    assert found[0].score >= matching.DEFAULT_THRESHOLD
    assert [t[:2] for t in found[0].explanation["name"]["tokens"]] == [
        ["inna", "inna"], ["nikolayevna", "nikolayevna"], ["guzeyeva", "guzeyeva"]]


def test_find_duplicates_score_is_what_people_match_gives(coordinator):
    short = person(coordinator, "Inna Huzieieva")
    full = person(coordinator, "Інна Миколаївна Гузєєва")
    matching.CACHE.clear()

    found = duplicates.find_duplicates()
    matched = registry.registry_index().match("Inna Huzieieva", limit=5)

    scores = {r.entry.id: r.score for r in matched.results}
    assert pairs(found) == [(short.pk, full.pk)]
    assert found[0].score == scores[full.public_id]
    assert found[0].explanation["query"] == "left"  # the shorter name was the query


def test_find_duplicates_proposes_an_inflected_name(coordinator):
    nominative = person(coordinator, "Михаил Григорьевич Малышев")
    genitive = person(coordinator, "Михаила Григорьевича Малышева")

    found = duplicates.find_duplicates()

    assert pairs(found) == [(nominative.pk, genitive.pk)]
    assert found[0].score == 1.0


def test_find_duplicates_proposes_a_typo_and_mixed_script_lookalikes(coordinator):
    original = person(coordinator, "Сергій Ярославович Трапашін")
    typo = person(coordinator, "Сергій Ярославович Траашін")
    lookalikes = person(coordinator, "Cергій Ярославович Tрапашін")  # Latin C and T

    found = duplicates.find_duplicates()

    assert sorted(pairs(found)) == [(original.pk, typo.pk), (original.pk, lookalikes.pk), (typo.pk, lookalikes.pk)]
    assert {c.score for c in found if (c.left_pk, c.right_pk) == (original.pk, lookalikes.pk)} == {1.0}


def test_find_duplicates_results_are_best_first(coordinator):
    person(coordinator, "Сергій Ярославович Трапашін")
    person(coordinator, "Сергій Ярославович Траашін")
    person(coordinator, "Сергей Ярославович Трапашин")

    found = duplicates.find_duplicates()

    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_find_duplicates_uses_the_names_of_linked_records(coordinator):
    canonical = person(coordinator, "Inna Guzeeva")
    linked = person(coordinator, "Інна Миколаївна Гузєєва")
    judge_pair(actor=coordinator, a=canonical, b=linked, verdict="same")
    newcomer = person(coordinator, "Iнна Миколаївна ГУЗЄЄВА")

    found = duplicates.find_duplicates()

    # Only canonical records are paired; the linked record's Cyrillic name counts for its canonical one.
    assert pairs(found) == [(canonical.pk, newcomer.pk)]


def test_find_duplicates_birth_dates_that_agree_or_are_unknown_do_not_stop_a_pair(coordinator):
    a = person(coordinator, "Mykola Ivanovych Petrenko", born=dt.date(1970, 5, 1))
    b = person(coordinator, "Микола Іванович Петренко", born=dt.date(1970, 5, 1))
    c = person(coordinator, "Mykola Petrenko")

    found = duplicates.find_duplicates()

    assert sorted(pairs(found)) == [(a.pk, b.pk), (a.pk, c.pk), (b.pk, c.pk)]
    agreed = next(x for x in found if (x.left_pk, x.right_pk) == (a.pk, b.pk))
    assert agreed.explanation["birth_date"] == "agrees"


def test_find_duplicates_with_persons_looks_at_those_records_only(coordinator):
    a = person(coordinator, "Inna Guzeeva")
    b = person(coordinator, "Інна Гузєєва")
    person(coordinator, "Mykola Petrenko")
    person(coordinator, "Микола Петренко")

    assert pairs(duplicates.find_duplicates(persons=[a, b.pk])) == [(a.pk, b.pk)]


def test_find_duplicates_tells_progress(coordinator):
    person(coordinator, "Inna Guzeeva")
    person(coordinator, "Інна Гузєєва")
    stages = []

    duplicates.find_duplicates(progress=lambda stage, figures: stages.append((stage, figures.get("pairs"))))

    assert [s for s, _n in stages] == ["load", "blocking", "prescore", "score"]
    assert stages[-1] == ("score", 1)


# --- what is never proposed ----------------------------------------------------------------------------

def test_find_duplicates_never_pairs_namesakes_with_different_birth_dates(coordinator):
    person(coordinator, "Mykola Ivanovych Petrenko", born=dt.date(1970, 5, 1))
    person(coordinator, "Mykola Ivanovych Petrenko", born=dt.date(1981, 2, 3))

    assert duplicates.find_duplicates() == []


def test_find_duplicates_never_proposes_on_one_shared_word_even_at_a_low_threshold(coordinator):
    person(coordinator, "Mykola Petrenko")
    person(coordinator, "Ivan Petrenko")
    person(coordinator, "Petrenko")

    assert duplicates.find_duplicates(threshold=0.05) == []


def test_find_duplicates_never_pairs_protected_persons(coordinator):
    person(coordinator, "Inna Guzeeva")
    factories.person(coordinator, "Inna Guzeeva", protected=True)

    assert duplicates.find_duplicates() == []


@pytest.mark.parametrize("verdict", ["same", "different", "unsure"])
def test_find_duplicates_never_proposes_a_pair_with_a_standing_verdict(coordinator, verdict):
    a = person(coordinator, "Inna Guzeeva")
    b = person(coordinator, "Інна Гузєєва")
    judge_pair(actor=coordinator, a=a, b=b, verdict=verdict)

    assert duplicates.find_duplicates() == []


def test_find_duplicates_proposes_the_pair_again_once_the_verdict_is_undone(coordinator):
    a = person(coordinator, "Inna Guzeeva")
    b = person(coordinator, "Інна Гузєєва")
    judgement = judge_pair(actor=coordinator, a=a, b=b, verdict="different")
    undo_judgement(actor=coordinator, judgement=judgement)

    assert pairs(duplicates.find_duplicates()) == [(a.pk, b.pk)]


def test_find_duplicates_a_different_verdict_on_a_linked_record_holds_for_its_canonical_record(coordinator):
    canonical = person(coordinator, "Inna Guzeeva")
    linked = person(coordinator, "Інна Гузєєва")
    other = person(coordinator, "Inna Huzieieva")
    judge_pair(actor=coordinator, a=linked, b=other, verdict="different")
    judge_pair(actor=coordinator, a=canonical, b=linked, verdict="same")

    assert duplicates.find_duplicates() == []


@pytest.mark.parametrize("value", ["abc", 0, -0.5, 1.5])
def test_check_threshold_refuses_what_is_not_between_0_and_1(value):
    with pytest.raises(ValidationError) as error:
        duplicates.check_threshold(value)

    assert error.value.message_dict == {"threshold": ["The threshold is a number between 0 and 1."]}


def test_check_threshold_defaults_to_the_matcher_threshold():
    assert (duplicates.check_threshold(None), duplicates.check_threshold("0.9")) == (matching.DEFAULT_THRESHOLD, 0.9)


@pytest.mark.parametrize("text", ["Сергій Ярославович ТРАПАШІН", "O'Neill", "Aksönov Ivan·ov", "Kurbedynov  Ivan", "Ґудзь-Юрків"])
def test_fold_word_by_word_is_names_fold(text):
    assert fold_words(text) == fold(text)


# --- the finder run --------------------------------------------------------------------------------------

def test_run_finder_replaces_the_open_proposals_and_is_audited(coordinator):
    a = person(coordinator, "Inna Guzeeva")
    b = person(coordinator, "Інна Гузєєва")
    stale = person(coordinator, "Mykola Petrenko")
    DuplicateCandidate.objects.create(left=a, right=stale, score=0.9, matcher="old", matcher_version="0", threshold=0.5,
                                      found_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))

    run = duplicates.run_finder(actor=coordinator, threshold=0.85)

    rows = list(DuplicateCandidate.objects.values_list("left_id", "right_id", "matcher", "matcher_version", "threshold"))
    assert rows == [(a.pk, b.pk, matching.ALGORITHM, matching.VERSION, 0.85)]
    assert (len(run.candidates), run.replaced, run.threshold) == (1, 1, 0.85)
    assert DuplicateCandidate.objects.get().explanation["name"]["tokens"][0][:2] == ["inna", "inna"]
    entry = AuditEntry.objects.get(object_type="people.duplicatecandidate")
    figures = entry.changes["finder_run"][1]
    assert (entry.actor, entry.object_id, figures["count"], figures["replaced"], figures["threshold"],
            figures["matcher"], figures["matcher_version"]) == (coordinator, "finder", 1, 1, 0.85, matching.ALGORITHM, matching.VERSION)
    assert figures["seconds"] >= 0


def test_run_finder_is_for_leads_only_and_changes_nothing_for_others(documenter):
    a = person(documenter, "Inna Guzeeva")
    person(documenter, "Інна Гузєєва")
    DuplicateCandidate.objects.create(left=a, right=Person.objects.exclude(pk=a.pk).get(), score=0.9, matcher="m",
                                      matcher_version="1", threshold=0.8, found_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))

    with pytest.raises(PermissionDenied):
        duplicates.run_finder(actor=documenter)

    assert (DuplicateCandidate.objects.get().matcher, AuditEntry.objects.filter(object_type="people.duplicatecandidate").count()) == ("m", 0)


def test_run_finder_drops_pairs_judged_or_linked_while_it_ran(coordinator):
    a = person(coordinator, "Inna Guzeeva")
    b = person(coordinator, "Інна Гузєєва")
    c = person(coordinator, "Inna Huzieieva")
    found = duplicates.find_duplicates()
    judge_pair(actor=coordinator, a=a, b=b, verdict="different")
    judge_pair(actor=coordinator, a=a, b=c, verdict="same")

    run = duplicates._replace(actor=coordinator, found=found, threshold=0.8, started=0.0)

    assert (len(found), run.candidates, DuplicateCandidate.objects.count()) == (3, [], 0)


# --- a verdict on a proposal ------------------------------------------------------------------------------

@pytest.fixture
def proposed(coordinator):
    a = person(coordinator, "Inna Guzeeva")
    b = person(coordinator, "Інна Гузєєва")
    c = person(coordinator, "Inna Huzieieva")
    duplicates.run_finder(actor=coordinator)
    return a, b, c


def test_judge_candidate_same_links_with_the_proposal_figures_and_removes_the_proposals(coordinator, proposed):
    a, b, c = proposed
    candidate = DuplicateCandidate.objects.get(left=a, right=b)

    judgement = duplicates.judge_candidate(actor=coordinator, a=b, b=a, verdict="same", note="same post, same dates")

    b.refresh_from_db()
    assert (judgement.verdict, judgement.canonical_id, judgement.linked_id, b.merged_into_id) == ("same", a.pk, b.pk, a.pk)
    assert (judgement.matcher, judgement.matcher_version, judgement.score, judgement.threshold, judgement.note) == (
        candidate.matcher, candidate.matcher_version, candidate.score, candidate.threshold, "same post, same dates")
    # The linked record's other proposal (b, c) went with it; (a, c) stays.
    assert list(DuplicateCandidate.objects.values_list("left_id", "right_id")) == [(a.pk, c.pk)]


def test_judge_candidate_different_is_remembered_and_the_next_run_skips_it(coordinator, proposed):
    a, b, c = proposed

    duplicates.judge_candidate(actor=coordinator, a=a, b=b, verdict="different")
    duplicates.run_finder(actor=coordinator)

    assert sorted(DuplicateCandidate.objects.values_list("left_id", "right_id")) == [(a.pk, c.pk), (b.pk, c.pk)]


def test_judge_candidate_of_a_pair_not_proposed_is_refused_and_changes_nothing(coordinator, proposed):
    a, b, c = proposed
    DuplicateCandidate.objects.filter(left=a, right=b).delete()

    with pytest.raises(ValidationError) as error:
        duplicates.judge_candidate(actor=coordinator, a=a, b=b, verdict="same")

    assert list(error.value.message_dict) == ["pair"]
    assert (PairJudgement.objects.count(), Person.objects.filter(merged_into__isnull=False).count()) == (0, 0)


def test_judge_candidate_refused_by_judge_pair_keeps_the_proposal(coordinator, proposed):
    a, b, _c = proposed

    with pytest.raises(ValidationError) as error:
        duplicates.judge_candidate(actor=coordinator, a=a, b=b, verdict="maybe")

    assert error.value.message_dict == {"verdict": ["Unknown verdict 'maybe'."]}
    assert DuplicateCandidate.objects.filter(left=a, right=b).count() == 1


def test_judge_candidate_is_for_leads_only(documenter, coordinator, proposed):
    a, b, _c = proposed

    with pytest.raises(PermissionDenied):
        duplicates.judge_candidate(actor=documenter, a=a, b=b, verdict="same")

    assert (PairJudgement.objects.count(), DuplicateCandidate.objects.count()) == (0, 3)


# --- the command line -------------------------------------------------------------------------------------

def test_command_prints_pairs_as_json_and_writes_them(coordinator):
    a = person(coordinator, "Inna Guzeeva")
    b = person(coordinator, "Інна Гузєєва")
    out = StringIO()

    call_command("find_duplicates", "--json", "--threshold", "0.9", stdout=out)

    data = json.loads(out.getvalue())
    assert (data["count"], data["written"], data["threshold"], data["matcher"]) == (1, True, 0.9, matching.ALGORITHM)
    assert (data["pairs"][0]["left"], data["pairs"][0]["right"]) == (
        {"id": a.public_id, "name": "Inna Guzeeva"}, {"id": b.public_id, "name": "Інна Гузєєва"})
    assert data["pairs"][0]["score"] >= 0.9
    assert DuplicateCandidate.objects.count() == 1


def test_command_dry_run_prints_and_writes_nothing(coordinator):
    person(coordinator, "Inna Guzeeva")
    person(coordinator, "Інна Гузєєва")
    out = StringIO()

    call_command("find_duplicates", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[-1] == "1 pair(s) would be proposed (dry run, nothing written) at threshold 0.8."
    assert "Inna Guzeeva" in lines[0] and "Інна Гузєєва" in lines[0]
    assert lines[1].strip().startswith("inna ~ inna 1.00")
    assert (DuplicateCandidate.objects.count(), AuditEntry.objects.filter(object_type="people.duplicatecandidate").count()) == (0, 0)


def test_command_with_a_bad_threshold_names_it():
    with pytest.raises(CommandError) as error:
        call_command("find_duplicates", "--threshold", "2")

    assert str(error.value) == "--threshold: The threshold is a number between 0 and 1."


def test_command_as_a_documenter_is_refused(documenter):
    with pytest.raises(CommandError) as error:
        call_command("find_duplicates", "--as", "documenter")

    assert str(error.value) == "documenter may not look for duplicates (coordinators and admins only)."


def test_blocking_retries_a_too_common_pairing_on_exact_words(coordinator, monkeypatch):
    # Many one-edit neighbours on both words: sharing both fuzzily is too common, exactly it is not.
    monkeypatch.setattr(duplicates, "MAX_POSTING", 3)
    a = person(coordinator, "Halyna Husieina")
    b = person(coordinator, "Halyna Husieina", names=["Галина Гусеіна"])
    for name in ("Halyna Husieinak", "Halynka Husieina", "Halynka Husieinak", "Halyla Hrusieina"):
        person(coordinator, name)
    records, _roots = duplicates._load(None)
    number = {r.pk: n for n, r in enumerate(records)}

    lo, hi = duplicates._Blocker(records).pairs()

    assert (number[a.pk], number[b.pk]) in set(zip(lo.tolist(), hi.tolist(), strict=True))
    assert len(lo) < len(records) * (len(records) - 1) // 2
