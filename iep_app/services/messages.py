"""The message thread that travels with a package and its forwards."""

from __future__ import annotations

from sqlmodel import Session, col, select

from iep_app.models import Message, Transaction, pk, utcnow
from iep_app.services.errors import ValidationFailed

MAX_MESSAGE_LENGTH = 4000


def add(
    *, session: Session, transaction: Transaction, author: str, text: str, is_system: bool = False
) -> Message:
    """Add a message to a transaction's thread.

    Raises:
        ValidationFailed: the text is empty or too long.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("message", "Type a message first.")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationFailed("message", f"A message may be at most {MAX_MESSAGE_LENGTH} characters.")
    message = Message(
        transaction_pk=pk(transaction),
        origin_public_id=transaction.public_id or "",
        author=author[:200],
        is_system=is_system,
        text=text,
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def thread(*, session: Session, transaction_pk: int) -> list[Message]:
    """A transaction's messages, oldest first."""
    query = (
        select(Message)
        .where(Message.transaction_pk == transaction_pk)
        .order_by(col(Message.created_at), col(Message.id))
    )
    return list(session.exec(query))
