"""Retry 429/5xx with exponential backoff, honouring Retry-After, without blocking other hosts."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
from datetime import UTC, datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PoliteRetryMiddleware:
    """Reissue a request after 429/5xx: wait Retry-After if given, else base**n (+jitter)."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.max_times = settings.getint("CELLVIGIL_RETRY_TIMES")
        self.codes = {int(c) for c in settings.getlist("CELLVIGIL_RETRY_HTTP_CODES")}
        self.base = settings.getfloat("CELLVIGIL_RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("CELLVIGIL_RETRY_BACKOFF_MAX")
        if self.max_times <= 0:
            raise NotConfigured("CELLVIGIL_RETRY_TIMES is 0")
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRetryMiddleware:
        return cls(crawler)

    def delay_for(self, response: Response, attempt: int) -> float:
        """Retry-After when present (capped), else exponential backoff with jitter."""
        after = retry_after_seconds(response.headers.get(b"Retry-After"))
        if after is not None:
            return min(after, self.cap)
        return min(self.base**attempt + random.uniform(0, 0.5), self.cap)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        attempt = request.meta.get("cellvigil_retry", 0) + 1
        stats = self.crawler.stats
        if attempt > self.max_times:
            stats.inc_value("cellvigil/retry/gave_up")
            logger.error(
                "Gave up on %s after %d retries (HTTP %d)",
                request.url,
                attempt - 1,
                response.status,
            )
            return response
        delay = self.delay_for(response, attempt)
        stats.inc_value(f"cellvigil/retry/status/{response.status}")
        logger.info(
            "HTTP %d on %s: retry %d/%d in %.1fs",
            response.status,
            request.url,
            attempt,
            self.max_times,
            delay,
        )
        await asyncio.sleep(delay)
        retry = request.replace(dont_filter=True)
        retry.meta["cellvigil_retry"] = attempt
        return retry
