"""The SSRF guard: a webhook may only reach the public internet.

`target_check` resolves the URL's host and refuses it when ANY address it resolves to
is loopback, private, link-local (cloud metadata among them), multicast, reserved,
unspecified or otherwise not globally routable, including IPv4 hidden in IPv6
(mapped, 6to4, Teredo, NAT64). It runs when an endpoint is saved (a form error) and
again before every delivery, since DNS can change; the sender then connects to the
addresses checked here and no others, so a second lookup cannot point it elsewhere.

WEBHOOKS_ALLOW_LOOPBACK (development and tests) lets 127.0.0.1 and ::1 through, and
plain http with them; nothing else.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IP = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("192.0.0.192"),  # Oracle Cloud
}
LOOPBACK = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(ValueError):
    """The URL may not be used; the message says why, for the form or the log."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written, lower case: the Host header and TLS name
    port: int
    path: str  # path and query, as sent
    addresses: tuple[str, ...]  # every address the host resolved to, all checked


def loopback_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False))


def target_check(url: str) -> Target:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise TargetRefused("The URL must start with https://.")
    if parts.username or parts.password:
        raise TargetRefused("Leave the user name and password out of the URL.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("The URL has no host name.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused("The URL's port is not a number from 1 to 65535.") from exc
    addresses = resolve(host, port)
    for address in addresses:
        refusal = refusal_for(address)
        if refusal:
            raise TargetRefused(
                f"{host} resolves to {address}, {refusal}: webhooks go only to public addresses."
            )
    if scheme == "http" and not (loopback_allowed() and addresses_are_loopback(addresses)):
        raise TargetRefused("The URL must start with https://.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host.lower(), port, path, tuple(str(a) for a in addresses))


def resolve(host: str, port: int) -> list[IP]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"{host} could not be found (no DNS answer).") from exc
    found: list[IP] = []
    for info in infos:
        # A scoped IPv6 address ("fe80::1%eth0") is link-local: drop the scope to judge it.
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise TargetRefused(f"{host} could not be found (no DNS answer).")
    return found


def addresses_are_loopback(addresses: list[IP]) -> bool:
    return all(a in LOOPBACK for a in addresses)


def refusal_for(address: IP) -> str | None:
    """Why the address may not be reached, or None when it is public."""
    if address in LOOPBACK and loopback_allowed():
        return None
    if address in METADATA:
        return "a cloud metadata address"
    embedded = embedded_ipv4(address)
    if embedded is not None:
        reason = refusal_for(embedded)
        return f"which carries {embedded}, {reason}" if reason else None
    for flag, reason in (
        ("is_loopback", "a loopback address"),
        ("is_unspecified", "an unspecified address"),
        ("is_link_local", "a link-local address"),
        ("is_private", "a private address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(address, flag):
            return reason
    if not address.is_global:
        return "an address that is not public"
    return None


def embedded_ipv4(address: IP) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None
