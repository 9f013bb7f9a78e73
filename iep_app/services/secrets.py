"""Random tokens, their keyed hashes, and sealed secrets: what is stored is never what was sent."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from iep_app.services.errors import SecretUnreadable

_SEALED = "v1"
_NONCE_BYTES = 12


def new_token() -> str:
    """A URL-safe random token with 192 bits of entropy."""
    return secrets.token_urlsafe(24)


def new_code(alphabet: str, length: int) -> str:
    """A random code of `length` characters drawn uniformly from `alphabet`, for people to type."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


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


def _sealing_key(secret_key: str, purpose: str) -> bytes:
    # HKDF with a label of its own: the AES key is never the HMAC key of token_hash,
    # and each purpose has its own key.
    label = f"iep sealed {_SEALED} {purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret_key.encode())


def seal(secret_key: str, purpose: str, owner: str, plain: str) -> str:
    """Encrypt a secret the server must read back (AES-256-GCM), bound to its owner.

    Args:
        secret_key: the application's secret key (the AES key is derived from it).
        purpose: a label that keeps keys of different kinds of secret apart.
        owner: who the secret belongs to (e.g. "staffuser:7"): a sealed value copied to
            another owner does not open.
        plain: the secret.

    Returns:
        "v1:" and the URL-safe base64 of nonce and ciphertext (ASCII, 4/3 of 28 bytes more than plain).
    """
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(_sealing_key(secret_key, purpose)).encrypt(nonce, plain.encode(), owner.encode())
    return f"{_SEALED}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def is_sealed(stored: str) -> bool:
    """Whether a stored value has the sealed form (not whether it opens)."""
    return stored.startswith(f"{_SEALED}:")


def unseal(secret_key: str, purpose: str, owner: str, stored: str) -> str:
    """Decrypt what seal() gave for the same key, purpose and owner.

    Raises:
        SecretUnreadable: another key, purpose or owner, an unknown form, or damaged bytes.
    """
    if not is_sealed(stored):
        raise SecretUnreadable()
    try:
        raw = base64.urlsafe_b64decode(stored[len(_SEALED) + 1 :].encode())
        plain = AESGCM(_sealing_key(secret_key, purpose)).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], owner.encode()
        )
        return plain.decode()
    except (binascii.Error, ValueError, InvalidTag):
        raise SecretUnreadable() from None
