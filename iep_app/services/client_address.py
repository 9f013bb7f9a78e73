"""Whose request is this: the peer's address, or what trusted reverse proxies say it was.

X-Forwarded-For is written by whoever sends the request; a client that sets it could give
itself a fresh rate-limit budget per request and put anything in the audit trail. It is read
only when the peer is a configured proxy (IEP_TRUSTED_PROXIES), and then from the right: the
right-most address that is not a trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from iep_app.settings import IPNetwork

# What budgets and the audit trail use when no address is known: one shared key, so a
# missing address is never a way around a budget.
UNKNOWN = "unknown"


def _parsed(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def resolve(peer: str, forwarded_for: str, trusted: Iterable[IPNetwork]) -> str:
    """The client's address for budgets and the audit trail.

    Args:
        peer: the address the connection came from.
        forwarded_for: the X-Forwarded-For header as received ("" when absent).
        trusted: the networks of reverse proxies whose header is believed.

    Returns:
        An IP address in its canonical text form, or ``UNKNOWN``.
    """
    networks = tuple(trusted)

    def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in networks)

    current = _parsed(peer)
    if current is None:
        return UNKNOWN
    hops = [h for h in forwarded_for.split(",") if h.strip()] if is_trusted(current) else []
    for hop in reversed(hops):
        if not is_trusted(current):
            break
        parsed = _parsed(hop)
        if parsed is None:
            break  # a hop nobody trusted wrote this: keep the last address a trusted proxy gave
        current = parsed
    return str(current)
