"""PubMed spider: esearch on the history server, sliced by date under the cap, efetch in batches."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.settings import BaseSettings

from crawler import seeds
from crawler.items import DocumentItem
from crawler.parse_common import ParseError
from crawler.parse_pubmed import parse_efetch, parse_esearch
from crawler.spiders.base import CellVigilSpider

EUTILS = "/entrez/eutils"
ESEARCH_CAP = 9999  # esearch cannot page past 10,000 records: slice dates until under this


def _fmt(day: date) -> str:
    return day.strftime("%Y/%m/%d")


class PubmedSpider(CellVigilSpider):
    """Every PubMed record the MSC term returns, parsed from efetch XML.

    Arguments: ``term`` (default from data/seeds/msc_terms.json), ``until`` (ISO date, default
    today), ``batch`` (efetch retmax, default 200). ``--since`` switches to modification dates.
    Settings: ``PUBMED_ESEARCH_CAP`` (default 9999). NCBI_API_KEY in the environment raises the
    rate from 3 to 10 requests a second.
    """

    name = "pubmed"
    real_base = "https://eutils.ncbi.nlm.nih.gov"
    first_day = date(1950, 1, 1)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        rate = 10 if os.environ.get("NCBI_API_KEY") else 3
        settings.set("DOWNLOAD_DELAY", round(1.0 / rate + 0.01, 3), priority="spider")
        settings.set("DOWNLOAD_DELAY_JITTER", 0, priority="spider")
        settings.set("RANDOMIZE_DOWNLOAD_DELAY", False, priority="spider")

    def __init__(
        self,
        term: str | None = None,
        until: str | None = None,
        batch: str | int = 200,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.term = term or seeds.pubmed_query()
        self.until = date.fromisoformat(until) if until else date.today()
        self.batch = max(1, min(int(batch), 10000))
        self.api_key = os.environ.get("NCBI_API_KEY")
        self.datetype = "mdat" if self.since else "edat"

    def _common(self) -> list[tuple[str, Any]]:
        email = self.settings.get("CELLVIGIL_CONTACT", "")
        email = next((w.strip("()<>") for w in email.split() if "@" in w), None)
        return [("tool", "cellvigil"), ("email", email), ("api_key", self.api_key)]

    def esearch(self, start: date, end: date) -> scrapy.Request:
        """An esearch for one date slice, results kept on the history server."""
        params = [
            ("db", "pubmed"),
            ("term", self.term),
            ("usehistory", "y"),
            ("retmax", 0),
            ("datetype", self.datetype),
            ("mindate", _fmt(start)),
            ("maxdate", _fmt(end)),
        ] + self._common()
        return scrapy.Request(
            self.api_url(f"{EUTILS}/esearch.fcgi", params),
            callback=self.parse_esearch,
            errback=self.on_error,
            cb_kwargs={"start": start.isoformat(), "end": end.isoformat()},
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.esearch(self.since or self.first_day, self.until)

    def parse_esearch(self, response: Response, start: str, end: str) -> Iterator[scrapy.Request]:
        try:
            result = parse_esearch(response)
        except ParseError as exc:
            self.parse_error(response, exc)
            return
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        cap = self.settings.getint("PUBMED_ESEARCH_CAP", ESEARCH_CAP)
        if result.count > cap and last > first:
            middle = first + timedelta(days=(last - first).days // 2)
            self.logger.info(
                "pubmed: %d records %s..%s > %d, slicing", result.count, start, end, cap
            )
            yield self.esearch(first, middle)
            yield self.esearch(middle + timedelta(days=1), last)
            return
        count = result.count
        if count > cap:
            self.skip(response.url, f"{count - cap} records on {start} beyond the {cap} cap")
            count = cap
        if count and not (result.webenv and result.query_key):
            self.skip(response.url, "esearch returned no WebEnv/QueryKey")
            return
        self.crawler.stats.inc_value("cellvigil/pubmed/esearch_count", count)
        for retstart in range(0, count, self.batch):
            params = [
                ("db", "pubmed"),
                ("query_key", result.query_key),
                ("WebEnv", result.webenv),
                ("retstart", retstart),
                ("retmax", min(self.batch, count - retstart)),
                ("retmode", "xml"),
            ] + self._common()
            # Each efetch belongs to its own esearch slice; two slices may share a history
            # handle, so the URL alone must not make the dupefilter drop one.
            yield scrapy.Request(
                self.api_url(f"{EUTILS}/efetch.fcgi", params),
                callback=self.parse_efetch,
                errback=self.on_error,
                dont_filter=True,
            )

    def parse_efetch(self, response: Response) -> Iterator[DocumentItem]:
        try:
            items, skipped = parse_efetch(response)
        except ParseError as exc:
            self.parse_error(response, exc)
            return
        for reason in skipped:
            self.skip(response.url, reason)
        yield from items
