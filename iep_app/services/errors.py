"""Named domain errors that services raise and states turn into words for people."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from iep_app.i18n import DEFAULT_LANGUAGE, catalogue, translate


class DomainError(Exception):
    """Base of every error a person may be shown; the message holds no patient data."""


class Refusal(DomainError):
    """A refusal worded by the catalogue entry `key` filled with `params`.

    The words live only in the catalogues (iep_app/locales); `message_of` says them in the
    reader's language. The exception's message is the key, for logs.
    """

    field = ""

    def __init__(self, key: str, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.params = dict(params or {})


class ValidationFailed(Refusal):
    """Input from a person is not acceptable: `field` names the input, `key` and `params` the words.

    `detail` is an outside library's own English explanation, which only the command line prints.
    """

    def __init__(
        self, field: str, key: str, params: Mapping[str, Any] | None = None, *, detail: str = ""
    ) -> None:
        super().__init__(key, params)
        self.field = field
        self.detail = detail


def invalid(field: str, key: str, **params: Any) -> ValidationFailed:
    """A ValidationFailed for `field`, worded by the catalogue entry `key` filled with `params`."""
    return ValidationFailed(field, key, params)


def message_of(error: Refusal, lang: str | None, *, page: str = "", **params: Any) -> str:
    """The words a person is shown for a refusal: the one place service errors are translated.

    Args:
        error: What a service refused.
        lang: The reader's language; the command line and the HTTP API use English ("en").
        page: A page that words some fields its own way: when the catalogue has
            `<page>.bad_<field>` (``admin.send.bad_email``), that entry wins over the error's own.
        **params: Values the page's own wording needs beyond the error's parameters.

    Returns:
        Plain text (escape it before putting it into HTML).
    """
    own = f"{page}.bad_{error.field}" if page and error.field else ""
    # Every language has the same keys (a test checks), so English answers for all.
    key = own if own in catalogue(DEFAULT_LANGUAGE) else error.key
    return translate(lang, key, **{**error.params, **params})


class LookupsSpent(Refusal):
    """A recipient asked whether too many addresses are in the directory; `until` says when to try again."""

    def __init__(self, until: datetime) -> None:
        super().__init__("invalid.lookups_spent", {"time": until})
        self.until = until


class LinkNotFound(DomainError):
    """The link is unknown or was withdrawn."""


class PackageUnavailable(DomainError):
    """The package can no longer be opened; `reason` is expired, declined or revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"package {reason}")
        self.reason = reason


class TooManyCodes(Refusal):
    """A budget of one-time passwords for this package is spent: `key` words which (hour or day)."""


class CodesLocked(Refusal):
    """Too many wrong codes for this package in all: no code is sent or checked until staff unlock."""

    def __init__(self) -> None:
        super().__init__("otp.locked_ask_sender")


class TooManyWrongCodes(Refusal):
    """The client address entered too many wrong codes (on any package); nothing is checked for now."""

    def __init__(self) -> None:
        super().__init__("otp.address_limited")


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


class NotInPackage(DomainError):
    """The object asked for is not part of this package (to the caller: it does not exist)."""


class NotAllowed(DomainError):
    """The caller may not do this (wrong session, wrong transaction, wrong step)."""


class WizardIncomplete(DomainError):
    """A wizard step is missing or wrong; `step` is where the person must go back to."""

    def __init__(self, step: int, errors: dict[str, ValidationFailed]) -> None:
        super().__init__(f"step {step} is not complete")
        self.step = step
        self.errors = errors


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


class SignInThrottled(DomainError):
    """Too many failed sign-ins from one client address; it must wait."""


class SecretUnreadable(DomainError):
    """A sealed secret does not open: another IEP_SECRET_KEY, copied from another row, or damaged."""

    def __init__(self) -> None:
        super().__init__("stored secret unreadable with this key for this owner")


class EnrolmentCodeExpired(DomainError):
    """The enrolment code was right but is used already or past its time: an admin must reset again."""
