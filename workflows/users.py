"""Users, roles and jurisdictions; passwords hashed with Argon2."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlmodel import Session, select

from workflows.models import Expert, User
from workflows.states import ROLES

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def upsert_user(session: Session, username: str, password: str, role: str, jurisdiction: str,
                display_name: str = "") -> User:
    """Create a user (or update role, jurisdiction and password of an existing one)."""
    if role not in ROLES:
        raise ValueError(f"未知角色 {role!r}，可选：{', '.join(ROLES)}")
    if not jurisdiction.isdigit() or len(jurisdiction) not in (2, 4, 6):
        raise ValueError(f"辖区 {jurisdiction!r} 应为 2/4/6 位行政区划代码")
    if len(password) < 8:
        raise ValueError("密码至少 8 位")
    user = session.exec(select(User).where(User.username == username)).first() or User(username=username, role=role,
                                                                                         jurisdiction=jurisdiction)
    user.role, user.jurisdiction = role, jurisdiction
    user.display_name = display_name or user.display_name or username
    user.password_hash = hash_password(password)
    user.active = True
    session.add(user)
    if role == "expert" and session.exec(select(Expert).where(Expert.username == username)).first() is None:
        session.add(Expert(username=username, name=user.display_name, province=jurisdiction[:2]))
    session.flush()
    return user
