"""Users, sessions and CSRF tokens.

Users live in a JSON file under the data directory that `portalwatch users` manages; passwords are stored
as scrypt hashes (the standard library's). Sessions are random tokens kept in this process's memory:
restarting the server signs everyone out, and nothing a client holds can be forged into a session.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Role = Literal["reader", "admin"]
ROLES: dict[str, str] = {"reader": "chỉ đọc", "admin": "quản trị"}
# scrypt at n=2**14, r=8: some 16 MB and tens of milliseconds per check, the usual interactive setting.
_N, _R, _P = 2**14, 8, 1
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


class UsersError(ValueError):
    """A users-file change that cannot be made; the message is Vietnamese."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)


class Users:
    """The users file: name -> role and password hash."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        return dict(json.loads(self.path.read_text(encoding="utf-8")))

    def _write(self, users: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        # Owner-only from creation: the hashes are not for other local accounts to try offline.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(users, out, ensure_ascii=False, indent=1)
        temporary.replace(self.path)

    def add(self, name: str, password: str, role: Role) -> None:
        """Add a user or replace one's password and role."""
        if not name or not set(name) <= _NAME_CHARS:
            raise UsersError(f"Tên đăng nhập '{name}' chỉ được gồm chữ thường không dấu, số, '.', '-' và '_'.")
        if len(password) < 8:
            raise UsersError("Mật khẩu cần ít nhất 8 ký tự.")
        salt = secrets.token_bytes(16)
        users = self._read()
        users[name] = {"role": role, "salt": base64.b64encode(salt).decode(),
                       "scrypt": base64.b64encode(_hash(password, salt)).decode()}
        self._write(users)

    def remove(self, name: str) -> None:
        users = self._read()
        if name not in users:
            raise UsersError(f"Không có người dùng '{name}'.")
        del users[name]
        self._write(users)

    def list(self) -> list[User]:
        return [User(name, record["role"]) for name, record in sorted(self._read().items())]  # type: ignore[arg-type]

    def check(self, name: str, password: str) -> User | None:
        """The user when the password is theirs, else None (an unknown name costs the same work)."""
        record = self._read().get(name)
        salt = base64.b64decode(record["salt"]) if record else b"\0" * 16
        expected = base64.b64decode(record["scrypt"]) if record else b""
        matches = hmac.compare_digest(_hash(password, salt), expected)
        return User(name, record["role"]) if record and matches else None  # type: ignore[arg-type]


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str  # sent back in every form that changes something


class Sessions:
    """Signed-in sessions by their random cookie value."""

    def __init__(self) -> None:
        self._open: dict[str, Session] = {}

    def start(self, user: User) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        self._open[token] = Session(user, secrets.token_urlsafe(32))
        return token, self._open[token]

    def get(self, token: str | None) -> Session | None:
        return self._open.get(token) if token else None

    def end(self, token: str | None) -> None:
        if token:
            self._open.pop(token, None)
