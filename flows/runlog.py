"""Every run of a flow is recorded in the archive database (flow, state, start, end, what each stage did),
so `portalwatch runs` reads it without a Prefect server, and a one-shot command needs none either."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from prefect.exceptions import TerminationSignal
from prefect.runtime import flow_run

from portalwatch.core.config import get_settings
from portalwatch.state.archive import RawArchive

_current: ContextVar[str | None] = ContextVar("portalwatch_run", default=None)


@contextmanager
def recorded_run(flow: str) -> Iterator[str]:
    """Record a run from start to end: completed, failed, or interrupted (Ctrl+C, SIGTERM)."""
    if _current.get():  # a flow inside another flow: its stages count towards the outer run
        yield str(_current.get())
        return
    run_id = flow_run.get_id() or uuid.uuid4().hex  # Prefect's id when Prefect runs it
    archive_path = get_settings().archive_path
    with RawArchive(archive_path) as archive:
        archive.start_run(run_id, flow, datetime.now(UTC))
    token = _current.set(run_id)
    state = "failed"
    try:
        yield run_id
        state = "completed"
    except (KeyboardInterrupt, SystemExit, TerminationSignal):  # the last: SIGTERM inside a Prefect flow run
        state = "interrupted"
        raise
    finally:
        _current.reset(token)
        with RawArchive(archive_path) as archive:
            archive.end_run(run_id, state, datetime.now(UTC))


def record_counts(counts: str) -> None:
    """Keep what a stage did with the run it belongs to (nothing outside a recorded run)."""
    run_id = _current.get()
    if run_id:
        with RawArchive(get_settings().archive_path) as archive:
            archive.add_run_counts(run_id, counts)
