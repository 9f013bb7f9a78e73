"""Random tokens and their keyed hashes: what is stored is never what was sent."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    """A URL-safe random token with 192 bits of entropy."""
    return secrets.token_urlsafe(24)


def token_hash(secret_key: str, purpose: str, token: str) -> str:
    """Keyed SHA-256 of a token, so a copy of the database cannot be replayed as links.

    Args:
        secret_key: the application's secret key.
        purpose: a label that keeps hashes of different kinds of token apart.
        token: the token as the client holds it.

    Returns:
        64 hex characters.
    """
    message = f"{purpose}:{token}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Compare two hashes in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())
