"""Serve the scheduled deployments (run by `portalwatch serve` as its own process, so that the
command keeps control of shutdown: Prefect's runner does not stop on SIGTERM, it does on SIGINT)."""


def main() -> None:
    # Imports inside: `portalwatch serve` may stop this process while it is still importing Prefect,
    # and that interrupt, like any later one, ends it quietly.
    try:
        from prefect import serve

        from flows.deployments import deployments
        from portalwatch.core.config import get_settings

        settings = get_settings()
        serve(*deployments(settings.scheduler_interval_minutes, settings.alert_interval_minutes))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
