"""A transaction as the staff lists show it: the list of all and an individual's packages."""

from __future__ import annotations

from iep_app import routes
from iep_app.services.staff.search import Row
from iep_app.states.staff.common import short_time
from iep_app.vocabulary import person_name


def row_view(row: Row, lang: str) -> dict[str, str]:
    """One list row as plain strings for the page, its times in the reader's language."""
    return {
        "public_id": row.public_id,
        "url": routes.admin_transaction_url(row.public_id),
        "recipient": row.recipient_name,
        "email": row.recipient_email,
        "patient": person_name(row.patient_name),
        "patient_id": row.patient_id,
        "created": short_time(row.created_at, lang),
        "until": short_time(row.available_until, lang),
        "activity": short_time(row.last_activity_at, lang),
        "status": row.status,
    }
