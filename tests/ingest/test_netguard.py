"""Only public http(s) addresses are fetched, checked after DNS resolution."""

from __future__ import annotations

import pytest

from core.errors import FetchRefusedError
from ingest.netguard import AddressPolicy


def resolving_to(*addresses: str) -> AddressPolicy:
    return AddressPolicy(resolver=lambda host, port: list(addresses))


def test_a_public_address_is_the_connection_target() -> None:
    target = resolving_to("93.184.215.14").target("https://news.example.com/a")
    assert (target.scheme, target.host, target.port, target.address) == (
        "https",
        "news.example.com",
        443,
        "93.184.215.14",
    )


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("0.0.0.0", "private or reserved"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
        ("::ffff:169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_hosts_resolving_to_internal_addresses_are_refused(address: str, reason: str) -> None:
    with pytest.raises(FetchRefusedError, match=reason):
        resolving_to(address).target("http://innocent.example/feed")


def test_one_internal_address_among_public_ones_is_enough_to_refuse() -> None:
    with pytest.raises(FetchRefusedError, match=r"10\.1\.2\.3"):
        resolving_to("93.184.215.14", "10.1.2.3").target("http://mixed.example/")


def test_allowing_loopback_allows_nothing_else() -> None:
    policy = AddressPolicy(allow_loopback=True, resolver=lambda h, p: ["127.0.0.1"])
    assert policy.target("http://localhost:8080/feed").port == 8080
    for address in ("10.0.0.1", "169.254.169.254"):
        guarded = AddressPolicy(allow_loopback=True, resolver=lambda h, p, a=address: [a])
        with pytest.raises(FetchRefusedError):
            guarded.target("http://x.example/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "file:// is not fetched"),
        ("ftp://example.com/feed.xml", "ftp:// is not fetched"),
        ("gopher://example.com/", "gopher:// is not fetched"),
        ("example.com/feed", "no scheme is not fetched"),
        ("http:///nohost", "has no host name"),
        ("http://user:pw@example.com/", "user name or password"),
        ("http://example.com:99999/", "port"),
    ],
)
def test_urls_that_are_not_plain_http_are_refused(url: str, message: str) -> None:
    with pytest.raises(FetchRefusedError, match=message):
        resolving_to("93.184.215.14").target(url)


def test_a_name_that_does_not_resolve_is_refused_with_the_reason() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    with pytest.raises(FetchRefusedError, match=r"cannot resolve nowhere\.invalid"):
        AddressPolicy(resolver=fail).target("http://nowhere.invalid/")


def test_the_default_policy_refuses_the_loopback_server() -> None:
    with pytest.raises(FetchRefusedError, match="loopback"):
        AddressPolicy().target("http://127.0.0.1:8000/")
