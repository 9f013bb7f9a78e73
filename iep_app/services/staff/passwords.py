"""Staff passwords: scrypt (memory-hard, standard library) with a per-user salt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

from iep_app.services.errors import invalid

# Cost: 2**15 x 8 x 128 bytes = 32 MiB of memory and about 0.1 s per check on one core,
# which makes guessing from a stolen database slow without making sign-in slow.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_MAXMEM = 64 * 1024 * 1024
_SALT_BYTES = 16
_KEY_BYTES = 32
_SCHEME = "scrypt"

MIN_LENGTH = 12
MAX_LENGTH = 256  # scrypt takes any length; a cap keeps a megabyte "password" out


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=_KEY_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """Hash a password for storage.

    Returns:
        "scrypt$n$r$p$salt$key", with salt and key in base64: the cost travels with the
        hash, so raising it later does not break stored passwords.
    """
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{_SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether a password matches a stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(key)
        actual = _derive(password[:MAX_LENGTH], base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_time(password: str) -> None:
    """Spend the time of one password check on nothing.

    An unknown username then answers as slowly as a wrong password, so timing does not
    tell which usernames exist.
    """
    verify_password(password, _dummy_hash())


def check_strength(password: str, *, username: str) -> str:
    """A password acceptable for a staff account.

    Raises:
        ValidationFailed: too short, too long, or the username itself.
    """
    if len(password) < MIN_LENGTH:
        raise invalid("password", "invalid.password_too_short", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise invalid("password", "invalid.password_too_long", max=MAX_LENGTH)
    if username and username.lower() in password.lower():
        raise invalid("password", "invalid.password_has_username")
    return password
