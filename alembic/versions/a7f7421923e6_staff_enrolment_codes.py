"""staff enrolment codes: after an admin's reset, a one-time code comes with the password

Accounts waiting to enrol keep enrolling with the password alone (an account made with
`iep staff add`, whose secret the person saw at the terminal); only resets from now on
issue a code.

Revision ID: a7f7421923e6
Revises: fe2903a5335f
Create Date: 2026-12-05 19:45:12.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "a7f7421923e6"
down_revision: str | None = "fe2903a5335f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staffuser") as batch:
        batch.add_column(
            sa.Column("enrolment_code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch.add_column(sa.Column("enrolment_code_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staffuser") as batch:
        batch.drop_column("enrolment_code_expires_at")
        batch.drop_column("enrolment_code_hash")
