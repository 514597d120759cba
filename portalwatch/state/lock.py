"""One crawl of a source and one processing run at a time per data directory, or per shared state.

On one machine, locks are fcntl locks on files under <data dir>/locks. With the shared state in
PostgreSQL, they are session advisory locks on one connection per holder, so workers on several machines
exclude each other. Either way the lock is the holder's: the kernel drops a file lock, and PostgreSQL a
session's locks, when the process ends, however it ends, so a killed run never leaves a stale lock behind
and another worker takes the source over at once.
"""

import fcntl
import os
import socket
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg

from portalwatch.state.db import StateTarget
from portalwatch.state.postgres import connect, is_postgres

_ADVISORY_SPACE = 0x5057  # "PW": the first key of our two-key advisory locks


class Busy(RuntimeError):
    """Another process holds the job's lock; the message says which and what to do."""


def _busy(label: str, holder: str, where: object) -> Busy:
    return Busy(f"{label} đang chạy ở tiến trình khác ({holder}) trên {where}: chờ nó xong rồi chạy lại.")


def _job_key(job: str) -> int:
    return zlib.crc32(job.encode()) & 0x7FFFFFFF


@contextmanager
def _file_lock(data_dir: Path, job: str, label: str, wait: bool) -> Iterator[None]:
    path = data_dir / "locks" / f"{job}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.seek(0)
            raise _busy(label, f"pid {handle.read().strip() or '?'}", f"thư mục dữ liệu {data_dir}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _advisory_lock(db: psycopg.Connection, job: str, label: str, wait: bool) -> None:
    key = _job_key(job)
    if wait:
        db.execute("SELECT pg_advisory_lock(%s, %s)", (_ADVISORY_SPACE, key))
        return
    row = db.execute("SELECT pg_try_advisory_lock(%s, %s)", (_ADVISORY_SPACE, key)).fetchone()
    if not row or not row[0]:
        holder = db.execute("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s",
                            (_ADVISORY_SPACE, key)).fetchone()
        raise _busy(label, holder[0] if holder else "?", "trạng thái dùng chung (PostgreSQL)")


@contextmanager
def job_locks(place: StateTarget, jobs: list[tuple[str, str]], wait: bool = False, skip_busy: bool = False,
              limit: int | None = None) -> Iterator[list[str]]:
    """Hold the locks of these (job, label) pairs, taken in the order given, where `place` keeps them (the data
    directory, or the shared state's URL); yields the jobs held, at most `limit` of them. Without wait, a held
    lock is a Busy error at once, unless skip_busy leaves that job out."""
    held: list[str] = []
    with ExitStack() as stack:
        db = None
        if is_postgres(place):  # one session holds them all: ending it releases every one
            db = stack.enter_context(connect(str(place), application_name=f"portalwatch {socket.gethostname()} "
                                                                          f"pid {os.getpid()}"))
        for job, label in jobs:
            if limit is not None and len(held) >= limit:
                break
            try:
                if db is not None:
                    _advisory_lock(db, job, label, wait)
                else:
                    stack.enter_context(_file_lock(Path(place), job, label, wait))
            except Busy:
                if not skip_busy:
                    raise
                continue
            held.append(job)
        yield held


@contextmanager
def job_lock(place: StateTarget, job: str, label: str, wait: bool = False) -> Iterator[None]:
    """Hold the lock of `job`; without wait, a held lock is a Busy error at once."""
    with job_locks(place, [(job, label)], wait):
        yield


@contextmanager
def crawl_locks(place: StateTarget, source_ids: list[str], wait: bool = False, skip_busy: bool = False,
                limit: int | None = None) -> Iterator[list[str]]:
    """The crawl locks of several sources (at most `limit`), in a fixed order (two crawls never wait on each
    other in a cycle); yields the sources held. With skip_busy, a source another process is crawling is left
    out instead of failing the whole batch (the scheduler's runs overlap when a crawl outlasts its interval,
    and several workers share the sources)."""
    jobs = [(f"crawl-{s}", f"Một lượt thu thập nguồn {s}") for s in sorted(source_ids)]
    with job_locks(place, jobs, wait, skip_busy, limit) as held:
        yield [job.removeprefix("crawl-") for job in held]
