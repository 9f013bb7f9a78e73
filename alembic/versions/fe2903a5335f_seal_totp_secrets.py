"""seal TOTP secrets at rest: AES-GCM with a key derived from IEP_SECRET_KEY, bound to the account

Secrets stored in clear are sealed in place; the column grows to hold the sealed form.
The key is the running portal's: IEP_SECRET_KEY (or the development key file) as the
settings read it, so migrate with the same environment as the portal.

Revision ID: fe2903a5335f
Revises: dc0b8a4a572e
Create Date: 2026-12-05 19:23:44.225481
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "fe2903a5335f"
down_revision: str | None = "dc0b8a4a572e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SELECT = sa.text("SELECT id, totp_secret FROM staffuser WHERE totp_secret IS NOT NULL")
_UPDATE = sa.text("UPDATE staffuser SET totp_secret = :value WHERE id = :pk")


def _resize(length: int, was: int) -> None:
    with op.batch_alter_table("staffuser") as batch:
        batch.alter_column(
            "totp_secret",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=was),
            type_=sqlmodel.sql.sqltypes.AutoString(length=length),
            existing_nullable=True,
        )


def upgrade() -> None:
    from iep_app.services import secrets
    from iep_app.services.staff.second_factor import sealed_secret
    from iep_app.settings import get_settings

    _resize(128, was=64)
    connection = op.get_bind()
    rows = connection.execute(_SELECT).all()
    if not rows:
        return
    key = get_settings().secret_key
    for pk, value in rows:
        if not secrets.is_sealed(value):
            connection.execute(_UPDATE, {"pk": pk, "value": sealed_secret(key, pk, value)})


def downgrade() -> None:
    from iep_app.services import secrets
    from iep_app.services.staff.second_factor import opened_secret
    from iep_app.settings import get_settings

    connection = op.get_bind()
    rows = connection.execute(_SELECT).all()
    key = get_settings().secret_key if rows else ""
    for pk, value in rows:
        if secrets.is_sealed(value):
            # SecretUnreadable stops the downgrade: a secret that cannot be opened cannot go back.
            plain = opened_secret(key, pk, value)
            connection.execute(_UPDATE, {"pk": pk, "value": plain})
    _resize(64, was=128)
