"""batch transfers: an uploaded sheet and its rows, each with its errors or its case

Revision ID: 0011_transfer_batches
Revises: 0010_transfers
Create Date: 2026-12-02 16:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_transfer_batches"
down_revision = "0010_transfers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transferbatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "transfer_out_office", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False
        ),
        sa.Column(
            "transfer_in_office", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False
        ),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("filed_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["office_code"], ["office.code"]),
        sa.ForeignKeyConstraint(["transfer_in_office"], ["office.code"]),
        sa.ForeignKeyConstraint(["transfer_out_office"], ["office.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transferbatch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transferbatch_office_code"), ["office_code"], unique=False
        )
    op.create_table(
        "transferbatchrow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("person_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("id_number", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["transferbatch.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transferbatchrow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transferbatchrow_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transferbatchrow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transferbatchrow_batch_id"))
    op.drop_table("transferbatchrow")
    with op.batch_alter_table("transferbatch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transferbatch_office_code"))
    op.drop_table("transferbatch")
