"""Named rate-limit policies, counted in the database so every worker shares one budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from iep_app.models import RateEvent


@dataclass(frozen=True)
class Policy:
    """At most `budget` uses per key within a rolling `window`."""

    name: str
    budget: int
    window: timedelta


# A recipient may ask whether one full address is in the directory (never a prefix, never a
# name), counted twice. 20 per chain of forwards per day, keyed by its root package so that
# forwarding (a new package) gives no fresh budget: enough to find a GP or two after typos,
# far too few to harvest patient contacts by guessing addresses.
DIRECTORY_LOOKUPS_PER_PACKAGE = Policy("lookup-package", 20, timedelta(days=1))
# 30 per client address per hour: one network cannot spend many packages' budgets at once.
DIRECTORY_LOOKUPS_PER_CLIENT = Policy("lookup-client", 30, timedelta(hours=1))
# 10 forwards of one package per day: a GP sending on to colleagues fits; a verified session
# used to mail the hospital's links to a list of strangers does not.
FORWARDS = Policy("forward", 10, timedelta(days=1))
# 30 wrong one-time passwords per client address per hour, across every package: a person
# mistyping needs a handful; one address holding many links cannot spend each link's lock budget
# (recipient.otp.WRONG_CODES_BEFORE_LOCK) in turn faster than 720 guesses a day. Behind a shared
# address (a hospital's NAT, or "unknown") its people share the budget; the lock protects each
# package regardless.
WRONG_CODES_PER_ADDRESS = Policy("otp-wrong", 30, timedelta(hours=1))


def _bucket(policy: Policy, key: str) -> str:
    return f"{policy.name}:{key}"[:120]


def allow(*, session: Session, policy: Policy, key: str, now: datetime) -> bool:
    """Count one use against the policy if the budget allows it.

    Args:
        session: the database session (the use commits with the caller's work).
        policy: the named budget.
        key: whose budget (e.g. a transaction ID).
        now: the current time.

    Returns:
        True when the use is allowed (and recorded), False when the budget is spent.
    """
    bucket = _bucket(policy, key)
    since = now - policy.window
    session.exec(delete(RateEvent).where(col(RateEvent.bucket) == bucket, col(RateEvent.at) <= since))
    used = session.exec(select(func.count()).select_from(RateEvent).where(RateEvent.bucket == bucket)).one()
    if used >= policy.budget:
        return False
    session.add(RateEvent(bucket=bucket, at=now))
    session.flush()
    return True


def free_at(*, session: Session, policy: Policy, key: str, now: datetime) -> datetime:
    """When the budget next allows a use: now, or when the oldest use in the window runs out."""
    bucket = _bucket(policy, key)
    oldest = session.exec(
        select(func.min(RateEvent.at)).where(
            RateEvent.bucket == bucket, col(RateEvent.at) > now - policy.window
        )
    ).one()
    if oldest is None or remaining(session=session, policy=policy, key=key, now=now) > 0:
        return now
    return oldest + policy.window


def remaining(*, session: Session, policy: Policy, key: str, now: datetime) -> int:
    """How many uses the budget still allows now, without counting one."""
    bucket = _bucket(policy, key)
    used = session.exec(
        select(func.count())
        .select_from(RateEvent)
        .where(RateEvent.bucket == bucket, col(RateEvent.at) > now - policy.window)
    ).one()
    return max(policy.budget - used, 0)
