"""A small news site on loopback for the fetching tests: articles (HTML and text), a feed in RSS
and one in Atom, and the bad cases of issue 12 (empty, binary, no article, a 50 MB page, a feed
that never answers, an endless redirect, German, 404)."""

from __future__ import annotations

from tests import loopback
from tests.ingest import texts

BIG = 50 * 1024 * 1024
CHUNK = 64 * 1024


def html_page(text: str, published: str = "2024-03-19", lang: str = "en") -> bytes:
    """A news page around an article of ``texts`` (title line, blank line, paragraphs)."""
    title, _blank, body = text.partition("\n")
    paragraphs = "".join(f"<p>{' '.join(p.split())}</p>\n" for p in body.split("\n\n") if p.strip())
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{title} | Example</title>"
            f"<meta property='og:title' content='{title}'>"
            f"<meta property='article:published_time' content='{published}T08:00:00+00:00'></head>"
            f"<body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
            f"<article><h1>{title}</h1>\n{paragraphs}</article><footer>Example News</footer></body></html>").encode()


def rss(site: Site, *paths: str) -> bytes:
    items = "".join(f"<item><title>Item {n}</title><link>{site.url(path)}</link>"
                    f"<pubDate>Mon, 1{n} Mar 2024 10:00:00 +0000</pubDate></item>" for n, path in enumerate(paths))
    return (f"<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'><channel><title>Example News</title>"
            f"<link>{site.url('/')}</link><description>News</description>{items}</channel></rss>").encode()


def atom(site: Site, *paths: str) -> bytes:
    entries = "".join(f"<entry><title>Entry {n}</title><id>urn:x:{n}</id><link href='{site.url(path)}'/>"
                      f"<updated>2024-03-1{n}T10:00:00Z</updated></entry>" for n, path in enumerate(paths))
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Example</title>"
            f"<id>urn:x</id><updated>2024-03-19T10:00:00Z</updated>{entries}</feed>").encode()


class Handler(loopback.Handler):
    def do_GET(self):
        self.site.requests.append(self.path)
        if self.path in self.site.routes:
            self._send(*self.site.routes[self.path])
        elif self.path == "/loop":
            self._send(302, b"", "text/html", {"Location": "/loop-again"})
        elif self.path == "/loop-again":
            self._send(302, b"", "text/html", {"Location": "/loop"})
        elif self.path == "/moved":
            self._send(301, b"", "text/html", {"Location": "/en.html"})
        elif self.path == "/big.html":
            # 50 MB announced and streamed; stops when the reader hangs up (or the test ends).
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            chunk = b"<p>" + b"word " * (CHUNK // 5 - 2) + b"</p>"
            try:
                for _ in range(BIG // len(chunk)):
                    if self.site.release.is_set():
                        return
                    self.wfile.write(chunk)
                    self.site.big_sent += len(chunk)
            except OSError:
                return
        elif self.path == "/silent":
            self.site.release.wait(30)  # accepts, never answers while the test waits
        else:
            self._send(404, b"<h1>Not found</h1>", "text/html")


class Site(loopback.Site):
    handler = Handler

    def __init__(self):
        self.big_sent = 0
        super().__init__()
        self.routes = {
            "/en.html": (200, html_page(texts.ENGLISH), "text/html; charset=utf-8"),
            "/uk.html": (200, html_page(texts.UKRAINIAN, lang="uk"), "text/html; charset=utf-8"),
            "/ru.txt": (200, texts.RUSSIAN.encode("utf-8"), "text/plain; charset=utf-8"),
            "/ru-1251.html": (200, html_page(texts.RUSSIAN, lang="ru").decode("utf-8").replace("<meta charset='utf-8'>", "")
                              .encode("windows-1251"), "text/html; charset=windows-1251"),
            "/other.html": (200, html_page(texts.ENGLISH_OTHER), "text/html"),
            "/empty.html": (200, b"", "text/html"),
            "/binary": (200, b"\x00\x01\x02binary\xff" * 100, "application/octet-stream"),
            "/binary-as-html": (200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40, "text/html"),
            "/image.png": (200, b"\x89PNG\r\n\x1a\n", "image/png"),
            "/no-article.html": (200, texts.HTML_NO_ARTICLE.encode("utf-8"), "text/html; charset=utf-8"),
            "/de.html": (200, html_page(texts.GERMAN, lang="de"), "text/html; charset=utf-8"),
            "/feed.rss": (200, rss(self, "/en.html", "/de.html", "/uk.html"), "application/rss+xml"),
            "/feed-as-xml": (200, rss(self, "/en.html"), "text/xml"),
            "/feed.atom": (200, atom(self, "/uk.html", "/en.html"), "application/atom+xml"),
            "/not-a-feed.xml": (200, b"<?xml version='1.0'?><catalog><book>Dune</book></catalog>", "application/xml"),
            "/empty-feed.rss": (200, rss(self), "application/rss+xml"),
        }
