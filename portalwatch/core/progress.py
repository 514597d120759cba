"""Progress of the long stages (crawl, process), for whoever shows it.

The command line shows Rich progress bars when its output is a terminal; everywhere else (logs,
deployments, tests) nothing listens, the stages skip the extra counting and their output is unchanged.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Done so far, the total when known up front, and the stage's other counts as one short line.
Report = Callable[[int, int | None, str], None]
# Given a stage ("crawl", "process"), the report that shows its progress.
Display = Callable[[str], Report]

_display: Display | None = None


@contextmanager
def shown_by(display: Display) -> Iterator[None]:
    """Within the block, the stages report their progress to `display`."""
    global _display
    previous, _display = _display, display
    try:
        yield
    finally:
        _display = previous


def reporter(stage: str) -> Report | None:
    """The stage's progress report, or None when nothing shows progress."""
    return _display(stage) if _display else None
