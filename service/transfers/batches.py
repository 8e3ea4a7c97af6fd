"""Batch transfers: a sheet of people moving between the same two offices. Every row is checked
when the sheet is uploaded, before anything is filed (the form's checks, the transfer's rules,
the same person twice, an open transfer); then each valid row is filed as its own transfer, a
slice per commit, so a page can show the progress and a second click never files a row twice."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import update
from sqlmodel import Session, select

from service.accounts.models import User
from service.audit import service as audit
from service.cases import flows
from service.cases import service as cases
from service.cases.models import Case
from service.errors import N_, DomainError, FieldError, Forbidden, NotFound, ValidationFailed
from service.identifiers import mask_id
from service.offices import service as offices
from service.sla.service import local_today
from service.transfers import batch_file, kind, rules
from service.transfers.batch_file import BatchFileError, SheetRow
from service.transfers.models import TransferBatch, TransferBatchRow, TransferCaseCreate
from service.validation import domain_error_from

SLICE = 50  # rows filed per commit


@dataclass(frozen=True)
class RowError:
    column: str  # a column key of the sheet ("" for the row as a whole)
    message: str  # msgid
    params: dict


def check_upload(
    session: Session,
    *,
    actor: User,
    filename: str,
    content: bytes,
    transfer_out_office: str,
    transfer_in_office: str,
    ip: str = "",
) -> TransferBatch:
    """Read and check the whole sheet; the batch and every row's verdict are stored (nothing is
    filed). A sheet that cannot be read, or offices that do not make a transfer, are refused
    whole (``ValidationFailed`` naming ``file`` or the office)."""
    if actor.role not in kind.KIND.filing_roles:
        raise Forbidden(N_("Your role may not file requests."))
    pools = offices.office_pools(session)
    office_errors = rules.office_errors(
        own_office=actor.office_code,
        out_office=transfer_out_office,
        in_office=transfer_in_office,
        pools=pools,
    )
    if office_errors:
        raise ValidationFailed(errors=office_errors)
    try:
        sheet = batch_file.read(filename, content)
    except BatchFileError as error:
        raise ValidationFailed(errors=[FieldError("file", error.message, error.params)]) from None
    today = local_today()
    verdicts: list[tuple[SheetRow, dict, list[RowError]]] = []
    for row in sheet:
        data = batch_file.create_data(
            row, transfer_out_office=transfer_out_office, transfer_in_office=transfer_in_office
        )
        verdicts.append(
            (row, data, _row_errors(row, data, own=actor.office_code, pools=pools, today=today))
        )
    _person_errors(session, verdicts)
    batch = TransferBatch(
        office_code=actor.office_code,
        created_by=actor.id,
        filename=filename[:200],
        transfer_out_office=transfer_out_office,
        transfer_in_office=transfer_in_office,
        row_count=len(verdicts),
        error_count=sum(1 for _r, _d, errors in verdicts if errors),
    )
    session.add(batch)
    session.flush()
    for row, data, errors in verdicts:
        session.add(
            TransferBatchRow(
                batch_id=batch.id,
                row_number=row.number,
                person_name=row.cells.get("person.name", "")[:200],
                id_number=row.cells.get("person.id_number", "")[:60],
                data=data,
                errors=[
                    {"column": e.column, "message": e.message, "params": e.params} for e in errors
                ],
                refused=bool(errors),
            )
        )
    audit.record(
        session,
        action="transfer.batch_check",
        object_type="transfer_batch",
        object_id=batch.id,
        user=actor,
        ip=ip,
        rows=batch.row_count,
        refused=batch.error_count,
    )
    session.commit()
    return batch


def _row_errors(row: SheetRow, data: dict, *, own: str, pools: dict, today) -> list[RowError]:
    try:
        model = TransferCaseCreate.model_validate(data)
    except ValidationError as exc:
        return [
            RowError(batch_file.column_for(row, e.field), e.message, dict(e.params))
            for e in domain_error_from(exc).errors
        ]
    return [
        RowError(batch_file.column_for(row, e.field), e.message, dict(e.params))
        for e in kind.filing_errors(model, own_office=own, pools=pools, today=today)
    ]


def _person_errors(session: Session, verdicts: list[tuple[SheetRow, dict, list[RowError]]]) -> None:
    """The same person twice in the sheet, or with a transfer open already: refused."""
    valid = [(row, data, errors) for row, data, errors in verdicts if not errors]
    numbers = [TransferCaseCreate.model_validate(data).person.id_number for _row, data, _e in valid]
    open_cases = kind.open_transfers_for(session, numbers)
    first_row: dict[str, int] = {}
    for (row, _data, errors), number in zip(valid, numbers, strict=True):
        if number in first_row:
            errors.append(
                RowError(
                    "person.id_number",
                    N_("This person is in row %(row)s of the file already."),
                    {"row": first_row[number]},
                )
            )
            continue
        first_row[number] = row.number
        if number in open_cases:
            errors.append(
                RowError(
                    "person.id_number",
                    N_("An open transfer for this person exists already: %(number)s."),
                    {"number": open_cases[number].number},
                )
            )


@dataclass(frozen=True)
class FilingProgress:
    batch: TransferBatch  # its counts as committed
    handled: int  # rows this call filed or refused


def file_rows(
    session: Session, *, actor: User, batch_id: int, limit: int | None = SLICE, ip: str = ""
) -> FilingProgress:
    """File the next ``limit`` valid rows not filed yet (None: all of them), one commit per
    slice. Each slice claims its rows (``FOR UPDATE SKIP LOCKED``): two calls at once file
    different rows, never one row twice. A row the rules refuse now (a transfer for the person
    filed meanwhile) gets its error instead."""
    if actor.role not in kind.KIND.filing_roles:
        raise Forbidden(N_("Your role may not file requests."))
    batch = get_batch(session, actor=actor, batch_id=batch_id)
    remaining, handled = limit, 0
    while remaining is None or remaining > 0:
        size = SLICE if remaining is None else min(SLICE, remaining)
        pending = _claim(session, batch.id, size)
        if not pending:
            break
        cases.reserve(session, actor.office_code, cases=len(pending), notifications=len(pending))
        with session.no_autoflush:  # the slice's rows are written together
            outcomes = [(row, _file_row(session, actor=actor, row=row, ip=ip)) for row in pending]
        filed = sum(1 for _row, case_id in outcomes if case_id is not None)
        for row, case_id in outcomes:
            row.case_id = case_id
            session.add(row)
        session.execute(
            update(TransferBatch)
            .where(TransferBatch.id == batch.id)
            .values(
                filed_count=TransferBatch.filed_count + filed,
                error_count=TransferBatch.error_count + (len(pending) - filed),
            )
        )
        audit.record(
            session,
            action="transfer.batch_file",
            object_type="transfer_batch",
            object_id=batch.id,
            user=actor,
            ip=ip,
            filed=filed,
            refused=len(pending) - filed,
        )
        session.commit()
        handled += len(pending)
        if remaining is not None:
            remaining -= len(pending)
        if len(pending) < size:
            break
    session.commit()
    session.refresh(batch)
    return FilingProgress(batch, handled)


def _claim(session: Session, batch_id: int, size: int) -> list[TransferBatchRow]:
    """The next valid rows not filed yet that no other call is filing (locked until commit)."""
    return list(
        session.exec(
            select(TransferBatchRow)
            .where(
                TransferBatchRow.batch_id == batch_id,
                TransferBatchRow.case_id.is_(None),
                TransferBatchRow.refused.is_(False),
            )
            .order_by(TransferBatchRow.row_number)
            .limit(size)
            .with_for_update(skip_locked=True)
        )
    )


def _file_row(session: Session, *, actor: User, row: TransferBatchRow, ip: str) -> int | None:
    """The row filed (its case id), or its refusal written on it (None)."""
    data = TransferCaseCreate.model_validate(row.data)
    try:
        case = flows.file_uncommitted(session, actor=actor, data=data, ip=ip)
    except ValidationFailed as refused:
        row.errors = [
            {
                "column": e.field if e.field in batch_file.BY_KEY else "",
                "message": e.message,
                "params": dict(e.params),
            }
            for e in refused.errors
        ]
    except DomainError as refused:
        row.errors = [{"column": "", "message": refused.message, "params": dict(refused.params)}]
    else:
        return case.id
    row.refused = True
    return None


def get_batch(session: Session, *, actor: User, batch_id: int) -> TransferBatch:
    """A batch of the actor's office (anyone else's is not found)."""
    batch = session.exec(
        select(TransferBatch).where(
            TransferBatch.id == batch_id, TransferBatch.office_code == actor.office_code
        )
    ).one_or_none()
    if batch is None:
        raise NotFound(N_("No such batch."))
    return batch


def batches_of(session: Session, *, actor: User, limit: int = 50) -> list[TransferBatch]:
    return list(
        session.exec(
            select(TransferBatch)
            .where(TransferBatch.office_code == actor.office_code)
            .order_by(TransferBatch.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class RowView:
    """A batch row as lists show it: the ID number masked, the case and its step if filed."""

    number: int
    name: str
    id_masked: str
    errors: list[RowError]
    case: Case | None


def rows_of(session: Session, batch: TransferBatch) -> list[RowView]:
    rows = session.exec(
        select(TransferBatchRow, Case)
        .join(Case, TransferBatchRow.case_id == Case.id, isouter=True)
        .where(TransferBatchRow.batch_id == batch.id)
        .order_by(TransferBatchRow.row_number)
    ).all()
    return [
        RowView(
            number=row.row_number,
            name=row.person_name,
            id_masked=mask_id(row.id_number),
            errors=[RowError(e["column"], e["message"], e["params"]) for e in row.errors],
            case=case,
        )
        for row, case in rows
    ]


def pending_count(batch: TransferBatch) -> int:
    return batch.row_count - batch.error_count - batch.filed_count
