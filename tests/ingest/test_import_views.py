"""The "Import news" page and the page of a fetch: owner, other role, stranger; files stored at once
with a result per file; addresses queued and their outcomes shown in words, refreshing while running."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from svidok.accounts.models import Role
from svidok.ingest import fetching, services
from svidok.ingest.models import Article, FetchRun
from tests.helpers import login, make_user
from tests.ingest import texts

pytestmark = pytest.mark.django_db
IMPORT = "/news/import/"


def upload(name: str, content: str | bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8") if isinstance(content, str) else content)


def visible_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_import_page_is_in_the_nav_of_documenters_only(client, documenter, viewer):
    assert reverse("ingest:import") == IMPORT
    login(client, documenter)
    assert f'href="{IMPORT}"' in client.get(reverse("reports:dashboard")).content.decode()
    client.logout()
    login(client, viewer)
    assert f'href="{IMPORT}"' not in client.get(reverse("reports:dashboard")).content.decode()


def test_import_page_refused_to_viewer_and_stranger(client, viewer):
    assert client.get(IMPORT).status_code == 302  # to sign in
    login(client, viewer)
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"urls": "https://news.example/a"}).status_code == 403
    assert FetchRun.objects.count() == 0


def test_uploaded_files_are_stored_at_once_with_a_result_each(client, documenter):
    login(client, documenter)

    response = client.post(IMPORT, {"files": [upload("uk.txt", texts.UKRAINIAN), upload("page.html", texts.HTML_ARTICLE),
                                              upload("empty.txt", ""), upload("de.txt", texts.GERMAN),
                                              upload("blob.bin", b"\x00\x01binary" * 30)]})

    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "2 files stored" in text
    assert ("uk.txt Stored Окупаційна влада погрожувала звільненням вчителям у Джанкої "
            "page.html Stored Teachers in a Crimean town told to photograph their ballots "
            "empty.txt Not stored The file is empty. — "
            "de.txt Not stored The article is not in Ukrainian, Russian, English or Crimean Tatar. — "
            "blob.bin Not stored The file is not text or a web page (a binary file). —") in text
    assert Article.objects.count() == 2
    assert FetchRun.objects.count() == 0


def test_upload_of_a_reprint_names_the_first_copy(client, documenter):
    login(client, documenter)
    client.post(IMPORT, {"files": [upload("a.txt", texts.ENGLISH)]})

    response = client.post(IMPORT, {"files": [upload("b.txt", texts.ENGLISH_REPRINT), upload("a.txt", texts.ENGLISH)]})

    text = visible_text(response.content.decode())
    assert ("b.txt Stored as a near-duplicate Crimean teachers ordered to send pictures of their ballots "
            "A near-duplicate of “Teachers in a Crimean town told to photograph their ballots” (95% of its text in common). "
            "a.txt Already stored; nothing written Teachers in a Crimean town told to photograph their ballots") in text


def test_addresses_are_queued_and_the_run_page_shown(client, documenter, django_capture_on_commit_callbacks):
    login(client, documenter)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT, {"urls": "https://news.example/a\n\nhttps://news.example/b\n", "feed": " https://news.example/rss "})

    run = FetchRun.objects.get()
    assert (run.pages, run.feeds, run.requested_by, run.status) == (
        ["https://news.example/a", "https://news.example/b"], ["https://news.example/rss"], documenter, "queued")
    assert run.task_id != ""
    assert response.status_code == 302
    assert response["Location"] == f"/news/runs/{run.uuid}/"


def test_empty_form_says_what_to_do(client, documenter):
    login(client, documenter)

    response = client.post(IMPORT, {"urls": "  \n", "feed": ""})

    assert response.status_code == 400
    assert "Choose a file or give a web address." in response.content.decode()


def test_run_page_shows_outcomes_in_words_without_codes(client, documenter, news_site):
    run = services.start_fetch(actor=documenter, urls=[news_site.url("/en.html"), news_site.url("/loop"), "nonsense"])
    services.run_fetch(run.pk)
    login(client, documenter)

    response = client.get(f"/news/runs/{run.uuid}/")

    html = response.content.decode()
    text = visible_text(html)
    assert "Finished Stored: 1. Near-duplicates: 0. Already stored: 0. Not stored: 2." in text
    assert (f"{news_site.url('/en.html')} Stored Teachers in a Crimean town told to photograph their ballots "
            f"{news_site.url('/loop')} Not stored 127.0.0.1: the address redirects too many times. — "
            "nonsense Not stored This is not a web address (it must start with http:// or https://). —") in text
    assert "hx-get" not in html  # finished: no more refreshing
    assert str(run.uuid) not in text
    assert [code for code in (*fetching.REASONS, "refused") if ("_" in code or code == "refused") and code in text] == []
    article = Article.objects.get()
    assert str(article.uuid) not in text


def test_run_page_in_ukrainian(client, documenter, news_site):
    run = services.start_fetch(actor=documenter, urls=[news_site.url("/missing.html")])
    services.run_fetch(run.pk)
    login(client, documenter)

    with translation.override("uk"):
        response = client.get(f"/news/runs/{run.uuid}/", HTTP_ACCEPT_LANGUAGE="uk")

    text = visible_text(response.content.decode())
    assert "Не збережено 127.0.0.1: сайт відповів помилкою (HTTP 404 Not Found)." in text


def test_pending_run_refreshes_itself_with_htmx(client, documenter):
    run = services.start_fetch(actor=documenter, urls=["https://news.example/a", "https://news.example/b"])
    login(client, documenter)

    page = client.get(f"/news/runs/{run.uuid}/").content.decode()
    fragment = client.get(f"/news/runs/{run.uuid}/", HTTP_HX_REQUEST="true")

    assert f'hx-get="/news/runs/{run.uuid}/" hx-trigger="every 3s"' in page
    assert "2 addresses wait to be read." in visible_text(page)
    assert fragment.content.decode().startswith('<section id="fetch-run"')
    assert "HX-Request" in fragment["Vary"]


def test_run_page_hidden_from_another_documenter_shown_to_coordinator(client, documenter, coordinator, viewer):
    run = services.start_fetch(actor=documenter, urls=["https://news.example/a"])
    url = f"/news/runs/{run.uuid}/"
    login(client, make_user(Role.DOCUMENTER, "other"))
    assert client.get(url).status_code == 404
    client.logout()
    login(client, viewer)
    assert client.get(url).status_code == 403
    client.logout()
    login(client, coordinator)
    assert client.get(url).status_code == 200


def test_run_page_queries_do_not_grow_with_items(client, documenter, news_site):
    run = services.start_fetch(actor=documenter, urls=[news_site.url(p) for p in ("/en.html", "/uk.html", "/ru.txt", "/loop")])
    services.run_fetch(run.pk)
    login(client, documenter)
    client.get(f"/news/runs/{run.uuid}/")

    with CaptureQueriesContext(connection) as few:
        client.get(f"/news/runs/{run.uuid}/")
    FetchRun.objects.filter(pk=run.pk).update(items=run.__class__.objects.get(pk=run.pk).items * 10)
    with CaptureQueriesContext(connection) as many:
        client.get(f"/news/runs/{run.uuid}/")

    assert len(many) == len(few)


def test_article_link_appears_when_the_article_page_exists(client, documenter, news_site, monkeypatch):
    from svidok.ingest import import_views

    run = services.start_fetch(actor=documenter, urls=[news_site.url("/en.html")])
    services.run_fetch(run.pk)
    article = Article.objects.get()
    monkeypatch.setattr(import_views, "reverse", lambda name, args: f"/news/articles/{args[0]}/")
    login(client, documenter)

    html = client.get(f"/news/runs/{run.uuid}/").content.decode()

    assert f'<a href="/news/articles/{article.uuid}/">Teachers in a Crimean town told to photograph their ballots</a>' in html


def test_upload_whose_extraction_fails_is_not_stored_and_the_others_are(client, documenter, monkeypatch):
    def propose(*, actor, article):
        if article.language == "en":
            raise RuntimeError("extraction broke")

    monkeypatch.setattr(services, "propose_candidates", propose)
    login(client, documenter)

    response = client.post(IMPORT, {"files": [upload("en.txt", texts.ENGLISH), upload("uk.txt", texts.UKRAINIAN)]})

    text = visible_text(response.content.decode())
    assert ("en.txt Not stored The file was not stored: an unexpected error stopped it; the administrators can see it in the log. — "
            "uk.txt Stored") in text
    assert list(Article.objects.values_list("source__language", flat=True)) == ["uk"]
