"""retiree cases (退休人员缴费年限核定): one detail row per case, the inputs and the assessment

Revision ID: 0009_retirees
Revises: 0008_registrations
Create Date: 2026-12-02 07:00:00.000000

The assessment (total, minimum, shortfall, settling pool and office) is stored as computed at
filing, with the confidence of the configured values it rests on.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_retirees"
down_revision = "0008_registrations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retireecase",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("id_number", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("sex", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("retirement_date", sa.Date(), nullable=False),
        sa.Column("periods", sa.JSON(), nullable=False),
        sa.Column("total_years", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("minimum_years", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("shortfall_years", sa.Numeric(precision=6, scale=1), nullable=False),
        sa.Column("settling_pool", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("settling_office", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("minimum_confidence", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column(
            "settlement_confidence", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["settling_office"], ["office.code"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("retireecase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retireecase_id_number"), ["id_number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("retireecase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retireecase_id_number"))
    op.drop_table("retireecase")
