"""case numbers from a sequence per office and year (PostgreSQL)

Revision ID: 0013_case_number_sequences
Revises: 0012_jobs
Create Date: 2026-12-03 09:00:00.000000

``case_number_next(office, year)`` draws an office's next case number of a year from a sequence
of its own, made on the year's first filing (continuing the year's counter if numbers were
counted there before). Unlike the counter row, which each filing kept locked until it
committed, a sequence never makes one filing wait for another. SQLite keeps the counter.
"""

from alembic import op

revision = "0013_case_number_sequences"
down_revision = "0012_jobs"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION case_number_next(office text, year integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    sequence text := 'case_number_' || office || '_' || year;
    counted bigint;
BEGIN
    LOOP
        IF to_regclass(quote_ident(sequence)) IS NOT NULL THEN
            RETURN nextval(quote_ident(sequence)::regclass);
        END IF;
        SELECT c.last INTO counted FROM casecounter c
            WHERE c.office_code = office AND c.year = case_number_next.year;
        BEGIN
            EXECUTE format('CREATE SEQUENCE %I START WITH %s', sequence, coalesce(counted, 0) + 1);
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            NULL;  -- made by another filing at the same moment: draw from that one
        END;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS case_number_next(text, integer)")
