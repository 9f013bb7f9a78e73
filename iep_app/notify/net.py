"""Network helpers shared by the mail and SMS senders."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` names this machine, where clear-text traffic stays local.

    Args:
        host: A host name or IP address, as written in a URL or setting.

    Returns:
        True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1), else False.
    """
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
