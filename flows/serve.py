"""Serve the scheduled deployments (run by `portalwatch serve` as its own process, so that the
command keeps control of shutdown: Prefect's runner does not stop on SIGTERM, it does on SIGINT)."""

import signal
from contextlib import suppress

from portalwatch.core.processes import quiet_until_ready


def main() -> None:
    quiet_until_ready()  # `portalwatch serve` may stop this process while it is still importing Prefect
    from prefect import serve

    from flows.deployments import deployments
    from portalwatch.core.config import get_settings

    settings = get_settings()
    planned = deployments(settings.scheduler_interval_minutes, settings.alert_interval_minutes)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # from here Prefect's runner stops on it
    with suppress(KeyboardInterrupt):
        serve(*planned)


if __name__ == "__main__":
    main()
