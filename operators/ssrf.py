"""URL sources of a KnowledgeBase: never a way into the cluster, the node or the cloud's
metadata service, unless the resource says so (``allowPrivateUrls``).

A URL passes when it is http(s) and *every* address its host resolves to is a global unicast
address: loopback, private (RFC 1918, ULA), link-local (169.254/16 with the metadata address,
fe80::/10), shared (100.64/10), multicast, reserved and unspecified addresses are refused, as are
IPv4 addresses hidden in IPv6 (``::ffff:127.0.0.1``). Resolution is real (``getaddrinfo``), so
a name that points inside is caught too. :class:`GuardedResolver` applies the same rule to
every connection the download makes (redirects included), so a name that resolves differently
the second time (DNS rebinding) is still refused.

Errors::

    UrlError                      the URL cannot be used
     ├── RefusedUrlError               a bad spec: scheme or an address that is not global
     └── UnresolvableUrlError          the name does not resolve (may heal: DNS, a typo)
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

# Names that mean the metadata service on the big clouds, whatever they resolve to here.
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog"})
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlError(ValueError):
    pass


class RefusedUrlError(UrlError):
    pass


class UnresolvableUrlError(UrlError):
    pass


def refusal(address: Address) -> str | None:
    """Why ``address`` is not allowed as a source, or None when it is a global address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "the cloud metadata address"
    for test, what in (
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_private, "private"),
        (address.is_multicast, "multicast"),
        (address.is_unspecified, "unspecified"),
        (address.is_reserved, "reserved"),
    ):
        if test:
            return f"a {what} address"
    if not address.is_global:
        return "not a global address"
    return None


def host_of(url: str) -> str:
    """The host of an http(s) URL. Raises RefusedUrlError for another scheme or no host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedUrlError(f"{url}: only http and https URLs can be sources")
    if not parts.hostname:
        raise RefusedUrlError(f"{url}: no host")
    return parts.hostname


async def resolve(host: str, port: int = 443) -> list[Address]:
    """Every address ``host`` resolves to (a literal address is itself). Raises
    UnresolvableUrlError."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnresolvableUrlError(f"{host} does not resolve ({exc.strerror})") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


def _check_name(host: str, allow_private: bool) -> None:
    if not allow_private and host.lower().rstrip(".") in METADATA_HOSTS:
        raise RefusedUrlError(f"{host} is the cloud metadata service: refused")


def _check(host: str, addresses: list[Address], allow_private: bool) -> None:
    if allow_private:
        return
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise RefusedUrlError(
                f"{host} resolves to {address}, {reason}: refused (set allowPrivateUrls: true "
                "on the KnowledgeBase to allow addresses inside)"
            )


async def check_url(url: str, allow_private: bool = False) -> list[Address]:
    """Resolve the URL's host and refuse it unless every address is global (or allowed).

    Raises RefusedUrlError or UnresolvableUrlError.
    """
    host = host_of(url)
    _check_name(host, allow_private)
    addresses = await resolve(host)
    _check(host, addresses, allow_private)
    return addresses


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver with the rule above applied to every connection it opens."""

    def __init__(self, allow_private: bool = False) -> None:
        self.allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        _check_name(host, self.allow_private)
        addresses = await resolve(host, port or 443)
        _check(host, addresses, self.allow_private)
        results: list[ResolveResult] = []
        for address in addresses:
            results.append(
                {
                    "hostname": host,
                    "host": str(address),
                    "port": port,
                    "family": socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            )
        return results

    async def close(self) -> None:
        return None
