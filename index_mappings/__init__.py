"""Elasticsearch index templates and mappings, shipped with the package."""
