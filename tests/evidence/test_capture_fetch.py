"""Fetching a page and its resources into a WARC, the address check (SSRF), and rendering, against a
web site on loopback. No database: these are the parts the capture job is made of."""

import base64
import hashlib
import io
import time

import pytest
from warcio.archiveiterator import ArchiveIterator

from svidok.evidence import fetch, warc
from svidok.evidence.render import RenderError, render
from tests.evidence.capture_site import CSS, JS, PAGE, PNG
from tests.loopback import closed_port

CHROMIUM = "/usr/bin/chromium"


def policy(**overrides) -> fetch.Policy:
    values = {"timeout": 5, "max_bytes": 1024 * 1024, "user_agent": "SvidokTest/1", "allow_loopback": True}
    return fetch.Policy(**{**values, **overrides})


def sha256_label(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()


def read_warc(data: bytes) -> list:
    records = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
        body = record.content_stream().read()
        records.append((record.rec_type, record.rec_headers, record.http_headers, body, record.digest_checker.passed))
    return records


def test_capture_warc_holds_page_resources_and_redirect_with_digests(site):
    page = fetch.fetch_page(site.url("/redirect"), policy(), max_resources=10, max_total=10**7)
    out = io.BytesIO()
    count = warc.write_capture(out, page, url=site.url("/redirect"), captured_at="2026-12-02T10:00:00+00:00",
                               user_agent="SvidokTest/1")
    page.close()

    records = read_warc(out.getvalue())
    assert count == len(records) == 11
    info = records[0]
    assert info[0] == "warcinfo"
    assert b"software: Svidok" in info[3] and b"capture-time: 2026-12-02T10:00:00+00:00" in info[3]
    pairs = [(r[0], r[1].get_header("WARC-Target-URI")) for r in records[1:]]
    assert pairs == [(kind, site.url(path)) for path in ("/redirect", "/page.html", "/style.css", "/app.js", "/img.png")
                     for kind in ("response", "request")]
    bodies = {r[1].get_header("WARC-Target-URI"): r for r in records if r[0] == "response"}
    for path, body in (("/page.html", PAGE), ("/img.png", PNG), ("/style.css", CSS), ("/app.js", JS)):
        record = bodies[site.url(path)]
        assert record[3] == body
        assert record[1].get_header("WARC-Payload-Digest") == sha256_label(body)
        assert record[1].get_header("WARC-Block-Digest").startswith("sha256:")
        assert record[4] is True  # warcio recomputed both digests and they match
        assert record[1].get_header("WARC-IP-Address") == "127.0.0.1"
    assert bodies[site.url("/redirect")][2].get_statuscode() == "302"
    requests = [r for r in records if r[0] == "request"]
    assert all(r[4] is True and r[1].get_header("WARC-Block-Digest") for r in requests)
    assert all(r[1].get_header("WARC-Concurrent-To") for r in requests)
    assert requests[0][2].get_header("User-Agent") == "SvidokTest/1"
    # the image is written twice in the page (once with a fragment): fetched once
    assert site.requests.count("/img.png") == 1


def test_capture_of_chunked_response_keeps_the_bytes_as_sent(site):
    page = fetch.fetch_page(site.url("/chunked"), policy(), max_resources=10, max_total=10**7)
    out = io.BytesIO()
    warc.write_capture(out, page, url=site.url("/chunked"), captured_at="t", user_agent="u")
    assert page.final.body == b"<html><body><p>in parts</p></body></html>"
    page.close()
    response = [r for r in read_warc(out.getvalue()) if r[0] == "response"][0]
    assert response[4] is True
    assert response[2].get_header("Transfer-Encoding") == "chunked"


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/broken", 500)])
def test_capture_of_error_page_fails_with_the_status(site, path, status):
    with pytest.raises(fetch.FetchError) as error:
        fetch.fetch_page(site.url(path), policy(), max_resources=10, max_total=10**7)
    assert (error.value.code, error.value.params["status"]) == ("http_status", status)


def test_capture_of_silent_site_times_out(site):
    started = time.monotonic()
    with pytest.raises(fetch.FetchError) as error:
        fetch.fetch_page(site.url("/silent"), policy(timeout=1), max_resources=10, max_total=10**7)
    assert error.value.code == "timeout"
    assert time.monotonic() - started < 10  # bounded by the deadline, not by the server


def test_capture_of_a_dripping_server_times_out_at_the_deadline(site):
    with pytest.raises(fetch.FetchError) as error:
        fetch.fetch_page(site.url("/drip"), policy(timeout=1), max_resources=10, max_total=10**7)
    assert error.value.code == "timeout"


def test_capture_of_closed_port_is_refused():
    with pytest.raises(fetch.FetchError) as error:
        fetch.fetch_page(f"http://127.0.0.1:{closed_port()}/", policy(), max_resources=10, max_total=10**7)
    assert error.value.code == "refused"


def test_capture_over_the_size_limit_is_refused(site):
    with pytest.raises(fetch.FetchError) as error:
        fetch.fetch_page(site.url("/big"), policy(max_bytes=100 * 1024), max_resources=10, max_total=10**7)
    assert error.value.code == "too_big"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost:8000/", "http://10.0.0.7/", "http://192.168.1.1/", "http://172.16.5.4/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
    "http://100.64.0.1/", "http://[fd00::1]/", "http://[fe80::1]/",
])
def test_address_check_refuses_non_public_addresses(url):
    _scheme, host, port = fetch.check_url(url)
    with pytest.raises(fetch.FetchError) as error:
        fetch.resolve_public(host, port, allow_loopback=False)
    assert error.value.code == "private_address"


