"""Builders for the staff side: accounts, signed-in sessions, TOTP codes."""

from __future__ import annotations

from datetime import datetime

import pyotp
from sqlmodel import Session

from iep_app.models import StaffUser, utcnow
from iep_app.services import audit
from iep_app.services.staff import accounts, second_factor
from iep_app.services.staff.sessions import StaffIdentity
from iep_app.settings import Settings, get_settings

PASSWORD = "correct horse battery staple"


def make_staff(
    session: Session, *, username: str = "alice", admin: bool = False, password: str = PASSWORD
) -> StaffUser:
    user = accounts.add(
        session=session,
        secret_key=get_settings().secret_key,
        username=username,
        password=password,
        is_admin=admin,
        actor=audit.CLI,
        now=utcnow(),
    )
    session.commit()
    return user


def totp_secret(user: StaffUser) -> str:
    """The account's TOTP secret in clear (the `settings` fixture shares the process's key)."""
    return second_factor.totp_secret(user, secret_key=get_settings().secret_key)


def code_for(user: StaffUser, now: datetime, offset: int = 0) -> str:
    return pyotp.TOTP(totp_secret(user), digits=accounts.TOTP_DIGITS).at(now, counter_offset=offset)


def wrong_code_for(user: StaffUser, now: datetime) -> str:
    """A code of the right length that the authenticator does not show now."""
    right = code_for(user, now)
    return next(d * accounts.TOTP_DIGITS for d in "01" if d * accounts.TOTP_DIGITS != right)


def sign_in(
    session: Session, settings: Settings, user: StaffUser, *, now: datetime | None = None
) -> tuple[str, StaffIdentity]:
    """Password and code: a complete session token and who it is."""
    now = now or utcnow()
    accepted = accounts.sign_in_password(
        session=session,
        secret_key=settings.secret_key,
        username=user.username,
        password=PASSWORD,
        now=now,
    )
    who = accounts.sign_in_code(
        session=session,
        secret_key=settings.secret_key,
        session_token=accepted.session_token,
        code=code_for(user, now),
        now=now,
    )
    session.commit()
    return accepted.session_token, who


def make_patient(session: Session, *, patient_id: str, name: str, birth: str = "19700101"):
    from iep_app.models import Patient

    patient = Patient(patient_id=patient_id, patient_name=name, birth_date=birth)
    session.add(patient)
    session.flush()
    return patient


def as_staff(session: Session, *, admin: bool = True) -> StaffIdentity:
    """A StaffIdentity without going through sign-in (services take who is acting)."""
    from sqlmodel import select

    from iep_app.services.staff.sessions import identity

    username = "root" if admin else "clerk"
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    return identity(user or make_staff(session, username=username, admin=admin))
