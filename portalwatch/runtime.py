"""Process set-up that must happen before Prefect is imported."""

import logging
import os

from portalwatch.core.config import Settings


def configure_runtime(settings: Settings) -> None:
    """Keep Prefect's state under the data directory and quiet on an offline machine."""
    # The engine client logs every retry with a traceback; our errors name cause and fix instead.
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    # trafilatura warns about pages it cannot read; they are recorded as skips with a reason.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    os.environ.setdefault("PREFECT_HOME", str(settings.data_dir / "prefect"))
    # The temporary local server needs longer than the default 20 s on a loaded 2-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
