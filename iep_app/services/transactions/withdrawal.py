"""Withdrawing a package's emailed links, and ending its verified sessions when its person may change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.sql.dml import Update
from sqlmodel import Session, col

from iep_app.models import AccessLink, RecipientSession
from iep_app.services import audit
from iep_app.services.audit import Action

# Why links were withdrawn, as the timeline's detail says it.
LINK_RESENT = "link resent"  # only the newest link of a package works
ADDRESS_CHANGED = "address changed"  # the person at the old address may not be who was meant


def withdraw(
    *,
    session: Session,
    transaction_pk: int,
    actor: str,
    why: str,
    now: datetime,
    ip: str = "",
    end_sessions: bool = False,
) -> int:
    """Make every link of a package emailed so far stop working, and maybe end its sessions.

    A withdrawn link's page then says the link is not valid, as for an unknown one, and shows
    nothing of the package (records.by_link refuses it). Each withdrawal, and each ending of
    sessions, is on the package's timeline.

    Args:
        session: the database session (the withdrawal commits with the caller's work).
        transaction_pk: the package.
        actor: who withdraws them (audit.staff_actor(...)).
        why: LINK_RESENT or ADDRESS_CHANGED, for the timeline.
        now: the current time.
        ip: the client address of the actor.
        end_sessions: also end the package's verified sessions (its browsers must verify again).

    Returns:
        How many links stopped working.
    """
    links = (
        update(AccessLink)
        .where(col(AccessLink.transaction_pk) == transaction_pk, col(AccessLink.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    sessions = (
        update(RecipientSession)
        .where(
            col(RecipientSession.transaction_pk) == transaction_pk, col(RecipientSession.ended_at).is_(None)
        )
        .values(ended_at=now)
    )
    steps: list[tuple[Update, str, str]] = [(links, Action.LINKS_WITHDRAWN, "links")]
    if end_sessions:
        steps.append((sessions, Action.SESSION_ENDED, "sessions"))
    counts = []
    for statement, action, counted in steps:
        count = session.exec(statement).rowcount
        if count:
            audit.record(
                session=session,
                now=now,
                action=action,
                actor=actor,
                transaction_pk=transaction_pk,
                ip=ip,
                why=why,
                **{counted: count},
            )
        counts.append(count)
    return counts[0]
