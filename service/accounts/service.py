"""Accounts: passwords, login throttling, API tokens and user administration."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from service.accounts.models import ApiToken, LoginFailure, Role, User
from service.audit import service as audit
from service.db import utcnow
from service.errors import N_, FieldError, TooManyAttempts, Unauthorized, ValidationFailed
from service.validation import is_email

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).one_or_none()


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    ip: str,
    max_failures: int,
    window_minutes: int,
) -> User:
    """The active user with these credentials; throttled per username and per address."""
    since = utcnow() - timedelta(minutes=window_minutes)
    failures = session.exec(
        select(
            func.count().filter(LoginFailure.username == username),
            func.count().filter(LoginFailure.ip == ip),
        ).where(
            LoginFailure.at >= since, or_(LoginFailure.username == username, LoginFailure.ip == ip)
        )
    ).one()
    if max(failures) >= max_failures:
        raise TooManyAttempts(
            N_("Too many failed logins. Try again in %(minutes)s minutes."), minutes=window_minutes
        )
    user = find_user(session, username)
    if user is None or not user.active or not verify_password(user, password):
        session.add(LoginFailure(username=username[:64], ip=ip[:64]))
        audit.record(
            session, action="login.failed", object_type="user", object_id=username[:64], ip=ip
        )
        session.commit()
        raise Unauthorized(N_("Wrong username or password."))
    session.exec(delete(LoginFailure).where(LoginFailure.username == username))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, action="login", object_type="user", object_id=user.id, user=user, ip=ip)
    session.commit()
    return user


def demo_accounts_present(session: Session, *, usernames: list[str], password: str) -> bool:
    """Whether any of the demo accounts still opens with the demo password."""
    users = session.exec(select(User).where(User.username.in_(usernames), User.active)).all()
    return any(verify_password(user, password) for user in users)


def record_logout(session: Session, *, user: User, ip: str) -> None:
    audit.record(session, action="logout", object_type="user", object_id=user.id, user=user, ip=ip)
    session.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session, *, user: User, ttl_hours: int, ip: str = ""
) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=_token_hash(token),
        expires_at=utcnow() + timedelta(hours=ttl_hours),
    )
    session.add(row)
    audit.record(
        session, action="token.issue", object_type="user", object_id=user.id, user=user, ip=ip
    )
    session.commit()
    return token, row


def user_for_token(session: Session, token: str) -> tuple[User, ApiToken] | None:
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token))
    ).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


def revoke_token(session: Session, *, token_row: ApiToken, user: User, ip: str = "") -> None:
    token_row.revoked_at = utcnow()
    session.add(token_row)
    audit.record(
        session, action="token.revoke", object_type="user", object_id=user.id, user=user, ip=ip
    )
    session.commit()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "password",
                    N_("The password needs at least %(n)s characters."),
                    {"n": MIN_PASSWORD_LENGTH},
                )
            ]
        )


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    office_code: str,
    role: str,
    display_name: str = "",
    email: str = "",
) -> User:
    errors = []
    if find_user(session, username):
        errors.append(FieldError("username", N_("The username is already taken.")))
    if role not in Role.__members__:
        errors.append(FieldError("role", N_("Unknown role “%(role)s”."), {"role": role}))
    from service.offices.models import Office

    office = session.get(Office, office_code)
    if office is None:
        errors.append(FieldError("office", N_("Unknown office “%(code)s”."), {"code": office_code}))
    elif role == Role.regional_supervisor and office.kind != "bureau":
        errors.append(FieldError("role", N_("Regional supervisors belong to a bureau.")))
    elif role in (Role.clerk, Role.investigator, Role.supervisor) and office.kind != "office":
        errors.append(FieldError("role", N_("This role belongs to an office, not a bureau.")))
    if errors:
        raise ValidationFailed(errors=errors)
    _check_password(password)
    user = User(
        username=username,
        password_hash=hash_password(password),
        office_code=office_code,
        role=role,
        display_name=display_name or username,
        email=email,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        action="user.add",
        object_type="user",
        object_id=user.id,
        username=username,
        office=office_code,
        role=role,
    )
    session.commit()
    return user


def set_password(session: Session, *, username: str, password: str) -> User:
    user = _require(session, username)
    _check_password(password)
    user.password_hash = hash_password(password)
    session.add(user)
    audit.record(session, action="user.passwd", object_type="user", object_id=user.id)
    session.commit()
    return user


def set_active(session: Session, *, username: str, active: bool) -> User:
    user = _require(session, username)
    user.active = active
    session.add(user)
    if not active:
        for token in session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = utcnow()
            session.add(token)
    audit.record(
        session,
        action="user.enable" if active else "user.disable",
        object_type="user",
        object_id=user.id,
    )
    session.commit()
    return user


def _require(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise ValidationFailed(
            errors=[FieldError("username", N_("No user “%(username)s”."), {"username": username})]
        )
    return user


def update_profile(
    session: Session, *, user: User, email: str, notify_by_email: bool, ip: str = ""
) -> User:
    """A user's own e-mail address and whether notifications of the office reach it."""
    email = email.strip()
    if email and not is_email(email):
        raise ValidationFailed(
            errors=[FieldError("email", N_("Enter an e-mail address like name@example.cn."))]
        )
    if notify_by_email and not email:
        raise ValidationFailed(
            errors=[FieldError("email", N_("Give an address to receive e-mails at."))]
        )
    user.email, user.notify_by_email = email, notify_by_email
    session.add(user)
    audit.record(
        session,
        action="user.profile",
        object_type="user",
        object_id=user.id,
        user=user,
        ip=ip,
        email=email,
        notify_by_email=notify_by_email,
    )
    session.commit()
    return user


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    """The users of ``ids`` (None and repeats ignored) in one query, by id."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u for u in session.exec(select(User).where(User.id.in_(wanted)))}
