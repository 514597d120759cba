"""One crawl of a source and one processing run at a time per data directory.

Locks are fcntl locks on files under <data dir>/locks: the kernel drops them when their process ends,
however it ends, so a killed run never leaves a stale lock behind.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path


class Busy(RuntimeError):
    """Another process holds the job's lock; the message says which and what to do."""


@contextmanager
def job_lock(data_dir: Path, job: str, label: str, wait: bool = False) -> Iterator[None]:
    """Hold the lock of `job`; without wait, a held lock is a Busy error at once."""
    path = data_dir / "locks" / f"{job}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise Busy(f"{label} đang chạy ở tiến trình khác (pid {holder}) trên thư mục dữ liệu {data_dir}: "
                       "chờ nó xong rồi chạy lại.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def crawl_locks(data_dir: Path, source_ids: list[str], wait: bool = False, skip_busy: bool = False
                ) -> Iterator[list[str]]:
    """The crawl locks of several sources, in a fixed order (two crawls never wait on each other in a cycle);
    yields the sources held. With skip_busy, a source another process is crawling is left out instead of
    failing the whole batch (the scheduler's runs overlap when a crawl outlasts its interval)."""
    with ExitStack() as held:
        free = []
        for source_id in sorted(source_ids):
            try:
                held.enter_context(job_lock(data_dir, f"crawl-{source_id}", f"Một lượt thu thập nguồn {source_id}",
                                            wait))
            except Busy:
                if not skip_busy:
                    raise
                continue
            free.append(source_id)
        yield free
