"""Logging in: Argon2 password check, lockout after repeated failures, signed expiring session tokens.

Security timing (lockout, token expiry) uses the real clock (`Clock()`), never the demo clock, so
moving the demo date neither unlocks accounts nor expires sessions.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select

from workflows.clock import Clock
from workflows.db import write_session
from workflows.models import User
from workflows.settings import var_dir
from workflows.users import verify_password

COOKIE = "beian_session"
SESSION_SECONDS = 8 * 3600
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


class LoginError(Exception):
    """Login refused; `str()` says why in Chinese."""


@dataclass(frozen=True)
class Identity:
    """Who is logged in (plain values only: the app keeps no ORM or workflow objects in session state)."""

    username: str
    display_name: str
    role: str
    jurisdiction: str


def identity(user: User) -> Identity:
    return Identity(user.username, user.display_name or user.username, user.role, user.jurisdiction)


def _secret() -> str:
    """`BEIAN_BOARD_SECRET`, or a random key kept in `var/board_secret` (created on first use)."""
    env = os.environ.get("BEIAN_BOARD_SECRET")
    if env:
        return env
    path = var_dir() / "board_secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), "utf-8")
        path.chmod(0o600)
    return path.read_text("utf-8").strip()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_secret(), salt="beian-board-session")


def login(username: str, password: str) -> tuple[Identity, str]:
    """Check the password and return the identity and a session token; failures are counted (and
    committed) and lock the account for a while after too many."""
    now = Clock().now()
    refusal = None
    with write_session() as session:
        user = session.exec(select(User).where(User.username == username.strip())).first()
        if user is None or not user.active:
            raise LoginError("用户名或密码错误")
        if user.locked_until is not None and user.locked_until > now:
            minutes = int((user.locked_until - now).total_seconds() // 60) + 1
            raise LoginError(f"登录失败次数过多，账号已锁定，请约 {minutes} 分钟后再试或联系管理员")
        if verify_password(user.password_hash, password):
            user.failed_logins, user.locked_until = 0, None
        else:
            user.failed_logins += 1
            refusal = f"用户名或密码错误（还可尝试 {MAX_FAILURES - user.failed_logins} 次）"
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
                refusal = f"连续 {MAX_FAILURES} 次密码错误，账号已锁定 {int(LOCKOUT.total_seconds() // 60)} 分钟"
        session.add(user)
        result = identity(user), _token(user)
    if refusal:
        raise LoginError(refusal)
    return result


def _token(user: User) -> str:
    """A signed token naming the user and a fingerprint of the password hash (a new password ends it)."""
    return _serializer().dumps({"u": user.username, "p": user.password_hash[-16:]})


def read_token(session: Session, token: str | None) -> Identity | None:
    """The identity a still-valid token stands for, or None (expired, forged, user disabled)."""
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=SESSION_SECONDS)
    except (SignatureExpired, BadSignature):
        return None
    user = session.exec(select(User).where(User.username == data.get("u"))).first()
    if user is None or not user.active or user.password_hash[-16:] != data.get("p"):
        return None
    return identity(user)
