"""Start a crawl in its own process (Twisted's reactor cannot be restarted in one process)."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from crawlers.summary import SUMMARIES, CrawlSummary
from portalwatch.core.processes import die_with_parent, stop_gracefully
from portalwatch.core.sources import load_sources
from portalwatch.state.health import CrawlStats, HealthLog

# How long an interrupted crawl may take to close before it is killed.
GRACE_SECONDS = 3


class CrawlError(RuntimeError):
    pass


def crawl(sources_file: Path, archive: Path, log_dir: Path, source_ids: list[str] | None = None,
          delay: float | None = None, user_agent: str | None = None, force: bool = False) -> dict[str, CrawlSummary]:
    """Crawl the sources; return per-source counts and health. The Scrapy log goes to a file in log_dir.

    With force, sources backing off after repeated failures are crawled too.
    """
    started = datetime.now(UTC)
    log_file = log_dir / f"crawl-{started:%Y%m%dT%H%M%S%f}.log"
    cmd = [sys.executable, "-m", "crawlers.run", "--sources", str(sources_file), "--archive", str(archive),
           "--log-file", str(log_file)]
    for source_id in source_ids or []:
        cmd += ["--source-id", source_id]
    if delay is not None:
        cmd += ["--delay", str(delay)]
    if user_agent:
        cmd += ["--user-agent", user_agent]
    if force:
        cmd.append("--force")
    # Its own session: a Ctrl+C at the terminal reaches only us, and we stop the crawl once, gracefully.
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True, preexec_fn=die_with_parent) as child:
        try:
            out, err = child.communicate()
        except BaseException:  # Ctrl+C, or Prefect's own SIGTERM handling in a flow run
            # Scrapy closes the spider, the state pipeline flushes; what it wrote is safe even if killed.
            stop_gracefully(child, GRACE_SECONDS)
            record_interrupted(archive, sources_file, source_ids, started)
            raise
    if child.returncode != 0:
        tail = (err or out).strip().splitlines()[-5:]
        raise CrawlError(f"crawl process failed (exit {child.returncode}); log: {log_file}\n" + "\n".join(tail))
    return SUMMARIES.validate_json(out.strip().splitlines()[-1])


def record_interrupted(archive: Path, sources_file: Path, source_ids: list[str] | None, started: datetime) -> None:
    """Sources whose crawl was cut off before its health was recorded are recorded as interrupted, so
    neither a failure nor the short count of links becomes their history."""
    wanted = [s.id for s in load_sources(sources_file) if not source_ids or s.id in source_ids]
    with HealthLog(archive) as health:
        for source_id in wanted:
            latest = health.history(source_id, limit=1)
            if not latest or latest[0].started_at < started:
                health.record(source_id, started, CrawlStats(), interrupted=True)
