"""A small web site on loopback for the capture tests: a page with an image, a stylesheet and a
script, a redirect to it, errors, and an address that never answers."""

from __future__ import annotations

import io

from PIL import Image

from tests import loopback


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()
CSS = b"body { background: #eef url(/bg.png) no-repeat; font-family: sans-serif; }\n"
JS = b"document.title = document.title + ' (scripted)';\n"
PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>Dismissal order</title>"
    b"<link rel='stylesheet' href='/style.css'><script src='/app.js'></script></head>"
    b"<body><h1>\xd0\x9d\xd0\xb0\xd0\xba\xd0\xb0\xd0\xb7 \xe2\x84\x96 5</h1><p>Teacher dismissed.</p>"
    b"<img src='img.png' alt='stamp'><img src='/img.png#again' alt='same'></body></html>"
)

# A page that asks for addresses in private networks, directly and from a script.
PRIVATE_PAGE = (
    b"<!doctype html><html><body><p>Innocent page</p><img src='http://10.255.255.1/x.png'>"
    b"<iframe src='http://169.254.169.254/latest/meta-data/'></iframe></body></html>"
)


class Handler(loopback.Handler):
    def do_GET(self):
        self.site.requests.append(self.path)
        routes = {
            "/page.html": (200, PAGE, "text/html; charset=utf-8"),
            "/img.png": (200, PNG, "image/png"),
            "/bg.png": (200, PNG, "image/png"),
            "/private.html": (200, PRIVATE_PAGE, "text/html"),
            "/style.css": (200, CSS, "text/css"),
            "/app.js": (200, JS, "text/javascript"),
            "/missing": (404, b"<h1>Not here</h1>", "text/html"),
            "/broken": (500, b"<h1>Broken</h1>", "text/html"),
        }
        if self.path == "/to-private":
            self._send(302, b"", "text/html", {"Location": "http://169.254.169.254/latest/meta-data/"})
        elif self.path == "/redirect":
            self._send(302, b"", "text/html", {"Location": "/page.html"})
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"<html><body>", b"<p>in parts</p>", b"</body></html>"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/drip":
            # headers a few bytes at a time, each within the socket timeout, the whole past the deadline
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(40):
                if self.site.release.wait(0.1):
                    return
                self.wfile.write(b"X-Slow: a\r\n")
                self.wfile.flush()
            self.wfile.write(b"Content-Length: 0\r\n\r\n")
        elif self.path == "/silent":
            self.site.release.wait(30)  # never answers while the test waits
        elif self.path == "/big":
            self._send(200, b"x" * (300 * 1024), "application/octet-stream")
        elif self.path in routes:
            self._send(*routes[self.path])
        else:
            self._send(404, b"no", "text/plain")


class Site(loopback.Site):
    handler = Handler
