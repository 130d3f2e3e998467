"""What every CellVigil spider shares: --base-url rewriting, --since/--max-pages, logged skips."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.parse_common import ParseError

logger = logging.getLogger(__name__)


def rebase(url: str, base_url: str | None) -> str:
    """Replace scheme and host of ``url`` with those of ``base_url``; the path stays as is."""
    if not base_url:
        return url
    base = urlsplit(base_url)
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def failure_reason(failure: Failure) -> str:
    """A short human reason for a failed request (status, robots, size, redirects, network)."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text


class CellVigilSpider(scrapy.Spider):
    """Base spider: arguments common to all sources and one way to log a skip."""

    real_base = ""  # scheme+host of the real service, rewritten by --base-url

    def __init__(
        self,
        base_url: str | None = None,
        since: str | None = None,
        max_pages: str | int | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.since = date.fromisoformat(since) if since else None
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CellVigilSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        return spider

    def on_dropped(self, request: scrapy.Request) -> None:
        """A redirect back to a visited URL is dropped by the dupefilter: log it as a loop."""
        hops = request.meta.get("redirect_times")
        if hops:
            origin = (request.meta.get("redirect_urls") or [request.url])[0]
            self.skip(origin, f"redirect loop: back to {request.url} after {hops} redirects")

    def api_url(self, path: str, params: list[tuple[str, Any]] | None = None) -> str:
        """The URL of ``path`` on the real service (or the --base-url stand-in)."""
        query = urlencode([(k, v) for k, v in params or [] if v is not None])
        return rebase(f"{self.real_base}{path}" + (f"?{query}" if query else ""), self.base_url)

    def skip(self, url: str, reason: str) -> None:
        """Log that ``url`` was skipped and why; counts it in the crawl stats."""
        logger.warning("SKIP %s: %s", url, reason)
        self.crawler.stats.inc_value("cellvigil/skipped")
        self.crawler.stats.inc_value(f"cellvigil/skipped/{self.name}")

    def on_error(self, failure: Failure) -> None:
        """Errback for every request: a failed download is a logged skip, never a crash."""
        request = getattr(failure, "request", None)
        self.skip(request.url if request else "?", failure_reason(failure))

    def parse_error(self, response: Response, exc: ParseError) -> None:
        """Skip a response that could not be parsed."""
        self.skip(response.url, str(exc))
