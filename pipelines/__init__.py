"""Pipeline stages: plain functions over portalwatch.core.models, independent of Scrapy and Prefect."""
