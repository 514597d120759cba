"""Crawl state: the raw archive with its skip log, the frontier and crawl health (one database)."""
