"""A small web server on 127.0.0.1 for ingestion tests: routes, statuses, delays, streams.

Nothing in the tests reaches beyond the loopback. Each route is a ``Route`` (a body with
headers, a status, a delay, a redirect, ETag handling) or a function writing the response
itself (for streams that never end and compressed bombs).
"""

from __future__ import annotations

import contextlib
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None  # sent, and a matching If-None-Match gets 304
    location: str | None = None  # for 3xx


Writer = Callable[[BaseHTTPRequestHandler], None]


class LocalWeb:
    """``with LocalWeb() as web: web.route("/a", Route(b"..."))``; ``web.url("/a")``."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Writer] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with web._lock:
                    web.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
                    route = web.routes.get(path)
                if route is None:
                    route = Route(b"not found", status=404, content_type="text/plain")
                if callable(route):
                    route(self)
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    web._serve(self, route)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> LocalWeb:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, route: Route | Writer) -> str:
        with self._lock:
            self.routes[path] = route
        return self.url(path)

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(p == path for p, _ in self.requests)

    def headers_of(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [h for p, h in self.requests if p == path]

    @staticmethod
    def _serve(handler: BaseHTTPRequestHandler, route: Route) -> None:
        import time

        if route.delay:
            time.sleep(route.delay)
        if route.etag and handler.headers.get("If-None-Match") == route.etag:
            handler.send_response(304)
            handler.send_header("ETag", route.etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(route.status)
        handler.send_header("Content-Type", route.content_type)
        handler.send_header("Content-Length", str(len(route.body)))
        if route.etag:
            handler.send_header("ETag", route.etag)
        if route.location:
            handler.send_header("Location", route.location)
        for name, value in route.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(route.body)


def endless(chunk: int = 64 * 1024, total: int = 50 * 1024 * 1024) -> Writer:
    """A page of ``total`` bytes sent without a Content-Length (the cap must stop it)."""

    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Connection", "close")
        handler.end_headers()
        block = b"<p>" + b"x" * (chunk - 7) + b"</p>\n"
        sent = 0
        try:
            while sent < total:
                handler.wfile.write(block)
                sent += len(block)
        except (BrokenPipeError, ConnectionResetError):
            pass

    return write


def gzip_bomb(expanded: int = 200 * 1024 * 1024) -> Writer:
    """A small gzip body that expands to ``expanded`` bytes of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(expanded // len(block))]
    body = b"".join(parts) + compressor.flush()

    def write(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)

    return write


def http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def article_html(
    title: str,
    paragraphs: list[str],
    *,
    site: str = "Harbour Daily",
    author: str | None = "Jane Roe",
    published: str | None = "2026-11-20T08:00:00Z",
    canonical: str | None = None,
) -> bytes:
    """An article page with the furniture real pages have: navigation, a 'most read' box,
    a cookie banner and a footer around the article."""
    meta = [f'<meta property="og:site_name" content="{site}">']
    meta.append(f'<meta property="og:title" content="{title}">')
    if author:
        meta.append(f'<meta name="author" content="{author}">')
    if published:
        meta.append(f'<meta property="article:published_time" content="{published}">')
    if canonical:
        meta.append(f'<link rel="canonical" href="{canonical}">')
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html><head><title>{title} | {site}</title>
{chr(10).join(meta)}</head><body>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
<nav><a href="/">Home</a> | <a href="/world">World</a> | Subscribe</nav>
<article><h1>{title}</h1>
{body}
</article>
<aside><h2>Most read</h2><ul><li><a href="/r1">Ten recipes for autumn</a></li>
<li><a href="/r2">Celebrity wedding photos</a></li></ul></aside>
<footer>© 2026 {site}. All rights reserved. Privacy policy. Cookie settings.</footer>
</body></html>""".encode()


def rss(items: list[dict[str, str]], *, title: str = "Harbour Daily") -> bytes:
    """An RSS 2.0 document; each item has link, title, and optionally pubDate."""
    rows = "".join(
        "<item>"
        f"<title>{i['title']}</title><link>{i['link']}</link>"
        + (f"<pubDate>{i['pubDate']}</pubDate>" if "pubDate" in i else "")
        + (f"<description>{i['description']}</description>" if "description" in i else "")
        + "</item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.invalid/</link>"
        f"<description>news</description>{rows}</channel></rss>"
    ).encode()


def atom(items: list[dict[str, str]], *, title: str = "Harbour Daily") -> bytes:
    rows = "".join(
        f'<entry><title>{i["title"]}</title><link href="{i["link"]}"/>'
        f"<id>{i['link']}</id><updated>{i.get('updated', '2026-11-20T08:00:00Z')}</updated>"
        "</entry>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:x</id><updated>2026-11-20T08:00:00Z</updated>"
        f"{rows}</feed>"
    ).encode()


def rdf(items: list[dict[str, str]], *, title: str = "Harbour Daily") -> bytes:
    """RSS 1.0 (RDF)."""
    rows = "".join(
        f'<item rdf:about="{i["link"]}"><title>{i["title"]}</title><link>{i["link"]}</link>'
        f"<dc:date>{i.get('date', '2026-11-20')}</dc:date></item>"
        for i in items
    )
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="urn:x"><title>{title}</title><link>http://example.invalid/</link>'
        f"<description>news</description></channel>{rows}</rdf:RDF>"
    ).encode()


def rss091(items: list[dict[str, str]], *, title: str = "Harbour Daily") -> bytes:
    rows = "".join(
        f"<item><title>{i['title']}</title><link>{i['link']}</link></item>" for i in items
    )
    return (
        '<?xml version="1.0"?><rss version="0.91"><channel>'
        f"<title>{title}</title><link>http://example.invalid/</link>"
        f"<description>news</description><language>en</language>{rows}</channel></rss>"
    ).encode()
