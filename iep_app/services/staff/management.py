"""Admins manage the staff accounts: add, disable or enable, reset the second factor, change role."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from iep_app.models import StaffUser
from iep_app.services import audit
from iep_app.services.audit import Action
from iep_app.services.errors import NotAllowed
from iep_app.services.staff import second_factor, sessions
from iep_app.services.staff.accounts import add
from iep_app.services.staff.second_factor import EnrolmentCode
from iep_app.services.staff.sessions import StaffIdentity


def list_staff(*, session: Session) -> list[StaffUser]:
    """Every account, by username."""
    return list(session.exec(select(StaffUser).order_by(col(StaffUser.username))))


def _managed(session: Session, by: StaffIdentity, staff_pk: int) -> StaffUser:
    if not by.is_admin:
        raise NotAllowed()
    user = session.get(StaffUser, staff_pk)
    if user is None:
        raise NotAllowed()
    return user


def _other_active_admins(session: Session, user: StaffUser) -> int:
    return session.exec(
        select(func.count())
        .select_from(StaffUser)
        .where(
            col(StaffUser.is_admin).is_(True),
            col(StaffUser.disabled).is_(False),
            StaffUser.id != user.id,
        )
    ).one()


def set_disabled(
    *, session: Session, by: StaffIdentity, staff_pk: int, disabled: bool, now: datetime
) -> StaffUser:
    """Disable (ending every session) or re-enable an account; admins only.

    Raises:
        NotAllowed: not an admin, unknown account, or it would leave no active admin.
    """
    user = _managed(session, by, staff_pk)
    if disabled and user.is_admin and _other_active_admins(session, user) == 0:
        raise NotAllowed()
    user.disabled = disabled
    if disabled:
        sessions.end_all(session=session, staff_pk=staff_pk, now=now)
    else:
        user.failed_logins, user.locked_until = 0, None
    action = Action.STAFF_DISABLED if disabled else Action.STAFF_ENABLED
    audit.record(session=session, now=now, action=action, actor=by.actor, username=user.username)
    return user


def reset_second_factor(
    *, session: Session, secret_key: str, by: StaffIdentity, staff_pk: int, now: datetime
) -> EnrolmentCode:
    """Give an account a new TOTP secret, enrolled at its next sign-in with a one-time code; admins only.

    Returns:
        The enrolment code to show the admin once: with the password it shows the new secret.

    Raises:
        NotAllowed: not an admin, or unknown account.
    """
    user = _managed(session, by, staff_pk)
    second_factor.new_secret(user, secret_key=secret_key)
    code = second_factor.issue_enrolment_code(user, secret_key=secret_key, now=now)
    sessions.end_all(session=session, staff_pk=staff_pk, now=now)
    audit.record(
        session=session,
        now=now,
        action=Action.STAFF_2FA_RESET,
        actor=by.actor,
        username=user.username,
        code_expires_at=code.expires_at,
    )
    return code


def set_admin(
    *, session: Session, by: StaffIdentity, staff_pk: int, is_admin: bool, now: datetime
) -> StaffUser:
    """Give or take the admin role; admins only, and never the last active admin's.

    Raises:
        NotAllowed: not an admin, unknown account, or it would leave no active admin.
    """
    user = _managed(session, by, staff_pk)
    if not is_admin and user.is_admin and _other_active_admins(session, user) == 0:
        raise NotAllowed()
    user.is_admin = is_admin
    audit.record(
        session=session,
        now=now,
        action=Action.STAFF_ROLE_CHANGED,
        actor=by.actor,
        username=user.username,
        admin=is_admin,
    )
    return user


def add_by_admin(
    *,
    session: Session,
    secret_key: str,
    by: StaffIdentity,
    username: str,
    password: str,
    is_admin: bool,
    now: datetime,
    display_name: str = "",
) -> EnrolmentCode:
    """An admin creates an account from the staff page (enrolment happens at its first sign-in).

    Returns:
        The enrolment code to show the admin once: the person types it with the password.

    Raises:
        NotAllowed: not an admin.
        ValidationFailed: as add().
    """
    if not by.is_admin:
        raise NotAllowed()
    user = add(
        session=session,
        secret_key=secret_key,
        username=username,
        password=password,
        is_admin=is_admin,
        display_name=display_name,
        actor=by.actor,
        now=now,
    )
    return second_factor.issue_enrolment_code(user, secret_key=secret_key, now=now)
