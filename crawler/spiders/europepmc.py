"""Europe PMC spider: REST search, resultType=core, paging by cursorMark until it stops."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import scrapy
from scrapy.http import Response

from crawler import seeds
from crawler.items import DocumentItem
from crawler.parse_common import ParseError
from crawler.parse_europepmc import parse_results, parse_search_page
from crawler.spiders.base import CellVigilSpider

SEARCH = "/europepmc/webservices/rest/search"


class EuropePmcSpider(CellVigilSpider):
    """Every Europe PMC record the MSC query returns (PubMed ones share the pmid: id).

    Arguments: ``query`` (default from data/seeds/msc_terms.json), ``page_size`` (≤1000).
    ``--since`` restricts to records first indexed on or after that date.
    """

    name = "europepmc"
    real_base = "https://www.ebi.ac.uk"
    # 1000 core records (abstracts, MeSH, authors) make a page of about 10 MB.
    custom_settings = {
        "DOWNLOAD_DELAY": 0.5,
        "DOWNLOAD_MAXSIZE": 64 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 32 * 1024 * 1024,
    }

    def __init__(self, query: str | None = None, page_size: str | int = 1000, **kwargs: Any):
        super().__init__(**kwargs)
        query = query or seeds.europepmc_query()
        if self.since:
            query = (
                f"({query}) AND (FIRST_IDATE:[{self.since.isoformat()} TO {date.max.isoformat()}])"
            )
        self.query = query
        self.page_size = min(int(page_size), 1000)

    def search(self, cursor: str, page: int) -> scrapy.Request:
        params = [
            ("query", self.query),
            ("resultType", "core"),
            ("pageSize", self.page_size),
            ("format", "json"),
            ("cursorMark", cursor),
        ]
        return scrapy.Request(
            self.api_url(SEARCH, params),
            callback=self.parse,
            errback=self.on_error,
            cb_kwargs={"cursor": cursor, "page": page},
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.search("*", 1)

    def parse(
        self, response: Response, cursor: str = "*", page: int = 1
    ) -> Iterator[DocumentItem | scrapy.Request]:
        try:
            results, next_cursor, hits = parse_search_page(response)
        except ParseError as exc:
            self.parse_error(response, exc)
            return
        if page == 1:
            self.logger.info("europepmc: %d records match the query", hits)
        items, skipped = parse_results(results)
        for reason in skipped:
            self.skip(response.url, reason)
        yield from items
        if not results or not next_cursor or next_cursor == cursor:
            self.logger.info("europepmc: last page %d", page)
            return
        if self.max_pages is not None and page >= self.max_pages:
            self.logger.info("europepmc: stopping at --max-pages %d", page)
            return
        yield self.search(next_cursor, page + 1)
