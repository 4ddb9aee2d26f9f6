"""Fetching a web page and its direct resources for a capture, keeping the exact bytes exchanged.

Each request goes out on a socket we open ourselves, to an address we resolved and checked
(:func:`resolve_public`): only http and https, and never a loopback, private, link-local or other
non-public address, so nobody can make the server read its own network (SSRF). Connecting to the
checked address, not re-resolving the name, closes the gap a DNS answer changing between check
and connection would open. The response is parsed by ``http.client`` while every byte read from
the socket is copied to a spool file: that copy is what the WARC response record holds.

Nothing fetched is interpreted here beyond reading the HTML for ``src``/``href`` attributes.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch that could not be done; ``code`` and ``params`` say why in terms a reason text can use."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Policy:
    timeout: float
    max_bytes: int
    user_agent: str
    allow_loopback: bool = False


@dataclass
class Exchange:
    """One request and its response, as sent and received."""

    url: str
    request: bytes
    response: tempfile.SpooledTemporaryFile  # the raw response bytes (status line, headers, body as sent)
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes  # the decoded body (chunked framing removed)
    remote_ip: str
    date: str  # when the response began, ISO 8601 UTC

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def location(self) -> str | None:
        value = self.headers.get("Location")
        return urljoin(self.url, value.strip()) if value else None


@dataclass
class Page:
    """The page after redirects, every exchange that led to it, and its resources' exchanges."""

    exchanges: list[Exchange] = field(default_factory=list)
    resources: list[Exchange] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)  # resources that could not be fetched, and why

    @property
    def final(self) -> Exchange:
        return self.exchanges[-1]

    def close(self) -> None:
        for exchange in self.exchanges + self.resources:
            exchange.response.close()


