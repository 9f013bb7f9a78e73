"""Share files and verify their recipient through the services, in the steps a browser takes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from iep_app.dicom.ingest import IngestReport, ingest_paths
from iep_app.dicom.store import FileStore
from iep_app.models import AuthMethod, Transaction, utcnow
from iep_app.services import organisation
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.errors import CodeRejected, CodesLocked
from iep_app.services.recipient import otp, sessions
from iep_app.services.transactions import sharing
from iep_app.settings import Settings


def by_email(email: str, codes_to: str | None = None) -> ContactDetails:
    """A recipient whose codes go by email (to `codes.<email>` unless told)."""
    return ContactDetails(email=email, auth_method=AuthMethod.EMAIL, auth_email=codes_to or f"codes.{email}")


def share_report(
    session: Session,
    settings: Settings,
    report: IngestReport,
    recipient: ContactDetails,
    *,
    message: str | None = None,
    sent_by: str = "Radiology",
    actor: str = "test",
) -> sharing.Shared:
    """Share what an ingest found with one recipient, committed."""
    shared = sharing.share(
        session=session,
        settings=settings,
        report=report,
        recipient=recipient,
        message=message,
        retention_days=None,
        sent_by=sent_by,
        actor=actor,
        now=utcnow(),
    )
    session.commit()
    return shared


def share_files(
    session: Session, settings: Settings, paths: list[Path], recipient: ContactDetails
) -> sharing.Shared:
    """Ingest files into the store and share them with one recipient, committed."""
    return share_report(session, settings, ingest_paths(paths, FileStore(settings.store_dir)), recipient)


def link_token(shared: sharing.Shared) -> str:
    """The token at the end of a shared package's emailed link."""
    return shared.link_url.rsplit("/", 1)[1]


def send_code(
    session: Session, settings: Settings, token: str, *, now: datetime | None = None, ip: str = ""
) -> tuple[str, otp.SentCode]:
    """Click "start" on a link, committed: the code read from the queued message, and what was sent."""
    org = organisation.current(session=session, settings=settings)
    sent = otp.request_code(
        session=session,
        secret_key=settings.secret_key,
        organisation=org,
        token=token,
        now=now or utcnow(),
        ip=ip,
    )
    session.commit()
    code = re.search(rf"\b(\d{{{otp.OTP_DIGITS}}})\b", sent.outgoing.message.text)
    assert code is not None
    return code.group(1), sent


def verify_link(session: Session, settings: Settings, token: str) -> str:
    """Ask for a code on a link, read it from the queued message and type it: the session token."""
    code, _ = send_code(session, settings, token)
    session_token = otp.verify_code(
        session=session, secret_key=settings.secret_key, token=token, code=code, now=utcnow()
    )
    session.commit()
    return session_token


def guess_code(
    session: Session, settings: Settings, token: str, code: str, *, now: datetime, ip: str = ""
) -> str:
    """Type a code on a link: the session token, committed (or, as session_scope does, rolled back)."""
    try:
        session_token = otp.verify_code(
            session=session, secret_key=settings.secret_key, token=token, code=code, now=now, ip=ip
        )
    except Exception:
        session.rollback()
        raise
    session.commit()
    return session_token


def wrong_code(code: str) -> str:
    """A code of the right length that is not `code`."""
    return f"{(int(code) + 1) % 10**otp.OTP_DIGITS:0{otp.OTP_DIGITS}d}"


def enter_wrong_codes(
    session: Session, settings: Settings, token: str, count: int, *, now: datetime, ip: str = ""
) -> list[int | str]:
    """Ask for codes and type `count` wrong ones, five per code (a minute apart).

    Returns:
        What each wrong entry was told: the tries left, or "locked" when the package locked.
    """
    told: list[int | str] = []
    while len(told) < count:
        code, _ = send_code(session, settings, token, now=now, ip=ip)
        for _ in range(min(otp.TRIES_PER_CODE, count - len(told))):
            with pytest.raises((CodeRejected, CodesLocked)) as refused:
                guess_code(session, settings, token, wrong_code(code), now=now, ip=ip)
            told.append(refused.value.remaining if isinstance(refused.value, CodeRejected) else "locked")
        now += timedelta(minutes=1)
    return told


def cookie_grant(session: Session, settings: Settings, session_token: str) -> str:
    """The one-time grant a verified tab swaps for its HttpOnly cookie, committed."""
    grant = sessions.issue_cookie_grant(
        session=session, secret_key=settings.secret_key, session_token=session_token, now=utcnow()
    )
    session.commit()
    return grant


def http_cookie(grant: str, public_id: str) -> str:
    """Swap a grant for the package's cookie through POST /api/session, as the browser does."""
    # Imported here: the bench uses this module without HTTP, and the app is slow to import.
    from starlette.testclient import TestClient

    from iep_app.iep_app import api

    with TestClient(api) as client:
        answer = client.post("/api/session", json={"grant": grant})
        assert answer.status_code == 200
        cookie = answer.cookies.get(f"iep_{public_id}")
    assert cookie
    return cookie


def verified_package(
    session: Session, settings: Settings, paths: list[Path], email: str
) -> tuple[Transaction, str]:
    """Share files, verify a code and swap the grant for the HTTP cookie: (transaction, cookie)."""
    shared = share_files(session, settings, paths, by_email(email))
    session_token = verify_link(session, settings, link_token(shared))
    grant = cookie_grant(session, settings, session_token)
    return shared.transaction, http_cookie(grant, shared.transaction.public_id or "")
