"""Start a crawl in its own process (Twisted's reactor cannot be restarted in one process)."""

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from crawlers.summary import SUMMARIES, CrawlSummary
from portalwatch.core.processes import die_with_parent, stop_gracefully
from portalwatch.core.sources import load_sources
from portalwatch.state.db import StateTarget
from portalwatch.state.health import CrawlStats, HealthLog

# How long an interrupted crawl may take to close before it is killed.
GRACE_SECONDS = 3
# How often the crawl's progress is read while it runs (when someone shows it).
PROGRESS_SECONDS = 0.5


class CrawlError(RuntimeError):
    pass


def crawl(sources_file: Path, archive: StateTarget, log_dir: Path, source_ids: list[str] | None = None,
          delay: float | None = None, user_agent: str | None = None, force: bool = False,
          progress: Callable[[int, int | None, str], None] | None = None) -> dict[str, CrawlSummary]:
    """Crawl the sources; return per-source counts and health. The Scrapy log goes to a file in log_dir.

    With force, sources backing off after repeated failures are crawled too. With progress, it is
    told the responses received so far (and the pages archived) while the crawl runs, and at its end.
    """
    started = datetime.now(UTC)
    log_file = log_dir / f"crawl-{started:%Y%m%dT%H%M%S%f}.log"
    # WARC files go beside the logs, in the data directory, wherever the state lives.
    cmd = [sys.executable, "-m", "crawlers.run", "--sources", str(sources_file), "--archive", str(archive),
           "--log-file", str(log_file), "--warc-dir", str(log_dir.parent / "warc")]
    for source_id in source_ids or []:
        cmd += ["--source-id", source_id]
    if delay is not None:
        cmd += ["--delay", str(delay)]
    if user_agent:
        cmd += ["--user-agent", user_agent]
    if force:
        cmd.append("--force")
    progress_file = log_file.with_suffix(".progress.json")
    if progress:
        cmd += ["--progress-file", str(progress_file)]
    # Its own session: a Ctrl+C at the terminal reaches only us, and we stop the crawl once, gracefully.
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True, preexec_fn=die_with_parent) as child:
        try:
            out, err = _wait(child, progress_file if progress else None, progress)
        except BaseException:  # Ctrl+C, or Prefect's own SIGTERM handling in a flow run
            # Scrapy closes the spider, the state pipeline flushes; what it wrote is safe even if killed.
            stop_gracefully(child, GRACE_SECONDS)
            record_interrupted(archive, sources_file, source_ids, started)
            raise
    if child.returncode != 0:
        tail = (err or out).strip().splitlines()[-5:]
        raise CrawlError(f"crawl process failed (exit {child.returncode}); log: {log_file}\n" + "\n".join(tail))
    return SUMMARIES.validate_json(out.strip().splitlines()[-1])


def _wait(child: "subprocess.Popen[str]", progress_file: Path | None,
          progress: Callable[[int, int | None, str], None] | None) -> tuple[str, str]:
    """The child's output once it ends; meanwhile, the counts it writes to progress_file go to progress."""
    if progress_file is None or progress is None:
        return child.communicate()
    try:
        while True:
            try:
                return child.communicate(timeout=PROGRESS_SECONDS)  # retrying loses no output
            except subprocess.TimeoutExpired:
                _tell(progress_file, progress)
    finally:
        _tell(progress_file, progress, ended=True)
        progress_file.unlink(missing_ok=True)


def _tell(progress_file: Path, progress: Callable[[int, int | None, str], None], ended: bool = False) -> None:
    """The counts the crawl wrote last; once it has ended, what it fetched is also the total."""
    try:
        counts = json.loads(progress_file.read_text())
    except (OSError, ValueError):  # not written yet
        return
    progress(counts["fetched"], counts["fetched"] if ended else None, f"{counts['archived']} trang bài mới hoặc đã sửa")


def record_interrupted(archive: StateTarget, sources_file: Path, source_ids: list[str] | None,
                       started: datetime) -> None:
    """Sources whose crawl was cut off before its health was recorded are recorded as interrupted, so
    neither a failure nor the short count of links becomes their history."""
    wanted = [s.id for s in load_sources(sources_file) if not source_ids or s.id in source_ids]
    with HealthLog(archive) as health:
        for source_id in wanted:
            latest = health.history(source_id, limit=1)
            if not latest or latest[0].started_at < started:
                health.record(source_id, started, CrawlStats(), interrupted=True)
