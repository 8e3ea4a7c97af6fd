"""Accounts: passwords, login throttling, web sessions, API tokens and user administration."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, select

from service.accounts.models import SESSION_KEY, ApiToken, Role, User, UserSession
from service.accounts.throttle import LoginThrottle
from service.audit import service as audit
from service.db import utcnow
from service.errors import N_, FieldError, TooManyAttempts, Unauthorized, ValidationFailed
from service.i18n import in_working_language
from service.notifications import service as notifications
from service.validation import is_email

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # A hash of nobody's password with the real parameters: checking a password for an unknown
    # user costs what it costs for a real one, so the answer's timing names no username.
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(user: User, password: str) -> bool:
    return _verify(user.password_hash, password)


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).one_or_none()


def authenticate(
    session: Session, *, username: str, password: str, ip: str, throttle: LoginThrottle
) -> User:
    """The active user with these credentials. Every attempt is counted by ``throttle`` before
    the password is checked (see ``accounts/throttle.py``); a refused one is not checked at all.
    Unknown users, disabled ones and wrong passwords take the same time and get the same
    answer."""
    refusal = throttle.attempt(username, ip)
    if refusal is not None:
        if refusal.scope == "user" and throttle.first_lock_notice(username):
            _tell_of_lock(session, username=username, ip=ip, throttle=throttle)
        minutes = -(-refusal.retry_after // 60)
        raise TooManyAttempts(
            N_("Too many failed logins. Try again in %(minutes)s minutes."),
            minutes=minutes,
            retry_after=refusal.retry_after,
        )
    user = find_user(session, username)
    correct = _verify(user.password_hash if user else _dummy_hash(), password)
    if user is None or not user.active or not correct:
        audit.record(
            session, action="login.failed", object_type="user", object_id=username[:64], ip=ip
        )
        session.commit()
        raise Unauthorized(N_("Wrong username or password."))
    throttle.succeeded(username, ip)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, action="login", object_type="user", object_id=user.id, user=user, ip=ip)
    session.commit()
    return user


def _tell_of_lock(session: Session, *, username: str, ip: str, throttle: LoginThrottle) -> None:
    """The username is locked for everybody: tell its office (the user and the supervisors
    read its inbox; e-mail reaches the duty address and whoever opted in) and audit it. Partner
    systems' webhooks are not told of accounts."""
    user = find_user(session, username)
    if user is None:
        return
    failures = throttle.limits["user"].amount
    notifications.enqueue(
        session,
        event="account.locked",
        recipient_office=user.office_code,
        title=in_working_language(
            N_("Logins as %(username)s are locked after repeated failures"), username=username
        ),
        body=in_working_language(
            N_(
                "%(count)s logins as %(username)s (%(name)s) failed within %(minutes)s minutes, "
                "from several addresses, the last from %(ip)s. Logins as this user are refused "
                "for up to %(minutes)s minutes. If it was not %(name)s, tell the administrator; "
                "a new password ends every session of the account."
            ),
            count=failures,
            username=username,
            name=user.display_name or username,
            minutes=throttle.window_minutes,
            ip=ip or "?",
        ),
        only_channels=("inbox", "email"),
    )
    audit.record(
        session,
        action="login.locked",
        object_type="user",
        object_id=user.id,
        ip=ip,
        failures=failures,
    )
    session.commit()


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open_session(session: Session, *, user: User, ip: str, hours: int) -> str:
    """Start a web session for ``user`` (after ``authenticate``): a new random key each login,
    kept by the browser's cookie (``User.get_id``), its hash here."""
    now = utcnow()
    session.exec(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now)
    )
    key = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            user_id=user.id,
            key_hash=_key_hash(key),
            expires_at=now + timedelta(hours=hours),
            ip=ip[:64],
        )
    )
    session.commit()
    sa_inspect(user).info[SESSION_KEY] = key
    return key


def user_for_session(session: Session, key: str) -> User | None:
    """The active user whose web session has this key, while the session lasts."""
    user = session.exec(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.key_hash == _key_hash(key), UserSession.expires_at > utcnow(), User.active
        )
    ).one_or_none()
    if user is not None:
        sa_inspect(user).info[SESSION_KEY] = key
    return user


def _end_sessions(session: Session, user: User) -> None:
    session.exec(delete(UserSession).where(UserSession.user_id == user.id))
    for token in session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = utcnow()
        session.add(token)


def demo_accounts_present(session: Session, *, usernames: list[str], password: str) -> bool:
    """Whether any of the demo accounts still opens with the demo password."""
    users = session.exec(select(User).where(User.username.in_(usernames), User.active)).all()
    return any(verify_password(user, password) for user in users)


def logout(session: Session, *, user: User, ip: str) -> None:
    """End the web session ``user`` was loaded for: its cookie opens nothing any more."""
    key = sa_inspect(user).info.get(SESSION_KEY)
    if key:
        session.exec(delete(UserSession).where(UserSession.key_hash == _key_hash(key)))
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
    found = session.exec(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _token_hash(token))
    ).one_or_none()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or row.expires_at <= utcnow() or not user.active:
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
    """A new password; every web session and API token of the user ends with the old one."""
    user = _require(session, username)
    _check_password(password)
    user.password_hash = hash_password(password)
    session.add(user)
    _end_sessions(session, user)
    audit.record(session, action="user.passwd", object_type="user", object_id=user.id)
    session.commit()
    return user


def set_active(session: Session, *, username: str, active: bool) -> User:
    user = _require(session, username)
    user.active = active
    session.add(user)
    if not active:  # ended, not merely refused: enabling the user again revives nothing
        _end_sessions(session, user)
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
