"""Polite, bounded HTTP GETs for feeds and pages.

One ``Fetcher`` per run. Every request, and every redirect hop, goes to an address the
``AddressPolicy`` checked (the connection is pinned to it; TLS still verifies the host
name). robots.txt is read once per host and obeyed, a host is asked at most once per
``host_interval_seconds`` (longer if its robots.txt sets a Crawl-delay), responses larger
than ``max_bytes`` *after decompression* are refused while they stream (a gzip bomb stops
at the cap), 5xx answers and network errors are retried with back-off, 4xx are not.
Conditional GETs (ETag / Last-Modified) let an unchanged feed cost one 304.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from core.errors import FetchError, FetchRefusedError
from ingest.netguard import AddressPolicy, Target

_REDIRECTS = (301, 302, 303, 307, 308)
_ROBOTS_MAX_BYTES = 512 * 1024  # what Google reads of a robots.txt
_ROBOTS_TTL_SECONDS = 24 * 3600
_MAX_CRAWL_DELAY = 60.0
_TRANSIENT_STATUSES = (408, 425, 429)


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How politely and how far a fetch may go."""

    user_agent: str
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2
    backoff_seconds: float = 1.0
    host_interval_seconds: float = 1.0
    obey_robots: bool = True

    @property
    def robots_agent(self) -> str:
        """The product token robots.txt rules name ("Newsdesk" of "Newsdesk/0.1 (...)")."""
        return self.user_agent.split("/", 1)[0].strip() or "*"


@dataclass(frozen=True, slots=True)
class Response:
    """A successful GET: 200 with its body, or 304 (not modified) with none."""

    url: str  # after redirects
    status: int
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class HostThrottle:
    """At most one request per host per interval, across threads."""

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._intervals: dict[str, float] = {}
        self._lock = threading.Lock()

    def slow_down(self, host: str, interval: float) -> None:
        """Space this host's requests further apart (a robots.txt Crawl-delay)."""
        with self._lock:
            self._intervals[host] = max(self.interval, min(interval, _MAX_CRAWL_DELAY))

    def wait(self, host: str) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self._intervals.get(host, self.interval)
        if start > now:
            self._sleep(start - now)


