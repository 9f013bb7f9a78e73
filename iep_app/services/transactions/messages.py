"""The message thread that travels with a package and its forwards."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from iep_app.models import Message, Transaction, pk
from iep_app.services.errors import invalid

MAX_MESSAGE_LENGTH = 4000


def checked_text(text: str, *, field: str = "message") -> str:
    """A message as it will be stored: trimmed, not empty, not too long.

    Raises:
        ValidationFailed: the text is empty or too long.
    """
    text = (text or "").strip()
    if not text:
        raise invalid(field, "invalid.message_empty")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise invalid(field, "invalid.message_too_long", max=MAX_MESSAGE_LENGTH)
    return text


def add(
    *,
    session: Session,
    transaction: Transaction,
    author: str,
    text: str,
    is_system: bool = False,
    now: datetime,
) -> Message:
    """Add a message to a transaction's thread.

    Raises:
        ValidationFailed: the text is empty or too long.
    """
    text = checked_text(text)
    message = Message(
        transaction_pk=pk(transaction),
        origin_public_id=transaction.public_id or "",
        author=author[:200],
        is_system=is_system,
        text=text,
        created_at=now,
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


def copy_thread(*, session: Session, from_transaction_pk: int, to_transaction: Transaction) -> int:
    """Copy a thread onto a forward; each copy keeps its author, origin transaction ID and time.

    Returns:
        How many messages were copied.
    """
    assert to_transaction.id is not None
    originals = thread(session=session, transaction_pk=from_transaction_pk)
    for original in originals:
        session.add(
            Message(
                transaction_pk=to_transaction.id,
                origin_public_id=original.origin_public_id,
                author=original.author,
                is_system=original.is_system,
                text=original.text,
                created_at=original.created_at,
            )
        )
    session.flush()
    return len(originals)
