"""A web site on loopback for tests that fetch (evidence capture, news): a threaded server on a free
port, a handler that answers routes and records every path asked, and a ``release`` event that ends
the slow answers when the test closes the site. Each site module subclasses both."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: Site  # set on the subclass made per server

    def log_message(self, format, *args):
        pass

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class Site:
    handler: type[Handler] = Handler

    def __init__(self):
        self.requests: list[str] = []
        self.release = threading.Event()
        handler = type(f"{type(self).__name__}Handler", (self.handler,), {"site": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        # serve_forever checks for shutdown every poll_interval (0.5 s by default), so each close waited
        # up to half a second: about 40 s of every suite pass went to that wait.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
