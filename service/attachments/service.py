"""Evidence file transactions: adding files to a case (the bytes on disk, the row, the timeline
event and the audit entry together), listing them and opening one (audited).

The bytes are written to a temporary file in the attachment folder, hashed and sized while they
stream, recognised by their content and then renamed under a random key. A file whose
transaction does not commit (rolled back, failed or abandoned) is removed again, so the folder
never holds a file the database does not know.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlmodel import Session, select
from werkzeug.datastructures import FileStorage

from config import Settings, get_settings
from service.accounts.models import User
from service.accounts.service import users_by_id
from service.attachments import rules
from service.attachments.models import CaseAttachment
from service.audit import service as audit
from service.cases import service as cases
from service.cases.models import Case
from service.db import utcnow
from service.errors import N_, FieldError, NotFound, ValidationFailed

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
_KEY = re.compile(r"^[0-9a-f]{32}$")
# Files written in the session's current transaction: kept on commit, removed otherwise.
_STAGED = "staged_attachment_files"


def _settings() -> Settings:
    # The app's settings; outside an app context (a script, a test) the process's own.
    return current_app.config["REFERRAL"] if has_app_context() else get_settings()


def storage_path(key: str) -> Path:
    """Where the file of ``key`` lives: <attachment folder>/<first two hex digits>/<key>."""
    if not _KEY.match(key):  # keys are ours; anything else is never turned into a path
        raise NotFound(N_("No such file."))
    return _settings().attachment_folder / key[:2] / key


def _party_offices(session: Session, case: Case) -> set[str]:
    return {office for office, _side in cases.parties_of(session, case.id)}


def may_upload(session: Session, *, actor: User, case: Case) -> bool:
    return rules.may_upload(
        role=actor.role,
        is_party=actor.office_code in _party_offices(session, case),
        status=case.status,
    )


def add_attachment(
    session: Session,
    *,
    actor: User,
    case: Case,
    filename: str | None,
    content: bytes | BinaryIO,
    ip: str = "",
    commit: bool = True,
) -> CaseAttachment:
    """Add one file to the case. With ``commit=False`` the file, its row, the timeline event and
    the audit entry join the caller's transaction (the file disappears if that one does not
    commit)."""
    case = cases.get_visible(session, actor=actor, case_id=case.id)  # NotFound for non-parties
    rules.check_upload(
        role=actor.role,
        is_party=actor.office_code in _party_offices(session, case),
        status=case.status,
    )
    settings = _settings()
    stream = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    folder = settings.attachment_folder
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    key = uuid.uuid4().hex
    temp = folder / "tmp" / f"{key}.part"
    given = rules.display_name(filename, fallback="")
    label = given or "attachment"  # how a refusal names a file that came without a name
    try:
        size, digest = _write(stream, temp, name=label, max_bytes=settings.attachment_max_bytes)
        with temp.open("rb") as written:
            file_type = rules.check_type(
                name=label,
                file_type=rules.detect_type(written),
                allowed=settings.allowed_attachment_types,
            )
        shown = given or f"attachment.{file_type.extensions[0]}"
        # Lock the case so a file cannot slip in while the partner closes it.
        case = session.exec(
            select(Case)
            .where(Case.id == case.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        rules.check_upload(role=actor.role, is_party=True, status=case.status)
        final = storage_path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    session.info.setdefault(_STAGED, []).append(final)

    attachment = CaseAttachment(
        case_id=case.id,
        name=shown,
        size=size,
        sha256=digest,
        content_type=file_type.content_type,
        storage_key=key,
        uploaded_at=utcnow(),
        uploaded_by=actor.id,
        office_code=actor.office_code,
    )
    session.add(attachment)
    cases.record_event(
        session, case, actor=actor, action="attach", from_status=case.status, note=shown
    )
    session.flush()
    audit.record(
        session,
        action="attachment.upload",
        object_type="attachment",
        object_id=attachment.id,
        user=actor,
        ip=ip,
        case_id=case.id,
        name=shown,
        size=size,
        sha256=digest,
        content_type=file_type.content_type,
    )
    if commit:
        session.commit()
    return attachment


def _write(stream: BinaryIO, target: Path, *, name: str, max_bytes: int) -> tuple[int, str]:
    """Copy at most ``max_bytes`` from ``stream`` to ``target``: size and SHA-256 hex."""
    digest = hashlib.sha256()
    size = 0
    with target.open("xb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            rules.check_size(name=name, size=size, max_bytes=max_bytes)
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    rules.check_size(name=name, size=size, max_bytes=max_bytes)
    return size, digest.hexdigest()


def attach_uploads(
    session: Session,
    *,
    actor: User,
    case: Case,
    files: Iterable[FileStorage],
    ip: str = "",
    commit: bool = False,
) -> list[CaseAttachment]:
    """The files of an upload form (empty file inputs skipped), all or none. By default inside
    the caller's transaction: the caller commits — e.g. together with the case it has just
    filed, or the resubmission that completes a returned case."""
    chosen = [f for f in files if f is not None and (f.filename or "").strip()]
    settings = _settings()
    if len(chosen) > settings.attachment_max_files:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "file",
                    N_("At most %(max)s files at a time."),
                    {"max": settings.attachment_max_files},
                )
            ]
        )
    added = [
        add_attachment(
            session,
            actor=actor,
            case=case,
            filename=upload.filename,
            content=upload.stream,
            ip=ip,
            commit=False,
        )
        for upload in chosen
    ]
    if commit and added:
        session.commit()
    return added


@dataclass(frozen=True)
class Listed:
    attachment: CaseAttachment
    uploader: User | None


def list_attachments(session: Session, *, actor: User, case_id: int) -> list[Listed]:
    """The case's files, oldest first, with who uploaded them."""
    case = cases.get_visible(session, actor=actor, case_id=case_id)
    rows = list(
        session.exec(
            select(CaseAttachment)
            .where(CaseAttachment.case_id == case.id)
            .order_by(CaseAttachment.uploaded_at, CaseAttachment.id)
        )
    )
    users = users_by_id(session, {a.uploaded_by for a in rows})
    return [Listed(a, users.get(a.uploaded_by)) for a in rows]


@dataclass(frozen=True)
class Download:
    attachment: CaseAttachment
    path: Path
    file_type: rules.FileType
    download_name: str


def open_attachment(
    session: Session,
    *,
    actor: User,
    case_id: int,
    attachment_id: int,
    ip: str = "",
) -> Download:
    """One file of a case, to be sent: every download is an audit entry (committed here)."""
    case = cases.get_visible(session, actor=actor, case_id=case_id)
    attachment = session.get(CaseAttachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound(N_("No such file."))
    path = storage_path(attachment.storage_key)
    if not path.is_file():
        log.error("attachment %s of case %s is missing at %s", attachment.id, case.id, path)
        raise NotFound(N_("The file is missing from the storage; tell the administrator."))
    file_type = next(
        (t for t in rules.TYPES.values() if t.content_type == attachment.content_type),
        rules.FileType("file", "", attachment.content_type, ("bin",)),
    )
    audit.record(
        session,
        action="attachment.download",
        object_type="attachment",
        object_id=attachment.id,
        user=actor,
        ip=ip,
        case_id=case.id,
        name=attachment.name,
        sha256=attachment.sha256,
    )
    session.commit()
    return Download(attachment, path, file_type, rules.download_name(attachment.name, file_type))


# --- files of transactions that do not commit ---------------------------------------------------


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    session.info.pop(_STAGED, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint or subtransaction: the outer one decides
        return
    for path in session.info.pop(_STAGED, []):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove uncommitted attachment %s", path, exc_info=True)
