"""Scrapy crawling: one generic spider driven by the source registry."""
