"""Flow: a coordinator (the reviewer) assigns a submitted incident to a documenter (the monitor in
the field) on the incident's page and mentions them in a comment (swapped in by htmx); the
documenter signs in and finds the notifications in the navigation and the assignment on the
dashboard, opens a notification and lands on the incident."""

import re

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.services import submit_incident
from svidok.work.models import Assignment, Comment, Notification
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def second_page(browser, live_server, console_errors):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield watch(context.new_page(), console_errors)
    context.close()


def test_reviewer_assigns_and_mentions_and_the_monitor_sees_both(page, second_page, console_errors, vocabularies):
    make_user(Role.COORDINATOR, "coordinator")
    monitor = make_user(Role.DOCUMENTER, "monitor")
    incident = submit_incident(actor=monitor, incident=factories.incident(monitor, title="Voters bused from the plant"))

    sign_in(page, "coordinator")
    page.goto(f"/incidents/{incident.reference}/")
    work = page.get_by_role("region", name="Assigned to")
    expect(work).to_contain_text("Nobody is assigned.")
    work.get_by_label("Assign to").select_option("monitor")
    work.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_have_text("Assigned to monitor.")
    expect(page.get_by_role("region", name="Assigned to")).to_contain_text("monitor")

    comments = page.get_by_role("region", name="Comments")
    comments.get_by_role("textbox", name="Comment").fill("@monitor please add the plant's order as a source. @nobody too.")
    comments.get_by_role("button", name="Add comment").click()
    # htmx swapped the thread in place: the page did not reload, the comment is there, and the
    # author is told whom the mention did not reach.
    expect(page.get_by_role("article", name="Comment by coordinator")).to_contain_text("please add the plant's order")
    expect(page.get_by_role("region", name="Comments")).to_contain_text("Not notified (no member of that name can read this record): @nobody")
    expect(page.get_by_role("region", name="Comments").get_by_role("textbox", name="Comment")).to_have_value("")
    shot(page, "daily-work-assign-and-comment.png", full_page=False)

    sign_in(second_page, "monitor")
    nav = second_page.get_by_role("navigation", name="Main").last
    expect(nav.get_by_role("link", name=re.compile(r"Notifications 2 unread"))).to_be_visible()
    assigned = second_page.get_by_role("region", name="Assigned to me")
    # The dashboard names an incident by reference, type and date, never by its title (issue 10).
    expect(assigned.get_by_role("link", name=f"{incident.reference} · Dismissal · 2018-03-20")).to_be_visible()
    unread = second_page.get_by_role("region", name="Unread notifications")
    expect(unread).to_contain_text(f"coordinator assigned you incident {incident.reference}")
    expect(unread).to_contain_text(f"coordinator mentioned you on incident {incident.reference}")
    shot(second_page, "daily-work-dashboard.png", full_page=False)

    nav.get_by_role("link", name=re.compile("Notifications")).click()
    second_page.get_by_role("button", name="Open and mark read").first.click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Voters bused from the plant")
    expect(second_page.get_by_role("navigation", name="Main").last.get_by_role("link", name=re.compile(r"Notifications 1 unread"))).to_be_visible()

    assert Assignment.objects.get().assignee == monitor
    assert Comment.objects.get().body.startswith("@monitor")
    assert Notification.objects.filter(recipient=monitor, read_at=None).count() == 1
    assert console_errors == []


def test_documenter_saves_a_filtered_list_and_finds_it_on_the_dashboard(page, console_errors, vocabularies):
    documenter = make_user(Role.DOCUMENTER, "documenter")
    factories.incident(documenter, title="A draft of mine")

    sign_in(page, "documenter")
    page.goto("/incidents/")
    # Filtering swaps the results in place (htmx): the search saved afterwards is the current filter.
    page.get_by_label("Status").select_option("draft")
    expect(page).to_have_url(re.compile(r"status=draft"))
    saved = page.get_by_role("region", name="Saved searches")
    saved.get_by_label("Name of the search").fill("My drafts in progress")
    saved.get_by_role("button", name="Save this search").click()
    expect(page.get_by_role("status")).to_have_text("Search “My drafts in progress” saved.")
    expect(page).to_have_url(re.compile(r"/incidents/\?status=draft&sort=-date$"))

    page.goto("/")
    page.get_by_role("region", name="Saved searches").get_by_role("link", name="My drafts in progress").click()
    expect(page).to_have_url(re.compile(r"/incidents/\?status=draft&sort=-date$"))
    expect(page.get_by_role("link", name=re.compile("A draft of mine"))).to_be_visible()

    page.goto("/work/searches/")
    page.get_by_role("button", name="Delete the search “My drafts in progress”").click()
    expect(page.get_by_role("status")).to_have_text("Search “My drafts in progress” deleted.")
    assert console_errors == []
