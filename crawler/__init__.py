"""Scrapy crawlers that gather raw MSC-therapy documents with their provenance for the registry."""
