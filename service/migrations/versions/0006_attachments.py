"""evidence files (附件/证据材料) on cases: one row per stored file

Revision ID: 0006_attachments
Revises: 0005_case_parties
Create Date: 2026-12-02 05:30:00.000000

The bytes live in the attachment folder (REFERRAL_ATTACHMENT_PATH) under ``storage_key``;
``name`` is the uploader's file name, for display only.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_attachments"
down_revision = "0005_case_parties"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caseattachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("office_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["office_code"], ["office.code"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    with op.batch_alter_table("caseattachment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_caseattachment_case_at", ["case_id", "uploaded_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("caseattachment", schema=None) as batch_op:
        batch_op.drop_index("ix_caseattachment_case_at")
    op.drop_table("caseattachment")