@pytest.mark.parametrize("url", ["http://10.0.0.7/", "http://169.254.169.254/", "http://[fd00::1]/"])
def test_address_check_refuses_private_addresses_even_when_loopback_is_allowed(url):
    _scheme, host, port = fetch.check_url(url)
    with pytest.raises(fetch.FetchError):
        fetch.resolve_public(host, port, allow_loopback=True)


def test_address_check_allows_loopback_only_when_told():
    assert fetch.resolve_public("127.0.0.1", 80, allow_loopback=True) == "127.0.0.1"


@pytest.mark.parametrize(("url", "code"), [
    ("file:///etc/passwd", "scheme"), ("ftp://example.org/", "scheme"), ("javascript:alert(1)", "scheme"),
    ("http://user:secret@example.org/", "credentials"), ("http:///nohost", "bad_url"), ("http://[::1/", "bad_url"),
])
def test_address_check_refuses_other_schemes_and_credentials(url, code):
    with pytest.raises(fetch.FetchError) as error:
        fetch.check_url(url)
    assert error.value.code == code


def test_page_refused_when_its_redirect_leads_to_a_private_address(site):
    # the first hop is allowed (loopback in tests), the redirect's target is not
    with pytest.raises(fetch.FetchError) as error:
        fetch.fetch_following(site.url("/to-private"), policy(), deadline=time.monotonic() + 5)
    assert error.value.code == "private_address"
    assert site.requests == ["/to-private"]


def test_resources_on_refused_addresses_are_noted_not_fetched(site):
    exchange = fetch.fetch(site.url("/page.html"), policy(), deadline=time.monotonic() + 5)
    exchange.body = b"<img src='http://10.1.2.3/x.png'><script src='/app.js'></script>"
    assert fetch.resource_urls(exchange, 10) == ["http://10.1.2.3/x.png", site.url("/app.js")]
    exchange.response.close()


def test_render_gives_a_png_and_a_pdf_from_the_captured_bytes(site, tmp_path):
    page = fetch.fetch_page(site.url("/page.html"), policy(), max_resources=10, max_total=10**7)
    rendered = render(page, tmp_path, chromium=CHROMIUM, policy=policy(), timeout=30)
    page.close()
    assert rendered.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert rendered.pdf.read_bytes()[:5] == b"%PDF-"
    # the page and its direct resources came from the capture; the stylesheet's image was fetched for the browser
    assert [site.requests.count(p) for p in ("/page.html", "/style.css", "/img.png", "/app.js")] == [1, 1, 1, 1]
    assert [e.url for e in rendered.fetched] == [site.url("/bg.png")]
    assert rendered.fetched[0].body == PNG
    assert rendered.refused == []
    rendered.fetched[0].response.close()


def test_render_refuses_what_the_page_asks_from_private_networks(site, tmp_path):
    page = fetch.fetch_page(site.url("/private.html"), policy(), max_resources=10, max_total=10**7)
    assert page.notes == [{"code": "resource_failed", "url": "http://10.255.255.1/x.png", "why": "private_address"}]
    rendered = render(page, tmp_path, chromium=CHROMIUM, policy=policy(), timeout=30)
    page.close()
    assert sorted(rendered.refused) == ["http://10.255.255.1/x.png", "http://169.254.169.254/latest/meta-data/"]
    assert rendered.fetched == []


def test_render_without_chromium_says_so(site, tmp_path):
    page = fetch.fetch_page(site.url("/page.html"), policy(), max_resources=10, max_total=10**7)
    page.close()
    with pytest.raises(RenderError) as error:
        render(page, tmp_path, chromium=str(tmp_path / "no-chromium"), policy=policy(), timeout=5)
    assert error.value.code == "no_chromium"


def test_render_without_playwright_says_so(site, tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "playwright.sync_api", None)  # import fails
    page = fetch.fetch_page(site.url("/page.html"), policy(), max_resources=10, max_total=10**7)
    page.close()
    with pytest.raises(RenderError) as error:
        render(page, tmp_path, chromium=CHROMIUM, policy=policy(), timeout=5)
    assert error.value.code == "no_playwright"
