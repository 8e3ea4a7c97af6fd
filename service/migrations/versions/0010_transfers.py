"""relation transfers: the transfer's own columns, one row per case

Revision ID: 0010_transfers
Revises: 0009_retirees
Create Date: 2026-12-02 07:00:00.000000

The person's ID number is indexed: filing looks for an open transfer of the same person.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_transfers"
down_revision = "0009_retirees"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfercase",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "transfer_out_office", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False
        ),
        sa.Column(
            "transfer_in_office", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False
        ),
        sa.Column("person_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("id_number", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("scheme_out", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("scheme_in", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("suspended_on", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("periods", sa.JSON(), nullable=False),
        sa.Column("account_balance", sa.Numeric(12, 2), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["transfer_in_office"], ["office.code"]),
        sa.ForeignKeyConstraint(["transfer_out_office"], ["office.code"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("transfercase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfercase_id_number"), ["id_number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transfercase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfercase_id_number"))
    op.drop_table("transfercase")
