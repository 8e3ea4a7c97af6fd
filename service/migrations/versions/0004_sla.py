"""SLA clocks of case steps, extensions, and the reminders sent about clocks and acknowledgements

Revision ID: 0004_sla
Revises: 0003_channels
Create Date: 2026-11-26 10:30:00.000000
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_sla"
down_revision = "0003_channels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caseclock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("owing_office", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("paused_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("pause_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("stopped_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("overdue_days", sa.Integer(), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["owing_office"], ["office.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("caseclock", schema=None) as batch_op:
        batch_op.create_index("ix_caseclock_case_id", ["case_id"], unique=False)
        batch_op.create_index("ix_caseclock_status_due", ["status", "due_on"], unique=False)

    op.create_table(
        "clockextension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("new_due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["clock_id"], ["caseclock.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("clockextension", schema=None) as batch_op:
        batch_op.create_index("ix_clockextension_clock_id", ["clock_id"], unique=False)

    op.create_table(
        "clockalert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clock_id"], ["caseclock.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clock_id", "kind", "sent_on", name="uq_clockalert_day"),
    )
    op.create_table(
        "ackalert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notification_id", "kind", "sent_on", name="uq_ackalert_day"),
    )


def downgrade() -> None:
    op.drop_table("ackalert")
    op.drop_table("clockalert")
    with op.batch_alter_table("clockextension", schema=None) as batch_op:
        batch_op.drop_index("ix_clockextension_clock_id")
    op.drop_table("clockextension")
    with op.batch_alter_table("caseclock", schema=None) as batch_op:
        batch_op.drop_index("ix_caseclock_status_due")
        batch_op.drop_index("ix_caseclock_case_id")
    op.drop_table("caseclock")
