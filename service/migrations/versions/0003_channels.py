"""notification channels: e-mail and webhooks, delivery attempts

Revision ID: 0003_channels
Revises: 0002_calendar
Create Date: 2026-11-26 10:30:00

Adds the office's duty e-mail address, the users' e-mail opt-in, one webhook endpoint per
office and the time of a delivery's last attempt. Delivery statuses gain ``sending`` (with
``next_attempt_at`` as its lease), ``sent`` (e-mail) and ``dead``; the column is unchanged.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003_channels"
down_revision = "0002_calendar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "duty_email",
                sqlmodel.sql.sqltypes.AutoString(length=255),
                nullable=False,
                server_default="",
            )
        )

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify_by_email", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )

    op.create_table(
        "webhookendpoint",
        sa.Column("office_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["office.code"]),
        sa.PrimaryKeyConstraint("office_code"),
    )


def downgrade() -> None:
    op.drop_table("webhookendpoint")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("last_attempt_at")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("notify_by_email")
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_column("duty_email")
