"""Users, API tokens, sessions and CSRF tokens.

Users live in a JSON file under the data directory that `portalwatch users` manages; passwords are stored
as scrypt hashes (the standard library's). API tokens live in another such file, as SHA-256 hashes: a token
is 32 random bytes, so a fast hash cannot be searched backwards. Sessions are random tokens kept in this
process's memory: restarting the server signs everyone out, and nothing a client holds can be forged into one.
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
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


def is_loopback(host: str) -> bool:
    """A host name or address that only this machine reaches (a name may resolve anywhere, localhost aside)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_name(name: str, what: str) -> None:
    if not name or not set(name) <= _NAME_CHARS:
        raise UsersError(f"Tên {what} '{name}' chỉ được gồm chữ thường không dấu, số, '.', '-' và '_'.")


class _OwnerOnlyFile:
    """A JSON object in a file only its owner can read: the hashes are not for other local accounts to try offline."""

    what = ""  # what one entry is, in Vietnamese

    def __init__(self, path: Path) -> None:
        self.path = path

    def remove(self, name: str) -> None:
        records = self._read()
        if name not in records:
            raise UsersError(f"Không có {self.what} '{name}'.")
        del records[name]
        self._write(records)

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        return dict(json.loads(self.path.read_text(encoding="utf-8")))

    def _write(self, users: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(users, out, ensure_ascii=False, indent=1)
        temporary.replace(self.path)


class Users(_OwnerOnlyFile):
    """The users file: name -> role and password hash."""

    what = "người dùng"

    def add(self, name: str, password: str, role: Role) -> None:
        """Add a user or replace one's password and role."""
        _check_name(name, "đăng nhập")
        if len(password) < 8:
            raise UsersError("Mật khẩu cần ít nhất 8 ký tự.")
        salt = secrets.token_bytes(16)
        users = self._read()
        users[name] = {"role": role, "salt": base64.b64encode(salt).decode(),
                       "scrypt": base64.b64encode(_hash(password, salt)).decode()}
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
class Token:
    name: str
    role: Role
    created_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens(_OwnerOnlyFile):
    """The API tokens file: name -> role and the token's SHA-256; the token itself is shown once, never kept."""

    what = "mã truy cập"

    def add(self, name: str, role: Role) -> str:
        """A new random token for `name` (replacing the one it had); returns the token."""
        _check_name(name, "mã truy cập")
        token = "pw_" + secrets.token_urlsafe(32)
        tokens = self._read()
        tokens[name] = {"role": role, "sha256": _digest(token), "created_at": datetime.now(UTC).isoformat()}
        self._write(tokens)
        return token

    def list(self) -> list[Token]:
        return [Token(name, record["role"], datetime.fromisoformat(record["created_at"]))  # type: ignore[arg-type]
                for name, record in sorted(self._read().items())]

    def check(self, token: str) -> User | None:
        """The token's holder, named after the token, or None; every stored hash is compared in constant time."""
        digest = _digest(token)
        found = None
        for name, record in self._read().items():
            if hmac.compare_digest(digest, record["sha256"]):
                found = User(name, record["role"])  # type: ignore[arg-type]
        return found


def authenticating(users_file: Path, tokens_file: Path) -> bool:
    """Whether anyone must prove who they are: once a user or a token exists, every request must."""
    return bool(Users(users_file).list() or Tokens(tokens_file).list())


# The one user of a server without users or tokens: it listens on loopback only (the CLI refuses more), so
# whoever reaches it is at this machine, as with the CLI.
LOCAL_ADMIN = User("máy này", "admin")


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
