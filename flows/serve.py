"""Serve the scheduled deployments (run by `portalwatch serve` as its own process, so that the
command keeps control of shutdown: Prefect's runner does not stop on SIGTERM, it does on SIGINT)."""

from prefect import serve

from flows.deployments import deployments
from portalwatch.core.config import get_settings
from portalwatch.core.sources import load_sources

if __name__ == "__main__":
    serve(*deployments(load_sources(get_settings().sources_file)))