class Fetcher:
    """GETs under a ``FetchPolicy`` and an ``AddressPolicy``; use as a context manager."""

    def __init__(
        self,
        policy: FetchPolicy,
        addresses: AddressPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self.addresses = addresses
        self._sleep = sleep
        self._clock = clock
        self.throttle = HostThrottle(policy.host_interval_seconds, clock=clock, sleep=sleep)
        self._robots: dict[str, tuple[float, RobotFileParser]] = {}
        self._robots_lock = threading.Lock()
        # No keep-alive: connections are pinned to checked addresses, and a pooled TLS
        # connection must never carry a request for another host name.
        self._client = httpx.Client(
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
    ) -> Response:
        """GET ``url`` following at most ``max_redirects`` checked redirects.

        Raises ``FetchRefusedError`` for an address that may not be fetched and
        ``FetchError`` for everything else that goes wrong (its ``transient`` says
        whether trying again later makes sense)."""
        target = self.addresses.target(url)  # a refused address is said so, before robots
        if self.policy.obey_robots:
            self._check_robots(url)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get(url, headers, self.policy.max_bytes, target)

    # -- one GET, redirects and retries -------------------------------------------------

    def _get(
        self, url: str, headers: dict[str, str], max_bytes: int, target: Target | None = None
    ) -> Response:
        """GET ``url`` (at ``target``, its checked address, if known), each redirect's
        address checked once, before anything is asked of it."""
        seen = {url}
        current = url
        target = target or self.addresses.target(url)
        for _ in range(self.policy.max_redirects + 1):
            response = self._with_retries(current, target, headers, max_bytes)
            if isinstance(response, Response):
                return response
            location = urljoin(current, response)
            if location in seen:
                raise FetchError(f"{url}: redirect loop at {location}")
            target = self.addresses.target(location)
            if self.policy.obey_robots and _origin(location) != _origin(current):
                self._check_robots(location)
            seen.add(location)
            current = location
        raise FetchError(f"{url}: more than {self.policy.max_redirects} redirects")

    def _with_retries(
        self, url: str, target: Target, headers: dict[str, str], max_bytes: int
    ) -> Response | str:
        """A ``Response``, or the Location of a redirect."""
        attempts = self.policy.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            self.throttle.wait(target.host)
            try:
                return self._once(url, target, headers, max_bytes)
            except _Retryable as exc:
                if last:
                    raise FetchError(f"{url}: {exc}", transient=True, status=exc.status) from None
            self._sleep(self.policy.backoff_seconds * 2**attempt)
        raise AssertionError("unreachable")

    def _once(
        self, url: str, target: Target, headers: dict[str, str], max_bytes: int
    ) -> Response | str:
        request = self._pinned(url, target, headers)
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise _Retryable("timed out") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection failed ({_reason(exc)})") from None
        try:
            status = response.status_code
            if status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"{url}: HTTP {status} redirect without a Location")
                return location
            if status >= 500:
                raise _Retryable(f"HTTP {status} {response.reason_phrase}".rstrip(), status)
            if status == 304:
                return self._response(url, response, b"")
            if status >= 400:
                retry = status in _TRANSIENT_STATUSES
                later = "; retried on a later poll" if retry else ""
                raise FetchError(
                    f"{url}: HTTP {status} {response.reason_phrase}".rstrip() + later,
                    transient=retry,
                    status=status,
                )
            return self._response(url, response, self._body(url, response, max_bytes))
        finally:
            response.close()

    def _pinned(self, url: str, target: Target, headers: dict[str, str]) -> httpx.Request:
        """A request for ``url`` that connects to the checked address, not a fresh lookup;
        the Host header and TLS server name stay the URL's host."""
        parsed = httpx.URL(url)
        request = self._client.build_request(
            "GET",
            parsed.copy_with(host=target.address),
            headers={**headers, "Host": parsed.netloc.decode("ascii")},
        )
        if target.scheme == "https":
            request.extensions["sni_hostname"] = target.host
        return request

    def _body(self, url: str, response: httpx.Response, max_bytes: int) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"{url}: {_size(int(declared))} is over the {_size(max_bytes)} cap")
        parts: list[bytes] = []
        size = 0
        try:
            for part in response.iter_bytes():
                size += len(part)
                if size > max_bytes:
                    raise FetchError(f"{url}: more than {_size(max_bytes)}; refused")
                parts.append(part)
        except httpx.TimeoutException:
            raise FetchError(f"{url}: timed out while reading", transient=True) from None
        except httpx.DecodingError:
            raise FetchError(f"{url}: the response's compression is broken") from None
        except httpx.TransportError as exc:
            raise FetchError(f"{url}: connection lost ({_reason(exc)})", transient=True) from None
        return b"".join(parts)

    def _response(self, url: str, response: httpx.Response, body: bytes) -> Response:
        return Response(
            url=url,
            status=response.status_code,
            body=body,
            content_type=response.headers.get("content-type", "").split(";")[0].strip().lower(),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    # -- robots.txt ------------------------------------------------------------------------

    def _check_robots(self, url: str) -> None:
        origin = _origin(url)
        parser = self._robots_for(origin)
        if not parser.can_fetch(self.policy.robots_agent, url):
            raise FetchError(f"{url}: robots.txt of {urlsplit(url).netloc} does not allow it")

    def _robots_for(self, origin: str) -> RobotFileParser:
        with self._robots_lock:
            cached = self._robots.get(origin)
            if cached and self._clock() - cached[0] < _ROBOTS_TTL_SECONDS:
                return cached[1]
        parser = RobotFileParser(origin + "/robots.txt")
        try:
            response = self._get(
                origin + "/robots.txt", {"Accept": "text/plain"}, _ROBOTS_MAX_BYTES
            )
            lines = response.body.decode("utf-8", "replace").splitlines()
            parser.parse(lines)
        except FetchRefusedError:
            raise
        except FetchError as exc:
            if exc.status is None or exc.status >= 500 or exc.transient:
                raise FetchError(
                    f"{origin}/robots.txt cannot be read ({str(exc).split(': ', 1)[-1]}); "
                    "the site is not fetched until it can",
                    transient=True,
                ) from None
            parser.parse([])  # no robots.txt (4xx): everything is allowed (RFC 9309)
        delay = parser.crawl_delay(self.policy.robots_agent)
        if delay:
            self.throttle.slow_down(urlsplit(origin).hostname or "", float(delay))
        with self._robots_lock:
            self._robots[origin] = (self._clock(), parser)
        return parser


class _Retryable(Exception):
    """A failure worth another attempt: a 5xx, a timeout, a refused connection."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _reason(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:160]


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"
