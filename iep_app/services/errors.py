"""Named domain errors that services raise and states turn into words for people."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a person may be shown; the message holds no patient data."""


class ValidationFailed(DomainError):
    """Input from a person is not acceptable; `field` names which input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class LinkNotFound(DomainError):
    """The link is unknown or was withdrawn."""


class PackageUnavailable(DomainError):
    """The package can no longer be opened; `reason` is expired, declined or revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"package {reason}")
        self.reason = reason


class TooManyCodes(DomainError):
    """The hourly budget of one-time passwords for this package is spent."""


class NoActiveCode(DomainError):
    """There is no live code to check: none sent, used, voided or locked after wrong tries."""


class CodeExpired(DomainError):
    """The code was right once but its ten minutes have passed."""


class CodeRejected(DomainError):
    """A wrong code; `remaining` tries are left before the code is void."""

    def __init__(self, remaining: int) -> None:
        super().__init__(f"wrong code, {remaining} tries left")
        self.remaining = remaining


class SessionEnded(DomainError):
    """The verified session is unknown, ended, or idle for too long."""


class NotAllowed(DomainError):
    """The caller may not do this (wrong session, wrong transaction, wrong step)."""


class NothingToShare(DomainError):
    """A share found no usable image; nothing was created."""


class SignInFailed(DomainError):
    """Wrong username, password or code; `remaining` tries before a lock, when it may be told."""

    def __init__(self, remaining: int | None = None) -> None:
        super().__init__("sign-in failed")
        self.remaining = remaining


class AccountLocked(DomainError):
    """Too many failed sign-ins; the account is locked until `until`."""

    def __init__(self, until: object) -> None:
        super().__init__("account locked")
        self.until = until
