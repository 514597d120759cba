"""Every run of a flow is recorded in the archive database (flow, state, start, end, what each stage did),
so `portalwatch runs` reads it without a Prefect server, and a one-shot command needs none either."""

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from portalwatch.core.config import get_settings
from portalwatch.state.archive import RawArchive

_current: ContextVar[str | None] = ContextVar("portalwatch_run", default=None)


def _in_prefect() -> tuple[str | None, tuple[type[BaseException], ...]]:
    """Prefect's id for the flow run under way, and its stop signals; none when Prefect is not even imported
    (a one-shot command such as `digest` runs without it, and importing it would cost a second)."""
    if "prefect" not in sys.modules:
        return None, ()
    from prefect.exceptions import TerminationSignal  # raised for SIGTERM inside a flow run
    from prefect.runtime import flow_run

    return flow_run.get_id(), (TerminationSignal,)


@contextmanager
def recorded_run(flow: str) -> Iterator[str]:
    """Record a run from start to end: completed, failed, or interrupted (Ctrl+C, SIGTERM)."""
    if _current.get():  # a flow inside another flow: its stages count towards the outer run
        yield str(_current.get())
        return
    prefect_id, prefect_stops = _in_prefect()
    stops: tuple[type[BaseException], ...] = (KeyboardInterrupt, SystemExit, *prefect_stops)
    run_id = prefect_id or uuid.uuid4().hex  # Prefect's id when Prefect runs it
    archive_path = get_settings().archive_db
    with RawArchive(archive_path) as archive:
        archive.start_run(run_id, flow, datetime.now(UTC))
    token = _current.set(run_id)
    state = "failed"
    try:
        yield run_id
        state = "completed"
    except stops:
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
        with RawArchive(get_settings().archive_db) as archive:
            archive.add_run_counts(run_id, counts)
