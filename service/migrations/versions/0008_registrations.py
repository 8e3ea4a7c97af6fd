"""registration cases (参保登记): their own columns, one row per case

Revision ID: 0008_registrations
Revises: 0007_user_sessions
Create Date: 2026-12-02 07:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_registrations"
down_revision = "0007_user_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registrationcase",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("person_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("id_number", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("scheme", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("pool_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("registrationcase", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registrationcase_id_number"), ["id_number"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("registrationcase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrationcase_id_number"))
    op.drop_table("registrationcase")
