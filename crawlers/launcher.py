"""Start a crawl in its own process (Twisted's reactor cannot be restarted in one process)."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from crawlers.summary import SUMMARIES, CrawlSummary


class CrawlError(RuntimeError):
    pass


def crawl(sources_file: Path, archive: Path, log_dir: Path, source_ids: list[str] | None = None,
          delay: float | None = None, user_agent: str | None = None, force: bool = False) -> dict[str, CrawlSummary]:
    """Crawl the sources; return per-source counts and health. The Scrapy log goes to a file in log_dir.

    With force, sources backing off after repeated failures are crawled too.
    """
    log_file = log_dir / f"crawl-{datetime.now(UTC):%Y%m%dT%H%M%S%f}.log"
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
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise CrawlError(f"crawl process failed (exit {done.returncode}); log: {log_file}\n" + "\n".join(tail))
    return SUMMARIES.validate_json(done.stdout.strip().splitlines()[-1])
