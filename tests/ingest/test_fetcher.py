"""Fetching is bounded and polite: caps, timeouts, redirects, retries, robots.txt, 304s."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from core.errors import FetchError, FetchRefusedError
from ingest.fetcher import Fetcher, HostThrottle
from ingest.netguard import AddressPolicy
from tests.ingest.conftest import POLICY
from tests.ingest.localweb import LocalWeb, Route, endless, gzip_bomb


def test_a_page_is_fetched_with_a_clear_user_agent(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.route("/a", Route(b"<p>hello</p>"))
    response = fetcher.get(url)
    assert response.status == 200 and response.body == b"<p>hello</p>"
    assert response.content_type == "text/html"
    assert web.headers_of("/a")[0]["user-agent"] == POLICY.user_agent


def test_an_unchanged_resource_costs_a_304_with_its_etag(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.route("/feed", Route(b"<rss/>", etag='"v1"'))
    first = fetcher.get(url)
    again = fetcher.get(url, etag=first.etag)
    assert first.etag == '"v1"' and again.not_modified and again.body == b""
    assert web.headers_of("/feed")[1]["if-none-match"] == '"v1"'


def test_last_modified_is_sent_back(web: LocalWeb, fetcher: Fetcher) -> None:
    stamp = "Fri, 20 Nov 2026 08:00:00 GMT"
    url = web.route("/f", Route(b"x", headers={"Last-Modified": stamp}))
    assert fetcher.get(url).last_modified == stamp
    fetcher.get(url, last_modified=stamp)
    assert web.headers_of("/f")[1]["if-modified-since"] == stamp


def test_a_page_over_the_cap_is_refused_while_it_streams(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.route("/big", endless(total=50 * 1024 * 1024))
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"more than 1\.0 MB; refused"):
        fetcher.get(url)
    assert time.monotonic() - started < 5  # stopped at the cap, not after 50 MB


def test_a_declared_size_over_the_cap_is_refused_before_reading(
    web: LocalWeb, fetcher: Fetcher
) -> None:
    url = web.route("/declared", Route(b"x" * (2 * 1024 * 1024)))
    with pytest.raises(FetchError, match=r"2\.0 MB is over the 1\.0 MB cap"):
        fetcher.get(url)


def test_a_gzip_bomb_stops_at_the_cap_of_decompressed_bytes(
    web: LocalWeb, fetcher: Fetcher
) -> None:
    url = web.route("/bomb", gzip_bomb(expanded=100 * 1024 * 1024))
    with pytest.raises(FetchError, match=r"more than 1\.0 MB; refused"):
        fetcher.get(url)


def test_a_slow_server_times_out_and_is_retried_then_reported(
    web: LocalWeb, fetcher: Fetcher
) -> None:
    url = web.route("/slow", Route(b"late", delay=3.0))
    with pytest.raises(FetchError, match="timed out") as caught:
        fetcher.get(url)
    assert caught.value.transient
    assert web.hits("/slow") == POLICY.retries + 1


def test_5xx_is_retried_with_back_off(web: LocalWeb) -> None:
    pauses: list[float] = []
    with Fetcher(POLICY, AddressPolicy(allow_loopback=True), sleep=pauses.append) as fetcher:
        url = web.route("/down", Route(b"oops", status=503))
        with pytest.raises(FetchError, match="HTTP 503") as caught:
            fetcher.get(url)
    assert caught.value.transient and caught.value.status == 503
    assert web.hits("/down") == 3
    assert pauses == [0.01, 0.02]  # doubling back-off between attempts


def test_a_5xx_that_recovers_returns_the_page(web: LocalWeb, fetcher: Fetcher) -> None:
    answers = iter([Route(b"busy", status=502), Route(b"fine")])

    def flaky(handler: object) -> None:
        LocalWeb._serve(handler, next(answers))  # type: ignore[arg-type]

    url = web.route("/flaky", flaky)
    assert fetcher.get(url).body == b"fine"


@pytest.mark.parametrize("status", [404, 410, 403])
def test_4xx_is_not_retried(web: LocalWeb, fetcher: Fetcher, status: int) -> None:
    url = web.route("/gone", Route(b"no", status=status))
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        fetcher.get(url)
    assert not caught.value.transient
    assert web.hits("/gone") == 1


def test_429_is_not_retried_now_but_marked_for_later(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.route("/busy", Route(b"slow down", status=429))
    with pytest.raises(FetchError, match=r"429.*retried on a later poll") as caught:
        fetcher.get(url)
    assert caught.value.transient and web.hits("/busy") == 1


def test_redirects_are_followed_and_the_final_url_reported(web: LocalWeb, fetcher: Fetcher) -> None:
    web.route("/old", Route(status=301, location="/new"))
    web.route("/new", Route(b"moved here"))
    response = fetcher.get(web.url("/old"))
    assert response.body == b"moved here" and response.url == web.url("/new")


def test_a_redirect_loop_is_reported(web: LocalWeb, fetcher: Fetcher) -> None:
    web.route("/ping", Route(status=302, location="/pong"))
    web.route("/pong", Route(status=302, location="/ping"))
    with pytest.raises(FetchError, match="redirect loop"):
        fetcher.get(web.url("/ping"))


def test_redirects_are_capped(web: LocalWeb, fetcher: Fetcher) -> None:
    for n in range(10):
        web.route(f"/hop{n}", Route(status=302, location=f"/hop{n + 1}"))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher.get(web.url("/hop0"))


def test_a_redirect_to_a_private_address_is_refused(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.route("/sneaky", Route(status=302, location="http://169.254.169.254/latest/"))
    with pytest.raises(FetchRefusedError, match="link-local"):
        fetcher.get(url)


def test_a_redirect_to_a_file_url_is_refused(web: LocalWeb, fetcher: Fetcher) -> None:
    url = web.route("/file", Route(status=302, location="file:///etc/passwd"))
    with pytest.raises(FetchRefusedError, match="file:// is not fetched"):
        fetcher.get(url)


def test_robots_txt_is_obeyed(web: LocalWeb, fetcher: Fetcher) -> None:
    web.route(
        "/robots.txt",
        Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
    )
    allowed = web.route("/news/1", Route(b"ok"))
    blocked = web.route("/private/1", Route(b"secret"))
    assert fetcher.get(allowed).body == b"ok"
    with pytest.raises(FetchError, match=r"robots\.txt .* does not allow it") as caught:
        fetcher.get(blocked)
    assert not caught.value.transient
    assert web.hits("/private/1") == 0
    assert web.hits("/robots.txt") == 1  # read once per host


def test_robots_txt_rules_for_newsdesk_apply_to_it(web: LocalWeb, fetcher: Fetcher) -> None:
    web.route(
        "/robots.txt",
        Route(b"User-agent: Newsdesk-test\nDisallow: /\n\nUser-agent: *\nAllow: /\n"),
    )
    with pytest.raises(FetchError, match="does not allow"):
        fetcher.get(web.route("/a", Route(b"x")))


def test_a_missing_robots_txt_allows_everything(web: LocalWeb, fetcher: Fetcher) -> None:
    assert fetcher.get(web.route("/a", Route(b"x"))).body == b"x"


def test_an_unreadable_robots_txt_means_not_now(web: LocalWeb, fetcher: Fetcher) -> None:
    web.route("/robots.txt", Route(b"down", status=500))
    with pytest.raises(FetchError, match=r"robots\.txt cannot be read") as caught:
        fetcher.get(web.route("/a", Route(b"x")))
    assert caught.value.transient and web.hits("/a") == 0


def test_crawl_delay_slows_requests_to_that_host(web: LocalWeb) -> None:
    now = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    with Fetcher(
        replace(POLICY, host_interval_seconds=1.0),
        AddressPolicy(allow_loopback=True),
        sleep=sleep,
        clock=lambda: now[0],
    ) as fetcher:
        web.route("/robots.txt", Route(b"User-agent: *\nCrawl-delay: 7\n"))
        url = web.route("/a", Route(b"x"))
        fetcher.get(url)
        fetcher.get(url)
    assert pauses == [1.0, 7.0]  # robots.txt, then the page, then the page 7 s later


def test_the_throttle_spaces_requests_per_host() -> None:
    now = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    throttle = HostThrottle(1.0, clock=lambda: now[0], sleep=sleep)
    throttle.wait("a.example")
    throttle.wait("a.example")
    throttle.wait("b.example")  # another host does not wait
    assert pauses == [1.0]


def test_a_refused_connection_is_transient() -> None:
    with Fetcher(POLICY, AddressPolicy(allow_loopback=True)) as fetcher:
        with LocalWeb() as closed:
            url = closed.url("/a")
        with pytest.raises(FetchError, match="connection failed") as caught:
            fetcher.get(url)
    assert caught.value.transient


def test_the_connection_goes_to_the_checked_address_not_a_new_lookup(web: LocalWeb) -> None:
    """DNS rebinding: the address that was checked is the one connected to; the host name
    (which the system cannot even resolve here) is only the Host header."""
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    web.route("/a", Route(b"pinned"))
    port = web.server.server_port
    with Fetcher(POLICY, AddressPolicy(allow_loopback=True, resolver=resolver)) as fetcher:
        assert fetcher.get(f"http://news.invalid:{port}/a").body == b"pinned"
    assert web.headers_of("/a")[0]["host"] == f"news.invalid:{port}"
    assert asked == ["news.invalid", "news.invalid"]  # the page, robots.txt: once each
