"""index rows by patient and by stored bytes: a UID no longer identifies a row alone

A study re-sent with corrected demographics keeps its UIDs; keyed by UID alone its rows
kept the first patient, so a second package showed one patient and served another's file.
Studies are now unique per (UID, patient), series per (UID, study), instances per stored file.

Revision ID: dc0b8a4a572e
Revises: fb04d568969d
Create Date: 2026-12-05 19:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "dc0b8a4a572e"
down_revision: str | None = "fb04d568969d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The first schema left its UNIQUE(uid) constraints unnamed: PostgreSQL named them
# <table>_<column>_key; on SQLite a batch rebuild finds them through this convention.
_SQLITE_NAMES = {"uq": "%(table_name)s_%(column_0_name)s_key"}
_CHANGES = [
    # table, old unique column, new constraint, its columns
    ("study", "study_instance_uid", "uq_study_uid_patient", ["study_instance_uid", "patient_pk"]),
    ("series", "series_instance_uid", "uq_series_uid_study", ["series_instance_uid", "study_pk"]),
    ("instance", "sop_instance_uid", "uq_instance_storage_key", ["storage_key"]),
]


def upgrade() -> None:
    for table, column, name, columns in _CHANGES:
        with op.batch_alter_table(table, naming_convention=_SQLITE_NAMES) as batch:
            batch.drop_constraint(f"{table}_{column}_key", type_="unique")
            batch.create_unique_constraint(name, columns)
    with op.batch_alter_table("instance") as batch:
        batch.create_index("ix_instance_sop_instance_uid", ["sop_instance_uid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("instance") as batch:
        batch.drop_index("ix_instance_sop_instance_uid")
    for table, column, name, _ in reversed(_CHANGES):
        with op.batch_alter_table(table, naming_convention=_SQLITE_NAMES) as batch:
            batch.drop_constraint(name, type_="unique")
            batch.create_unique_constraint(f"{table}_{column}_key", [column])
