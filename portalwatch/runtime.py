"""Process set-up that must happen before Prefect is imported."""

import importlib.util
import logging
import os
from pathlib import Path

import yaml

from portalwatch.core.config import Settings


def log_file(settings: Settings) -> Path:
    """Where the details of every failure go (the terminal gets one line)."""
    return settings.data_dir / "logs" / "portalwatch.log"


def configure_runtime(settings: Settings, console_logs: bool = False) -> None:
    """Keep Prefect's state under the data directory, quiet on an offline machine, its logs in our log file.

    Without console_logs, Prefect prints nothing to the terminal (a failed flow run would print its
    traceback before our one-line error); everything at warning level and above still reaches the log file.
    """
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
    os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(_prefect_logging(settings, console_logs))


def _prefect_logging(settings: Settings, console_logs: bool) -> Path:
    """Prefect's own logging configuration with a file handler on the root logger added."""
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.submodule_search_locations  # a dependency: always installed
    config = yaml.safe_load(Path(spec.submodule_search_locations[0], "logging", "logging.yml").read_text())
    log = log_file(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    config["handlers"]["portalwatch_file"] = {
        "class": "logging.FileHandler", "level": "WARNING", "formatter": "standard", "filename": str(log),
        "encoding": "utf-8", "delay": True,
    }
    config["root"]["handlers"] = [*config["root"]["handlers"], "portalwatch_file"]
    if not console_logs:
        config["handlers"]["console"]["level"] = "CRITICAL"
    path = settings.data_dir / "prefect" / ("logging-console.yml" if console_logs else "logging.yml")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(config)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:  # usually written once per data dir
        path.write_text(text, encoding="utf-8")
    return path
