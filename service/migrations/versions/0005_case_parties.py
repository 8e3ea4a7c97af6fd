"""Case parties by side (an office may play several parts: filer and owner, assisting …), and
what a timeline step replaced

Revision ID: 0005_case_parties
Revises: 0004_sla
Create Date: 2026-12-02 06:00:00.000000
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005_case_parties"
down_revision = "0004_sla"
branch_labels = None
depends_on = None


def _parties_table(primary_key: list[str]) -> None:
    # The rows are derived again from the case row, so the table is simply made anew.
    op.drop_table("caseparty")
    op.create_table(
        "caseparty",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("office_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["office_code"], ["office.code"]),
        sa.PrimaryKeyConstraint(*primary_key),
    )
    with op.batch_alter_table("caseparty", schema=None) as batch_op:
        batch_op.create_index("ix_caseparty_office_case", ["office_code", "case_id"], unique=False)


def upgrade() -> None:
    # One row per office and side (the old table kept one side per office); the case row has
    # always held filer, receiver and owner.
    _parties_table(["case_id", "office_code", "role"])
    op.execute(
        "INSERT INTO caseparty (case_id, office_code, role) "
        "SELECT id, filing_office, 'filer' FROM \"case\" "
        "UNION SELECT id, receiving_office, 'receiver' FROM \"case\" "
        "UNION SELECT id, owner_office, 'owner' FROM \"case\""
    )
    with op.batch_alter_table("caseevent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("caseevent", schema=None) as batch_op:
        batch_op.drop_column("previous")
    _parties_table(["case_id", "office_code"])
    op.execute(
        "INSERT INTO caseparty (case_id, office_code, role) "
        "SELECT id, filing_office, 'filer' FROM \"case\" "
        "UNION SELECT id, receiving_office, 'receiver' FROM \"case\" "
        "WHERE receiving_office <> filing_office"
    )
