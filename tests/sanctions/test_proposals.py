"""Sanctions proposal services: members, grounds, reviews, sign-off, listings (svidok.sanctions.services)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from svidok.audit.models import AuditEntry
from svidok.incidents.services import add_involvement
from svidok.people.merging import judge_pair
from svidok.people.services import record_occupancy
from svidok.sanctions import services as proposals
from svidok.sanctions.lists import import_list
from svidok.sanctions.models import Listing, Proposal, ProposalMember, ReferenceEntity, ReferenceList
from tests import factories

pytestmark = pytest.mark.django_db



@pytest.fixture
def world(base_world):
    return base_world


@pytest.fixture
def proposal(coordinator):
    return proposals.create_proposal(actor=coordinator, title="Organizers of the 2018 presidential election in occupied Crimea")


@pytest.fixture
def member(coordinator, proposal, world):
    return proposals.add_member(actor=coordinator, proposal=proposal, person=world.chair)


def grounded(actor, member, world):
    return proposals.set_grounds(actor=actor, member=member, grounds="Chaired the commission that organised the vote.",
                                 occupancies=[world.chair_held], incidents=[world.ordered], sources=[world.appointment])


def in_review(coordinator, proposal):
    return proposals.send_for_review(actor=coordinator, proposal=proposal)


# --- the proposal ---------------------------------------------------------------------------------------


def test_create_proposal_is_a_draft_and_audited(coordinator):
    proposal = proposals.create_proposal(actor=coordinator, title="  Crimea   2018 organizers ", description="For the EU.")

    entry = AuditEntry.objects.get(object_id=proposal.public_id)
    assert (proposal.title, proposal.status, proposal.created_by) == ("Crimea 2018 organizers", "draft", coordinator)
    assert (entry.action, entry.changes["title"]) == ("create", [None, "Crimea 2018 organizers"])


def test_create_proposal_without_title_is_refused(coordinator):
    with pytest.raises(ValidationError) as error:
        proposals.create_proposal(actor=coordinator, title="   ")

    assert error.value.message_dict == {"title": ["A proposal needs a title."]}
    assert Proposal.objects.count() == 0


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_create_proposal_by_a_reader_is_forbidden(role, request):
    with pytest.raises(PermissionDenied):
        proposals.create_proposal(actor=request.getfixturevalue(role), title="Organizers")


def test_update_proposal_changes_title_and_is_audited(coordinator, proposal):
    proposals.update_proposal(actor=coordinator, proposal=proposal, title="Organizers, Crimea 2018")

    proposal.refresh_from_db()
    entry = AuditEntry.objects.filter(object_id=proposal.public_id, action="update").get()
    assert proposal.title == "Organizers, Crimea 2018"
    assert entry.changes == {"title": ["Organizers of the 2018 presidential election in occupied Crimea", "Organizers, Crimea 2018"]}


# --- members --------------------------------------------------------------------------------------------


def test_add_member_person_and_organization_in_order(coordinator, proposal, world):
    first = proposals.add_member(actor=coordinator, proposal=proposal, person=world.chair)
    second = proposals.add_member(actor=coordinator, proposal=proposal, organization=world.commission)

    assert [(m.pk, m.order) for m in proposal.members.all()] == [(first.pk, 1), (second.pk, 2)]
    entry = AuditEntry.objects.filter(object_id=proposal.public_id, action="link").first()
    # A person is named in the audit log by a label that is not their name (docs/identity-vault.md).
    assert entry.changes["member"][1] == {"member": first.public_id, "name": world.chair.audit_repr, "kind": "person"}
    assert "МАЛЫШЕВ" not in entry.payload


def test_add_member_protected_person_is_refused(coordinator, proposal, world):
    with pytest.raises(ValidationError) as error:
        proposals.add_member(actor=coordinator, proposal=proposal, person=world.victim)

    assert error.value.message_dict == {"person": ["A protected person (a victim or witness) is never put on a sanctions list."]}
    assert proposal.members.count() == 0


def test_add_member_unprotected_victim_is_refused(coordinator, proposal, world):
    # Protection lifted (a public figure who agreed to be named): still a victim, still never listed.
    named_victim = factories.person(coordinator, name="Emil Kurbedinov")
    add_involvement(actor=coordinator, incident=world.reported, person=named_victim,
                    role=factories.term("involvement_role", "witness"))

    with pytest.raises(ValidationError) as error:
        proposals.add_member(actor=coordinator, proposal=proposal, person=named_victim)

    assert error.value.message_dict == {"person": ["This person is recorded as a victim or witness and is never put on a sanctions list."]}


def test_add_member_merged_record_is_refused_naming_the_canonical_person(coordinator, proposal, world):
    duplicate = factories.person(coordinator, name="Mikhail MALYSHEV")
    judge_pair(actor=coordinator, a=world.chair, b=duplicate, verdict="same")

    with pytest.raises(ValidationError) as error:
        proposals.add_member(actor=coordinator, proposal=proposal, person=duplicate)

    assert error.value.message_dict == {
        "person": ["This record is linked to Михаил Григорьевич МАЛЫШЕВ as the same person; add that person instead."]}


def test_add_member_twice_is_refused(coordinator, proposal, member, world):
    with pytest.raises(ValidationError) as error:
        proposals.add_member(actor=coordinator, proposal=proposal, person=world.chair)

    assert error.value.message_dict == {"person": ["Михаил Григорьевич МАЛЫШЕВ is already on this proposal."]}


def test_add_member_needs_exactly_one_party(coordinator, proposal, world):
    with pytest.raises(ValidationError) as error:
        proposals.add_member(actor=coordinator, proposal=proposal, person=world.chair, organization=world.commission)

    assert error.value.message_dict == {"party": ["Name exactly one person or one organization."]}


def test_remove_member_deletes_it_with_its_listings(coordinator, proposal, member):
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="eu", status="proposed")

    proposals.remove_member(actor=coordinator, member=member)

    assert (ProposalMember.objects.count(), Listing.objects.count()) == (0, 0)
    entry = AuditEntry.objects.filter(object_id=proposal.public_id, action="unlink").get()
    assert entry.changes == {"member": [{"member": member.public_id, "name": member.person.audit_repr}, None]}


# --- grounds --------------------------------------------------------------------------------------------


def test_set_grounds_stores_posts_incidents_sources(coordinator, member, world):
    grounded(coordinator, member, world)

    member.refresh_from_db()
    assert member.grounds == "Chaired the commission that organised the vote."
    assert (list(member.occupancies.all()), list(member.incidents.all()), list(member.sources.all())) == (
        [world.chair_held], [world.ordered], [world.appointment])


def test_set_grounds_incident_where_not_perpetrator_is_refused(coordinator, member, world):
    with pytest.raises(ValidationError) as error:
        proposals.set_grounds(actor=coordinator, member=member, incidents=[world.ordered, world.reported])

    assert error.value.message_dict == {"incidents": [
        f"{world.reported.reference}: Михаил Григорьевич МАЛЫШЕВ is not recorded as perpetrator or instigator of this incident."]}
    assert member.incidents.count() == 0


def test_set_grounds_instigator_incident_is_accepted(coordinator, member, world):
    proposals.set_grounds(actor=coordinator, member=member, incidents=[world.secret])

    assert list(member.incidents.all()) == [world.secret]


def test_set_grounds_incident_invisible_to_the_actor_reads_as_unknown(documenter, member, world):
    with pytest.raises(ValidationError) as error:
        proposals.set_grounds(actor=documenter, member=member, incidents=[world.secret])

    assert error.value.message_dict == {"incidents": [f"No such incident: {world.secret.reference}."]}


def test_set_grounds_keeps_incidents_the_actor_may_not_see(coordinator, documenter, member, world):
    proposals.set_grounds(actor=coordinator, member=member, incidents=[world.secret])

    proposals.set_grounds(actor=documenter, member=member, incidents=[world.ordered])

    assert sorted(member.incidents.values_list("reference", flat=True)) == sorted([world.ordered.reference, world.secret.reference])


def test_set_grounds_post_of_another_person_is_refused(coordinator, member, world):
    other = factories.person(coordinator, name="Natalia Ivanovna BEZRUCHENKO")
    other_held = record_occupancy(actor=coordinator, person=other, position=world.chair_post)

    with pytest.raises(ValidationError) as error:
        proposals.set_grounds(actor=coordinator, member=member, occupancies=[world.chair_held, other_held])

    assert error.value.message_dict == {"occupancies": [
        "Chair, Избирательная комиссия Республики Крым (?–) was not held by this person."]}
    assert member.occupancies.count() == 0


def test_set_grounds_of_a_canonical_person_may_cite_a_linked_record(coordinator, member, world):
    duplicate = factories.person(coordinator, name="Mikhail MALYSHEV")
    held = record_occupancy(actor=coordinator, person=duplicate, position=world.chair_post, start_date=dt.date(2014, 3, 1))
    judge_pair(actor=coordinator, a=world.chair, b=duplicate, verdict="same")

    proposals.set_grounds(actor=coordinator, member=member, occupancies=[held])

    assert list(member.occupancies.all()) == [held]


def test_set_grounds_posts_for_an_organization_are_refused(coordinator, proposal, world):
    member = proposals.add_member(actor=coordinator, proposal=proposal, organization=world.commission)

    with pytest.raises(ValidationError) as error:
        proposals.set_grounds(actor=coordinator, member=member, occupancies=[world.chair_held])

    assert error.value.message_dict == {"occupancies": ["Posts held are grounds for persons; cite an organization's incidents and sources."]}


def test_set_grounds_withdraws_the_review(coordinator, proposal, member, world):
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member)

    proposals.set_grounds(actor=coordinator, member=member, sources=[])

    member.refresh_from_db()
    assert (member.reviewed_at, member.reviewed_by) == (None, None)


def test_set_grounds_by_analyst_is_forbidden(analyst, member, world):
    with pytest.raises(PermissionDenied):
        proposals.set_grounds(actor=analyst, member=member, grounds="x")


# --- review, sign-off, submission -----------------------------------------------------------------------


def test_review_member_needs_complete_grounds(coordinator, proposal, member, world):
    proposals.set_grounds(actor=coordinator, member=member, incidents=[world.ordered])
    world.chair_held.source = None
    world.chair_held.save()  # a post recorded without a source, as older records have
    proposals.set_grounds(actor=coordinator, member=member, occupancies=[world.chair_held])
    in_review(coordinator, proposal)

    with pytest.raises(ValidationError) as error:
        proposals.review_member(actor=coordinator, member=member)

    assert error.value.message_dict == {
        "grounds": ["Write the statement of reasons."],
        "occupancies": ["Chair, Избирательная комиссия Республики Крым (2014-09-01–) has no source."],
    }


def test_review_member_refuses_unverified_incident(coordinator, documenter, proposal, member, world):
    draft = factories.incident(coordinator, title="Draft about pressure")
    add_involvement(actor=coordinator, incident=draft, person=world.chair, role=factories.term("involvement_role", "perpetrator"))
    grounded(coordinator, member, world)
    proposals.set_grounds(actor=coordinator, member=member, incidents=[world.ordered, draft])
    in_review(coordinator, proposal)

    with pytest.raises(ValidationError) as error:
        proposals.review_member(actor=coordinator, member=member)

    assert error.value.message_dict == {"incidents": [f"{draft.reference} is not verified.", f"{draft.reference} has no source."]}


def test_review_member_by_documenter_is_forbidden(documenter, coordinator, proposal, member, world):
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)

    with pytest.raises(PermissionDenied):
        proposals.review_member(actor=documenter, member=member)


def test_review_member_in_a_draft_is_refused(coordinator, member, world):
    grounded(coordinator, member, world)

    with pytest.raises(ValidationError) as error:
        proposals.review_member(actor=coordinator, member=member)

    assert error.value.message_dict == {"status": ["Members are reviewed while the proposal is in review."]}


def test_sign_off_needs_every_member_reviewed(coordinator, proposal, member, world):
    grounded(coordinator, member, world)
    proposals.add_member(actor=coordinator, proposal=proposal, organization=world.commission)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member, note="Checked against the decision.")

    with pytest.raises(ValidationError) as error:
        proposals.sign_off_proposal(actor=coordinator, proposal=proposal)

    proposal.refresh_from_db()
    assert error.value.message_dict == {"members": ["Not reviewed yet: Избирательная комиссия Республики Крым."]}
    assert proposal.status == "in_review"


def test_sign_off_submit_and_reopen(coordinator, admin_user, proposal, member, world):
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member, note="Checked.")

    proposals.sign_off_proposal(actor=admin_user, proposal=proposal)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.signed_off_by) == ("signed_off", admin_user)

    proposals.reopen_proposal(actor=coordinator, proposal=proposal, reason="Add a second member")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.signed_off_by, proposal.signed_off_at) == ("in_review", None, None)

    proposals.sign_off_proposal(actor=world.verifier, proposal=proposal)
    proposals.submit_proposal(actor=coordinator, proposal=proposal, jurisdictions=["eu", "ua"], date=dt.date(2018, 4, 2))
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
    assert list(member.listings.values_list("jurisdiction", "status", "date")) == [
        ("eu", "submitted", dt.date(2018, 4, 2)), ("ua", "submitted", dt.date(2018, 4, 2))]
    statuses = [e.changes["status"] for e in AuditEntry.objects.filter(object_id=proposal.public_id, action="status").order_by("id")]
    assert statuses == [["draft", "in_review"], ["in_review", "signed_off"], ["signed_off", "in_review"],
                        ["in_review", "signed_off"], ["signed_off", "submitted"]]


def test_sign_off_by_the_member_reviewer_is_refused(coordinator, proposal, member, world):
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member)

    with pytest.raises(ValidationError) as error:
        proposals.sign_off_proposal(actor=coordinator, proposal=proposal)

    proposal.refresh_from_db()
    assert error.value.message_dict == {"signed_off_by": [
        "You reviewed Михаил Григорьевич МАЛЫШЕВ, so another coordinator signs the proposal off: "
        "a second pair of eyes checks every proposal."]}
    assert (proposal.status, proposal.signed_off_by) == ("in_review", None)


def test_sign_off_by_a_reviewer_of_one_member_of_two_is_refused(coordinator, proposal, member, world):
    grounded(coordinator, member, world)
    other = proposals.add_member(actor=coordinator, proposal=proposal, organization=world.commission)
    proposals.set_grounds(actor=coordinator, member=other, grounds="Organised the vote.", sources=[world.appointment])
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member)
    proposals.review_member(actor=world.verifier, member=other)

    with pytest.raises(ValidationError) as error:
        proposals.sign_off_proposal(actor=world.verifier, proposal=proposal)

    assert error.value.message_dict == {"signed_off_by": [
        "You reviewed Избирательная комиссия Республики Крым, so another coordinator signs the proposal off: "
        "a second pair of eyes checks every proposal."]}


def test_sign_off_is_audited_as_a_second_persons(coordinator, proposal, member, world):
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member)

    proposals.sign_off_proposal(actor=world.verifier, proposal=proposal)

    entry = AuditEntry.objects.filter(object_id=proposal.public_id, action="status").latest("id")
    assert (entry.actor_id, entry.changes) == (world.verifier.pk, {"status": ["in_review", "signed_off"], "second_person": [None, True]})


def test_sign_off_by_the_reviewer_when_four_eyes_is_off_is_audited_as_such(coordinator, proposal, member, world, settings):
    settings.SVIDOK_FOUR_EYES = False
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member)

    proposals.sign_off_proposal(actor=coordinator, proposal=proposal)

    entry = AuditEntry.objects.filter(object_id=proposal.public_id, action="status").latest("id")
    assert (entry.changes["status"], entry.changes["second_person"]) == (["in_review", "signed_off"], [None, False])


def test_signed_off_proposal_is_frozen(coordinator, proposal, member, world):
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member)
    proposals.sign_off_proposal(actor=world.verifier, proposal=proposal)

    with pytest.raises(ValidationError) as error:
        proposals.set_grounds(actor=coordinator, member=member, grounds="Changed after sign-off")

    member.refresh_from_db()
    assert error.value.message_dict == {"status": ["A signed-off proposal is not changed; reopen it first."]}
    assert member.grounds == "Chaired the commission that organised the vote."


def test_send_for_review_of_an_empty_proposal_is_refused(coordinator, proposal):
    with pytest.raises(ValidationError) as error:
        proposals.send_for_review(actor=coordinator, proposal=proposal)

    assert error.value.message_dict == {"members": ["Add at least one person or organization first."]}


def test_submit_keeps_an_existing_listing(coordinator, proposal, member, world):
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="eu", status="listed", date=dt.date(2018, 5, 14),
                             legal_act="Council Implementing Regulation (EU) 2018/705")
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member)
    proposals.sign_off_proposal(actor=world.verifier, proposal=proposal)

    proposals.submit_proposal(actor=coordinator, proposal=proposal, jurisdictions=["eu", "uk"], date=dt.date(2018, 6, 1))

    assert list(member.listings.values_list("jurisdiction", "status", "date")) == [
        ("eu", "listed", dt.date(2018, 5, 14)), ("uk", "submitted", dt.date(2018, 6, 1))]


def test_submit_unknown_jurisdiction_is_refused(coordinator, proposal, member, world):
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member)
    proposals.sign_off_proposal(actor=world.verifier, proposal=proposal)

    with pytest.raises(ValidationError) as error:
        proposals.submit_proposal(actor=coordinator, proposal=proposal, jurisdictions=["eu", "xx"])

    proposal.refresh_from_db()
    assert error.value.message_dict == {"jurisdictions": ["Unknown jurisdiction 'xx': use eu, uk, us, ua; record others one by one."]}
    assert (proposal.status, Listing.objects.count()) == ("signed_off", 0)


# --- listings -------------------------------------------------------------------------------------------


def test_record_listing_keeps_date_and_legal_act_apart_and_replaces(coordinator, proposal, member):
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="eu", status="submitted", date=dt.date(2018, 4, 2))

    listing = proposals.record_listing(actor=coordinator, member=member, jurisdiction="eu", status="listed",
                                       date=dt.date(2018, 5, 14), legal_act="Council Implementing Regulation (EU) 2018/705")

    assert (Listing.objects.count(), listing.status, listing.date, listing.legal_act) == (
        1, "listed", dt.date(2018, 5, 14), "Council Implementing Regulation (EU) 2018/705")
    last = AuditEntry.objects.filter(object_id=proposal.public_id, action="update").order_by("id").last()
    assert last.changes["listing"][0]["status"] == "submitted"
    assert last.changes["listing"][1]["date"] == "2018-05-14"


def test_record_listing_listed_without_date_is_refused(coordinator, member):
    with pytest.raises(ValidationError) as error:
        proposals.record_listing(actor=coordinator, member=member, jurisdiction="uk", status="listed",
                                 legal_act="The Russia (Sanctions) (EU Exit) Regulations 2019")

    assert error.value.message_dict == {"date": ["A listing or delisting needs its date."]}
    assert Listing.objects.count() == 0


def test_record_listing_bad_input_names_every_field(coordinator, member):
    with pytest.raises(ValidationError) as error:
        proposals.record_listing(actor=coordinator, member=member, jurisdiction="other", status="banned",
                                 date=dt.date(2999, 1, 1), legal_act="x" * 301)

    assert sorted(error.value.message_dict) == ["date", "jurisdiction_other", "legal_act", "status"]


def test_record_listing_other_jurisdictions_are_kept_apart(coordinator, member):
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="other", jurisdiction_other="Canada",
                             status="listed", date=dt.date(2018, 3, 15))
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="other", jurisdiction_other="Switzerland",
                             status="proposed")

    assert list(member.listings.order_by("jurisdiction_other").values_list("jurisdiction_other", "status")) == [
        ("Canada", "listed"), ("Switzerland", "proposed")]


def test_record_listing_reference_entry_of_another_jurisdiction_is_refused(coordinator, member):
    uk_list = ReferenceList.objects.create(name="uk-list", jurisdiction="uk", format="ftm", source_name="uk.json",
                                           sha256="0" * 64, imported_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    entry = ReferenceEntity.objects.create(reference_list=uk_list, record_id="RUS1234", schema="Person", caption="MALYSHEV")

    with pytest.raises(ValidationError) as error:
        proposals.record_listing(actor=coordinator, member=member, jurisdiction="eu", status="listed",
                                 date=dt.date(2018, 5, 14), reference_entity=entry)

    assert error.value.message_dict == {"reference_entity": ["That entry belongs to a list of another jurisdiction (uk)."]}


def test_unlisted_members_by_listing_status_and_list_entry(coordinator, proposal, member, world):
    listed_org = proposals.add_member(actor=coordinator, proposal=proposal, organization=world.commission)
    secretary = proposals.add_member(actor=coordinator, proposal=proposal,
                                     person=factories.person(coordinator, name="Natalia Ivanovna BEZRUCHENKO"))
    eu_list = ReferenceList.objects.create(name="eu-269", jurisdiction="eu", format="ftm", source_name="eu.json",
                                           sha256="0" * 64, imported_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    entry = ReferenceEntity.objects.create(reference_list=eu_list, record_id="EU.1", schema="Organization", caption="Commission")
    proposals.record_listing(actor=coordinator, member=listed_org, jurisdiction="eu", status="proposed", reference_entity=entry)
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="ua", status="submitted", date=dt.date(2018, 4, 2))
    proposals.record_listing(actor=coordinator, member=secretary, jurisdiction="eu", status="delisted", date=dt.date(2020, 1, 1))

    assert proposals.unlisted_members(proposal) == [member, secretary]


# --- sign-off when a member matches an imported reference list ------------------------------------------


@pytest.fixture
def chair_on_a_list(coordinator, tmp_path):
    path = tmp_path / "eu.ftm.json"
    path.write_text('{"id": "eu-5178", "schema": "Person", "properties": {"name": ["Mikhail Grigorievich MALYSHEV"]}}\n'
                    '{"id": "eu-5178-s", "schema": "Sanction", "properties": {"entity": ["eu-5178"], "startDate": ["2018-05-14"]}}\n',
                    encoding="utf-8")
    return import_list(actor=coordinator, path=path, name="eu-test", title="EU list (test)", jurisdiction="eu")


def test_sign_off_with_a_possible_match_asks_to_confirm_and_audits_it(coordinator, admin_user, proposal, member, world,
                                                                       chair_on_a_list):
    grounded(coordinator, member, world)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member, note="Checked.")

    with pytest.raises(ValidationError) as error:
        proposals.sign_off_proposal(actor=admin_user, proposal=proposal)

    proposal.refresh_from_db()
    assert proposal.status == "in_review"
    assert error.value.message_dict == {"matches_checked": [
        "Possibly already on a reference list: Михаил Григорьевич МАЛЫШЕВ. Check the matches, then confirm that you have "
        "checked them."]}

    proposals.sign_off_proposal(actor=admin_user, proposal=proposal, matches_checked=True)
    proposal.refresh_from_db()
    assert proposal.status == "signed_off"
    entry = AuditEntry.objects.filter(object_id=proposal.public_id, action="status").order_by("id").last()
    assert entry.changes == {"status": ["in_review", "signed_off"], "matches_checked": [None, ["Михаил Григорьевич МАЛЫШЕВ"]],
                             "second_person": [None, True]}


def test_sign_off_needs_no_confirmation_once_the_listing_is_recorded(coordinator, proposal, member, world, chair_on_a_list):
    grounded(coordinator, member, world)
    entity = ReferenceEntity.objects.get(reference_list=chair_on_a_list, record_id="eu-5178")
    proposals.record_listing(actor=coordinator, member=member, jurisdiction="eu", status="listed", date=dt.date(2018, 5, 14),
                             reference_entity=entity)
    in_review(coordinator, proposal)
    proposals.review_member(actor=coordinator, member=member, note="Checked.")

    proposals.sign_off_proposal(actor=world.verifier, proposal=proposal)

    proposal.refresh_from_db()
    assert proposal.status == "signed_off"
    entry = AuditEntry.objects.filter(object_id=proposal.public_id, action="status").order_by("id").last()
    assert entry.changes == {"status": ["in_review", "signed_off"], "second_person": [None, True]}