def check_url(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL, or ``FetchError``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError("bad_url") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError("scheme")
    if not parts.hostname:
        raise FetchError("bad_url")
    if parts.username or parts.password:
        raise FetchError("credentials")  # a password in the address would be stored in the archive
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve_public(host: str, port: int, *, allow_loopback: bool) -> str:
    """The address to connect to: refused when the name has any non-public address."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("dns") from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not (address.is_global or allow_loopback and address.is_loopback):
            raise FetchError("private_address")
        addresses.append(str(address))
    if not addresses:
        raise FetchError("dns")
    return addresses[0]


class _Tee:
    """The socket's file for ``http.client``: every byte it reads is also written to ``copy``."""

    def __init__(self, raw, copy, limit: int, deadline: float):
        self.raw, self.copy, self.limit, self.count, self.deadline = raw, copy, limit, 0, deadline

    def _keep(self, data: bytes) -> bytes:
        self.count += len(data)
        if self.count > self.limit:
            raise FetchError("too_big")
        # A server that sends its headers a byte at a time is still held to the deadline.
        if time.monotonic() > self.deadline:
            raise FetchError("timeout")
        self.copy.write(data)
        return data

    def read(self, amt=None):
        return self._keep(self.raw.read(amt))

    def read1(self, amt=-1):
        return self._keep(self.raw.read1(amt))

    def readline(self, limit=-1):
        return self._keep(self.raw.readline(limit))

    def readinto(self, buffer):
        n = self.raw.readinto(buffer)
        if n:
            self._keep(bytes(memoryview(buffer)[:n]))
        return n

    def peek(self, n=0):
        return self.raw.peek(n)

    def close(self):
        self.raw.close()

    def flush(self):
        pass


class _Socket:
    def __init__(self, tee):
        self.tee = tee

    def makefile(self, mode, *args, **kwargs):
        return self.tee


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    # Percent-encode what is not already; keep what is (a URL as the page wrote it).
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return path + (f"?{query}" if query else "")


def _host_header(host: str, port: int, scheme: str) -> str:
    name = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")
    return name if port == (443 if scheme == "https" else 80) else f"{name}:{port}"


def fetch(url: str, policy: Policy, *, deadline: float) -> Exchange:
    """GET ``url`` once (no redirects followed), within ``deadline`` (``time.monotonic()``)."""
    scheme, host, port = check_url(url)
    address = resolve_public(host, port, allow_loopback=policy.allow_loopback)
    request = (
        f"GET {_request_target(url)} HTTP/1.1\r\n"
        f"Host: {_host_header(host, port, scheme)}\r\n"
        f"User-Agent: {policy.user_agent}\r\n"
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
        "Accept-Encoding: identity\r\n"
        "Connection: close\r\n\r\n"
    ).encode("latin-1", "replace")
    copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError("timeout")
    sock = None
    try:
        sock = socket.create_connection((address, port), timeout=min(remaining, policy.timeout))
        if scheme == "https":
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        sock.sendall(request)
        date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        tee = _Tee(sock.makefile("rb"), copy, policy.max_bytes, deadline)
        response = http.client.HTTPResponse(_Socket(tee), method="GET")
        response.begin()
        chunks = []
        while True:
            if time.monotonic() > deadline:
                raise FetchError("timeout")
            sock.settimeout(max(0.1, min(deadline - time.monotonic(), policy.timeout)))
            chunk = response.read(64 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
    except FetchError:
        copy.close()
        raise
    except ssl.SSLError:
        copy.close()
        raise FetchError("tls") from None
    except TimeoutError:
        copy.close()
        raise FetchError("timeout") from None
    except ConnectionRefusedError:
        copy.close()
        raise FetchError("refused") from None
    except (OSError, http.client.HTTPException):
        copy.close()
        raise FetchError("connection") from None
    finally:
        if sock is not None:
            sock.close()
    copy.seek(0)
    return Exchange(url=url, request=request, response=copy, status=response.status, reason=response.reason,
                    headers=response.headers, body=b"".join(chunks), remote_ip=address, date=date)


class _Links(HTMLParser):
    """``src`` of images and scripts, ``href`` of stylesheets, and the ``<base href>``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.base = None
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value for name, value in attrs if value}
        if tag == "base" and self.base is None and "href" in attrs:
            self.base = attrs["href"]
        elif tag in ("img", "script") and "src" in attrs:
            self.links.append(attrs["src"])
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or "").lower().split() and "href" in attrs:
            self.links.append(attrs["href"])


def resource_urls(exchange: Exchange, limit: int) -> list[str]:
    """The direct resources of an HTML page: absolute http(s) URLs, each once, at most ``limit``."""
    if exchange.content_type not in ("text/html", "application/xhtml+xml"):
        return []
    charset = exchange.headers.get_content_charset() or "utf-8"
    try:
        text = exchange.body.decode(charset, "replace")
    except LookupError:
        text = exchange.body.decode("utf-8", "replace")
    parser = _Links()
    parser.feed(text)
    parser.close()
    base = urljoin(exchange.url, parser.base) if parser.base else exchange.url
    found = []
    for link in parser.links:
        absolute = urljoin(base, link.strip())
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https"):
            absolute = urlunsplit(parts._replace(fragment=""))
            if absolute not in found and absolute != exchange.url:
                found.append(absolute)
        if len(found) >= limit:
            break
    return found


def fetch_following(url: str, policy: Policy, *, deadline: float, hops: int = 5) -> list[Exchange]:
    """``url`` and the redirects it leads to (at most ``hops``), every exchange kept."""
    exchanges = []
    try:
        while True:
            exchange = fetch(url, policy, deadline=deadline)
            exchanges.append(exchange)
            if exchange.status not in REDIRECTS or not exchange.location:
                return exchanges
            if len(exchanges) > hops:
                raise FetchError("redirects")
            url = exchange.location
    except FetchError:
        for exchange in exchanges:
            exchange.response.close()
        raise


def fetch_page(url: str, policy: Policy, *, max_resources: int, max_total: int) -> Page:
    """The page (following redirects; ``FetchError`` unless it answers 2xx) and its direct resources
    (each failure noted, not fatal), within the policy's limits."""
    page = Page()
    page.exchanges = fetch_following(url, policy, deadline=time.monotonic() + policy.timeout)
    final = page.final
    if not 200 <= final.status < 300:
        status, reason = final.status, final.reason
        page.close()
        raise FetchError("http_status", status=status, reason=reason)
    total = sum(e.response.seek(0, 2) for e in page.exchanges)
    for e in page.exchanges:
        e.response.seek(0)
    for resource in resource_urls(final, max_resources):
        if total >= max_total:
            page.notes.append({"code": "total_cap", "url": resource})
            break
        try:
            exchanges = fetch_following(resource, policy, deadline=time.monotonic() + policy.timeout, hops=3)
        except FetchError as error:
            page.notes.append({"code": "resource_failed", "url": resource, "why": error.code})
            continue
        for exchange in exchanges:
            total += exchange.response.seek(0, 2)
            exchange.response.seek(0)
        page.resources.extend(exchanges)
    return page
