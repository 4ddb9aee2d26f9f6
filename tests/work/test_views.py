"""The pages of daily work: a record's assignment and comments, notifications, saved searches, the
dashboard's lists. Owner, other role and stranger for each."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.accounts.models import Role
from svidok.incidents.services import submit_incident
from svidok.sanctions.services import create_proposal
from svidok.work import services
from svidok.work.models import Assignment, Comment, Notification, SavedSearch
from tests import factories
from tests.helpers import login, make_user


@pytest.fixture
def submitted(documenter):
    return submit_incident(actor=documenter, incident=factories.incident(documenter, title="Nurses herded to vote"))


def test_incident_page_shows_assignment_form_to_coordinator_with_members_who_may_work_on_it(client, coordinator, documenter, analyst, submitted):
    response = login(client, coordinator).get(f"/incidents/{submitted.reference}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert [c[0] for c in response.context["assign_form"].fields["assignee"].choices] == ["", "coordinator", "documenter"]
    assert "Nobody is assigned." in body
    assert f'action="/work/incidents/{submitted.reference}/assign/"' in body


def test_coordinator_assigns_from_the_page(client, coordinator, documenter, submitted):
    response = login(client, coordinator).post(f"/work/incidents/{submitted.reference}/assign/", {"assignee": "documenter"})

    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{submitted.reference}/#work"
    assert Assignment.objects.get().assignee == documenter
    page = client.get(response["Location"]).content.decode()
    assert "Assigned to documenter." in page


def test_assigning_someone_not_listed_is_refused_without_change(client, coordinator, analyst, submitted):
    login(client, coordinator).post(f"/work/incidents/{submitted.reference}/assign/", {"assignee": "analyst"}, follow=True)

    assert Assignment.objects.count() == 0


def test_documenter_takes_an_incident_and_gives_it_up(client, documenter, submitted):
    login(client, documenter)
    page = client.get(f"/incidents/{submitted.reference}/").content.decode()
    assert 'name="take" value="me"' in page

    client.post(f"/work/incidents/{submitted.reference}/assign/", {"take": "me"})
    assert Assignment.objects.get().assignee == documenter
    client.post(f"/work/incidents/{submitted.reference}/assign/", {"take": "release"})
    assert Assignment.objects.count() == 0


def test_documenter_cannot_assign_others(client, documenter, other_documenter, submitted):
    response = login(client, documenter).post(f"/work/incidents/{submitted.reference}/assign/", {"assignee": "documenter2"})

    assert response.status_code == 403
    assert Assignment.objects.count() == 0


def test_viewer_gets_404_for_an_incident_they_cannot_see(client, viewer, draft):
    login(client, viewer)

    assert client.post(f"/work/incidents/{draft.reference}/assign/", {"take": "me"}).status_code == 404
    assert client.post(f"/work/incidents/{draft.reference}/comments/", {"body": "hi"}).status_code == 404


def test_stranger_is_sent_to_sign_in(client, submitted):
    response = client.post(f"/work/incidents/{submitted.reference}/comments/", {"body": "hi"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_comment_without_js_redirects_and_reports_unnotified_mentions(client, coordinator, documenter, submitted):
    response = login(client, coordinator).post(f"/work/incidents/{submitted.reference}/comments/",
                                               {"body": "@documenter add the school's name; @ghost too"}, follow=True)

    body = response.content.decode()
    assert response.redirect_chain == [(f"/incidents/{submitted.reference}/#comments", 302)]
    assert "Not notified (no member of that name can read this record): @ghost." in body
    assert "@documenter add the school&#x27;s name; @ghost too" in body
    assert Comment.objects.get().author == coordinator


def test_comment_with_htmx_answers_the_thread(client, coordinator, submitted):
    response = login(client, coordinator).post(f"/work/incidents/{submitted.reference}/comments/", {"body": "@ghost hello"},
                                               HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<section class="comments" id="comments"')
    assert "Not notified (no member of that name can read this record):" in body
    assert "<p>@ghost hello</p>" in body


def test_empty_comment_shows_the_error_next_to_the_field(client, coordinator, submitted):
    response = login(client, coordinator).post(f"/work/incidents/{submitted.reference}/comments/", {"body": ""})

    assert response.status_code == 400
    assert response.context["comment_form"].errors == {"body": ["This field is required."]}
    assert Comment.objects.count() == 0


def test_proposal_page_has_assignment_and_comments(client, coordinator, documenter):
    proposal = create_proposal(actor=coordinator, title="Commission members 2024")
    login(client, coordinator)
    client.post(f"/work/proposals/{proposal.uuid}/comments/", {"body": "@documenter draft the grounds"})
    client.post(f"/work/proposals/{proposal.uuid}/assign/", {"assignee": "documenter"})

    body = client.get(f"/people/proposals/{proposal.uuid}/").content.decode()
    assert "@documenter draft the grounds" in body
    assert [n.kind for n in Notification.objects.filter(recipient=documenter).order_by("id")] == ["mentioned", "assigned"]


def test_notifications_page_lists_mine_and_marks_read(client, coordinator, documenter, submitted):
    services.assign(actor=coordinator, record=submitted, assignee=documenter)
    login(client, documenter)

    nav = client.get("/").content.decode()
    assert '<span class="count-badge">1<span class="visually-hidden"> unread</span></span>' in nav
    page = client.get("/work/notifications/").content.decode()
    assert f"coordinator assigned you incident {submitted.reference}" in page
    notification = Notification.objects.get()
    response = client.post("/work/notifications/read/", {"notification": str(notification.uuid)})
    assert response["Location"] == f"/incidents/{submitted.reference}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_notification_of_another_user_cannot_be_opened(client, coordinator, documenter, other_documenter, submitted):
    services.assign(actor=coordinator, record=submitted, assignee=documenter)
    response = login(client, other_documenter).post("/work/notifications/read/", {"notification": str(Notification.objects.get().uuid)})

    assert response.status_code == 404
    assert Notification.objects.get().read_at is None


def test_notification_about_an_incident_no_longer_visible_is_not_shown(client, coordinator, documenter, submitted):
    services.assign(actor=coordinator, record=submitted, assignee=documenter)
    submitted.sensitivity = "restricted"
    submitted.save()
    other = make_user(Role.DOCUMENTER, "documenter3")
    Notification.objects.update(recipient=other)

    response = login(client, other).get("/work/notifications/")
    assert list(response.context["page"]) == []


def test_save_search_from_the_list_and_find_it_on_dashboard_and_list(client, documenter):
    login(client, documenter)
    page = client.get("/incidents/?type=dismissal&status=verified&page=2").content.decode()
    assert '<input type="hidden" name="query" value="type=dismissal&amp;status=verified">' in page

    response = client.post("/work/searches/save/", {"name": "Verified dismissals", "query": "type=dismissal&status=verified"})
    assert response["Location"] == "/incidents/?type=dismissal&status=verified"
    assert '<a href="/incidents/?type=dismissal&amp;status=verified">Verified dismissals</a>' in client.get("/").content.decode()
    assert "Verified dismissals" in client.get("/incidents/").content.decode()


def test_save_search_with_htmx_takes_the_filter_form_fields(client, documenter):
    response = login(client, documenter).post("/work/searches/save/", {"name": "Threats", "query": "type=dismissal",
                                                                        "type": "threat_of_dismissal", "status": ""},
                                              HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == "/incidents/?type=threat_of_dismissal"
    assert SavedSearch.objects.get().query == "type=threat_of_dismissal"


def test_saved_search_deleted_by_owner_only(client, documenter, other_documenter):
    search = services.save_search(actor=documenter, name="Mine", query="q=school")

    assert login(client, other_documenter).post(f"/work/searches/{search.uuid}/delete/").status_code == 404
    assert login(client, documenter).post(f"/work/searches/{search.uuid}/delete/").status_code == 302
    assert SavedSearch.objects.count() == 0


def test_dashboard_lists_for_a_coordinator_follow_four_eyes(client, coordinator, documenter):
    own = submit_incident(actor=coordinator, incident=factories.incident(coordinator, title="Recorded by me"))
    theirs = submit_incident(actor=documenter, incident=factories.incident(documenter, title="Recorded by them"))
    factories.incident(coordinator, title="My own draft")
    services.assign(actor=coordinator, record=theirs, assignee=coordinator)

    work = login(client, coordinator).get("/").context["work"]
    assert [i.title for i in work["review"]] == ["Recorded by them"]
    assert [i.title for i in work["drafts"]] == ["My own draft"]
    assert [a.incident for a in work["assigned"]] == [theirs]
    assert own in work["recent"]


def test_dashboard_for_viewer_has_no_drafts_review_or_assignment(client, viewer, verified):
    work = login(client, viewer).get("/").context["work"]

    assert (work["drafts"], work["review"], work["assigned"]) == (None, None, None)
    assert work["recent"] == [verified]


def test_dashboard_lists_in_full(client, coordinator, documenter, submitted):
    login(client, coordinator)

    assert client.get("/work/review/").status_code == 200
    assert list(client.get("/work/review/").context["page"]) == [submitted]
    assert client.get("/work/assigned/").status_code == 200
    assert client.get("/work/drafts/").status_code == 200
    assert client.get("/work/recent/").status_code == 200


def test_counsel_gets_no_work_pages(client, db):
    counsel = make_user(Role.COUNSEL, "counsel")
    login(client, counsel)

    assert client.get("/work/notifications/").status_code == 403
    assert client.get("/").context["work"] is None


def test_dashboard_query_count_does_not_grow_with_work(client, coordinator, documenter):
    login(client, coordinator)
    first = submit_incident(actor=documenter, incident=factories.incident(documenter))
    services.assign(actor=documenter, record=first, assignee=documenter)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for day in range(1, 8):
        incident = submit_incident(actor=documenter, incident=factories.incident(documenter, date=dt.date(2019, 1, day)))
        services.assign(actor=coordinator, record=incident, assignee=coordinator if day % 2 else documenter)
        services.add_comment(actor=documenter, record=incident, body="@coordinator have a look")
    with CaptureQueriesContext(connection) as many:
        client.get("/")

    assert len(many) == len(few)


def test_email_sent_by_the_task_names_no_title(client, coordinator, documenter, submitted, settings, django_capture_on_commit_callbacks):
    settings.SVIDOK_NOTIFY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SVIDOK_SITE_URL = "https://svidok.example.org"
    documenter.email = "documenter@example.org"
    documenter.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.assign(actor=coordinator, record=submitted, assignee=documenter)

    assert [m.to for m in mail.outbox] == [["documenter@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "Svidok: a new notification"
    assert message.body == (f"coordinator assigned you incident {submitted.reference}.\n\n"
                            "Open it in Svidok (you will be asked to sign in):\n\n"
                            f"https://svidok.example.org/incidents/{submitted.reference}/\n\n"
                            "You receive this because e-mail notifications are on for Svidok.")
    assert "Nurses" not in message.body


def test_no_email_when_not_configured_or_no_address(coordinator, documenter, submitted, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.SVIDOK_NOTIFY_EMAIL = False
    documenter.email = "documenter@example.org"
    documenter.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(actor=coordinator, record=submitted, assignee=documenter)
    settings.SVIDOK_NOTIFY_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(actor=documenter, record=submitted, body="@coordinator no address, no mail")

    assert mail.outbox == []
    assert Notification.objects.count() == 2


def test_comment_naming_a_protected_person_reads_as_the_pseudonym_without_clearance(client, coordinator, documenter, submitted):
    victim = factories.person(coordinator, name="Ірина Коваленко", protected=True)
    services.add_comment(actor=coordinator, record=submitted, body="Iryna Kovalenko agreed to testify. @documenter")

    as_documenter = login(client, documenter).get(f"/incidents/{submitted.reference}/").content.decode()
    as_lead = login(client, coordinator).get(f"/incidents/{submitted.reference}/").content.decode()

    assert "Kovalenko" not in as_documenter
    assert f"{victim.pseudonym} agreed to testify." in as_documenter
    assert "Iryna Kovalenko agreed to testify." in as_lead


def test_counsel_sees_neither_assignee_nor_comments_on_a_shared_incident(client, coordinator, documenter, verified):
    from svidok.incidents.models import Case, CaseShare

    counsel = make_user(Role.COUNSEL, "counsel")
    case = Case.objects.create(name="Shared case", created_by=coordinator)
    case.incidents.add(verified)
    CaseShare.objects.create(case=case, user=counsel)
    services.assign(actor=coordinator, record=verified, assignee=documenter)
    services.add_comment(actor=coordinator, record=verified, body="Internal remark")

    response = login(client, counsel).get(f"/incidents/{verified.reference}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Internal remark" not in body and "Assigned to" not in body
