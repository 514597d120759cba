"""The web interface: server-rendered Vietnamese pages and a JSON API over the configured store."""
