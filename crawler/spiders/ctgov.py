"""ClinicalTrials.gov API v2 spider: MSC query, nextPageToken paging, LastUpdatePostDate filter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler import seeds
from crawler.items import DocumentItem
from crawler.parse_common import ParseError
from crawler.parse_ctgov import parse_search_page, parse_single_study, study_item
from crawler.spiders.base import CellVigilSpider

MAX_PAGE_SIZE = 1000


class CtgovSpider(CellVigilSpider):
    """Every study the MSC query returns, with the whole study JSON kept as raw.

    Arguments: ``query`` (Essie expression; default from data/seeds/msc_terms.json),
    ``page_size`` (≤1000), ``ids`` (comma-separated NCT ids fetched one by one instead).
    """

    name = "ctgov"
    real_base = "https://clinicaltrials.gov"
    # ClinicalTrials.gov asks for about 50 requests a minute per client. A page of 1000 full
    # studies (with results) runs to tens of MB, so the size cap is higher than for web pages.
    custom_settings = {
        "DOWNLOAD_DELAY": 1.2,
        "DOWNLOAD_MAXSIZE": 256 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 128 * 1024 * 1024,
    }

    def __init__(
        self,
        query: str | None = None,
        page_size: str | int = MAX_PAGE_SIZE,
        ids: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.query = query or seeds.ctgov_query()
        self.page_size = min(int(page_size), MAX_PAGE_SIZE)
        self.ids = [i.strip().upper() for i in (ids or "").split(",") if i.strip()]

    def search_url(self, token: str | None = None) -> str:
        """One ``/api/v2/studies`` page; the first asks for the total count."""
        params: list[tuple[str, Any]] = [("format", "json"), ("query.term", self.query)]
        if self.since:
            params.append(
                ("filter.advanced", f"AREA[LastUpdatePostDate]RANGE[{self.since.isoformat()},MAX]")
            )
        params.append(("pageSize", self.page_size))
        params.append(("countTotal", "true") if token is None else ("pageToken", token))
        return self.api_url("/api/v2/studies", params)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.ids:
            for nct in self.ids:
                yield scrapy.Request(
                    self.api_url(f"/api/v2/studies/{nct}", [("format", "json")]),
                    callback=self.parse_study,
                    errback=self.on_error,
                )
            return
        yield scrapy.Request(
            self.search_url(), callback=self.parse, errback=self.on_error, cb_kwargs={"page": 1}
        )

    def parse(self, response: Response, page: int = 1) -> Iterator[DocumentItem | scrapy.Request]:
        try:
            studies, token, total = parse_search_page(response)
        except ParseError as exc:
            self.parse_error(response, exc)
            return
        if total is not None:
            self.logger.info("ctgov: %d studies match the query", total)
            self.crawler.stats.set_value("cellvigil/ctgov/total_count", total)
        for n, study in enumerate(studies):
            try:
                yield study_item(study)
            except (ParseError, AttributeError, TypeError) as exc:
                self.skip(response.url, f"study #{n} on page {page}: {exc}")
        if not token or not studies:
            self.logger.info("ctgov: last page %d (%d studies on it)", page, len(studies))
            return
        if self.max_pages is not None and page >= self.max_pages:
            self.logger.info("ctgov: stopping at --max-pages %d; next token %s", page, token)
            return
        yield scrapy.Request(
            self.search_url(token),
            callback=self.parse,
            errback=self.on_error,
            cb_kwargs={"page": page + 1},
        )

    def parse_study(self, response: Response) -> Iterator[DocumentItem]:
        try:
            yield study_item(parse_single_study(response))
        except ParseError as exc:
            self.parse_error(response, exc)
