"""Which addresses a fetch may reach: public http(s) hosts only, checked after DNS.

Fetching a URL someone typed is a way into the machine (cloud metadata at 169.254.169.254,
an admin page on 127.0.0.1, a database on 10.0.0.5). Every host is resolved here, every
address it resolves to must be public, and the fetcher then connects to the checked
address itself, so a second DNS answer cannot swap in a private one (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import FetchRefusedError

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = ("http", "https")
_LOOPBACK = "a loopback address"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class Target:
    """A URL's host, port and the one checked address the connection must use."""

    scheme: str
    host: str
    port: int
    address: str


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Public addresses only; ``allow_loopback`` admits 127.0.0.0/8 and ::1 (tests, local
    use) and nothing else: private, link-local and metadata addresses stay refused."""

    allow_loopback: bool = False
    resolver: Resolver = system_resolver

    def target(self, url: str) -> Target:
        """Check the URL's scheme, resolve its host, and return an address that may be
        reached; raises ``FetchRefusedError`` naming the reason otherwise."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            shown = f"{scheme}://" if scheme else "no scheme"
            raise FetchRefusedError(f"{url}: {shown} is not fetched; give an http(s) address")
        try:
            host = parts.hostname
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FetchRefusedError(f"{url}: the port is not a number") from None
        if not host:
            raise FetchRefusedError(f"{url}: the address has no host name")
        if parts.username or parts.password:
            raise FetchRefusedError(f"{url}: addresses with a user name or password are refused")
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or "no address"
            raise FetchRefusedError(f"{url}: cannot resolve {host} ({reason})") from None
        if not addresses:
            raise FetchRefusedError(f"{url}: cannot resolve {host} (no address)")
        for address in addresses:
            reason = self.refusal(address)
            if reason:
                fix = (
                    "set NEWSDESK_FETCH_ALLOW_LOOPBACK=true to fetch from this machine"
                    if reason == _LOOPBACK
                    else "only public addresses are fetched"
                )
                raise FetchRefusedError(f"{url}: {host} resolves to {address}, {reason}; {fix}")
        return Target(scheme, host, port, addresses[0])

    def refusal(self, address: str) -> str | None:
        """Why this address may not be reached, or None if it may."""
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return None if self.allow_loopback else _LOOPBACK
        if ip.is_link_local:
            return "a link-local address (cloud metadata lives there)"
        if ip.is_private or ip.is_reserved or ip.is_unspecified:
            return "a private or reserved address"
        if ip.is_multicast:
            return "a multicast address"
        if not ip.is_global:
            return "not a public address"
        return None
