"""FDA spider: warning letters, untitled letters and safety notices from a seed list of pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from crawler import seeds
from crawler.items import DocumentItem
from crawler.parse_common import ParseError
from crawler.parse_fda import letter_item, letter_links
from crawler.spiders.base import CellVigilSpider, rebase


class FdaSpider(CellVigilSpider):
    """Each seed letter/notice page, and every letter linked from a seed index page.

    Arguments: ``urls`` (comma-separated letter URLs instead of data/seeds/fda_pages.csv).
    """

    name = "fda"

    def __init__(self, urls: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if urls:
            self.seed_pages = [(u.strip(), "letter") for u in urls.split(",") if u.strip()]
        else:
            self.seed_pages = seeds.fda_seeds()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url, kind in self.seed_pages:
            callback = self.parse_index if kind == "index" else self.parse_letter
            yield scrapy.Request(
                rebase(url, self.base_url), callback=callback, errback=self.on_error
            )

    def parse_index(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.skip(response.url, "index page is not text")
            return
        links = letter_links(response)
        self.logger.info("fda: %d letters linked from %s", len(links), response.url)
        for n, url in enumerate(links):
            if self.max_pages is not None and n >= self.max_pages:
                break
            yield scrapy.Request(url, callback=self.parse_letter, errback=self.on_error)

    def parse_letter(self, response: Response) -> Iterator[DocumentItem]:
        try:
            yield letter_item(response)
        except ParseError as exc:
            self.parse_error(response, exc)
