"""Prefect flows: thin shells that run the pipeline stages and report their counts."""
