"""Pipeline stages: plain functions over portalwatch.models, independent of Scrapy and Prefect."""
