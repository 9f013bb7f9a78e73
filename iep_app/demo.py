"""Demo data: a synthetic CT shared with a demo recipient, so a fresh install has something to open."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import col, select

from iep_app import routes
from iep_app.db import session_scope
from iep_app.dicom.ingest import ingest_paths
from iep_app.dicom.store import FileStore
from iep_app.dicom.synthetic import make_ct_series
from iep_app.models import AuthMethod, Individual, Transaction, utcnow
from iep_app.services import audit, outbox
from iep_app.services.directory.contacts import ContactDetails
from iep_app.services.transactions import records, sharing
from iep_app.settings import Settings

DEMO_EMAIL = "alex.demo@example.org"
DEMO_OTP_EMAIL = "alex.codes@example.org"
DEMO_SLICES = 200


def _demo_series(settings: Settings) -> Path:
    folder = settings.data_dir / "demo-ct"
    if not any(folder.glob("*.dcm")):
        folder.mkdir(parents=True, exist_ok=True)
        make_ct_series(folder, slices=DEMO_SLICES)
    return folder


def _live_demo_transaction(settings: Settings) -> str | None:
    """A new link to the newest still-available demo package, if there is one."""
    with session_scope() as session:
        found = session.exec(
            select(Transaction)
            .join(Individual, col(Individual.id) == col(Transaction.recipient_pk))
            .where(Individual.email == DEMO_EMAIL)
            .order_by(col(Transaction.id).desc())
        ).first()
        if found is None or records.unavailable_reason(found, utcnow()) is not None:
            return None
        token = records.issue_link(session=session, secret_key=settings.secret_key, transaction=found)
        return routes.link_url(settings.public_url, token)


def _has_transactions() -> bool:
    with session_scope() as session:
        return session.exec(select(Transaction.id)).first() is not None


def ensure_demo(settings: Settings, *, always: bool = False) -> None:
    """Share the demo CT when the database is empty (or always), and print how to open it."""
    link = None if always else _live_demo_transaction(settings)
    if link is None and (always or not _has_transactions()):
        report = ingest_paths([_demo_series(settings)], FileStore(settings.store_dir))
        with session_scope() as session:
            shared = sharing.share(
                session=session,
                settings=settings,
                report=report,
                recipient=ContactDetails(
                    email=DEMO_EMAIL,
                    first_name="Alex",
                    last_name="Demo",
                    auth_method=AuthMethod.EMAIL,
                    auth_email=DEMO_OTP_EMAIL,
                ),
                message="Demo: your CT images. This is synthetic data, not a real patient.",
                retention_days=None,
                sent_by=settings.org_name,
                actor=audit.DEMO,
                now=utcnow(),
            )
        asyncio.run(outbox.deliver(shared.outgoing, settings=settings, now=utcnow()))
        link = shared.link_url
    if link is None:
        return
    where = (
        f"the mailbox of {DEMO_OTP_EMAIL} via {settings.smtp_host}"
        if settings.smtp_host
        else f"the newest file in {settings.outbox_dir} (mail is not sent without IEP_SMTP_HOST)"
    )
    print("\n" + "=" * 72)
    print(f"Demo recipient's link: {link}")
    print("Click 'Click here to start'; the one-time password then appears in")
    print(f"  {where}")
    print("=" * 72 + "\n", flush=True)
