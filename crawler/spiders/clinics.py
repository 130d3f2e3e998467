"""Clinic-site spider: same-domain pages within depth/page limits; WordPress posts via REST."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response, TextResponse

from crawler import seeds
from crawler.items import DocumentItem
from crawler.parse_clinic import (
    decoded_html,
    is_wp_post_page,
    page_item,
    parse_wp_posts,
    same_site_links,
    wp_api_root,
    wp_post_item,
)
from crawler.parse_common import ParseError
from crawler.spiders.base import CellVigilSpider, rebase


class ClinicsSpider(CellVigilSpider):
    """Pages of each clinic in data/seeds/clinics.csv (or ``domains=a.com,b.mx``).

    Arguments: ``domains``, ``country`` (for ``domains``), ``max_depth`` (default 2);
    ``--max-pages`` caps HTML pages per site (default 50).
    """

    name = "clinics"

    def __init__(
        self,
        domains: str | None = None,
        country: str | None = None,
        max_depth: str | int = 2,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if domains:
            self.seeds = [
                seeds.ClinicSeed(d.strip().lower(), country or None)
                for d in domains.split(",")
                if d.strip()
            ]
        else:
            self.seeds = seeds.clinic_seeds()
        self.max_depth = int(max_depth)
        self.page_limit = self.max_pages if self.max_pages is not None else 50
        self.pages: Counter[str] = Counter()  # distinct pages requested per site
        self.requested: set[str] = set()
        self.wp_roots: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for seed in self.seeds:
            url = rebase(f"https://{seed.domain}{seed.start_path}", self.base_url)
            yield self.page_request(url, seed.domain, seed.country, 0)

    def page_request(
        self, url: str, domain: str, country: str | None, depth: int
    ) -> scrapy.Request:
        self.pages[domain] += 1
        self.requested.add(url)
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            cb_kwargs={"domain": domain, "country": country, "depth": depth},
        )

    def parse_page(
        self, response: Response, domain: str, country: str | None, depth: int
    ) -> Iterator[DocumentItem | scrapy.Request]:
        root = wp_api_root(response)
        if root and root not in self.wp_roots:
            self.wp_roots.add(root)
            yield self.posts_request(root, domain, country, 1)
        try:
            html = decoded_html(response)
        except ParseError as exc:
            self.parse_error(response, exc)
            return
        assert isinstance(response, TextResponse)
        if is_wp_post_page(response):
            self.logger.debug(
                "clinics: %s is a WordPress post, read via the REST API", response.url
            )
        else:
            try:
                yield page_item(response, domain, country, html)
            except ParseError as exc:
                self.parse_error(response, exc)
        if depth >= self.max_depth:
            return
        for url in same_site_links(response):
            if url in self.requested:
                continue
            if self.pages[domain] >= self.page_limit:
                self.logger.info("clinics: page limit %d reached for %s", self.page_limit, domain)
                return
            yield self.page_request(url, domain, country, depth + 1)

    def posts_request(
        self, root: str, domain: str, country: str | None, page: int
    ) -> scrapy.Request:
        base = root if root.endswith("/") else root + "/"
        query = urlencode([("per_page", 100), ("page", page)])
        url = rebase(f"{base}wp/v2/posts?{query}", self.base_url)
        return scrapy.Request(
            url,
            callback=self.parse_posts,
            errback=self.on_error,
            cb_kwargs={"root": root, "domain": domain, "country": country, "page": page},
        )

    def parse_posts(
        self, response: Response, root: str, domain: str, country: str | None, page: int
    ) -> Iterator[DocumentItem | scrapy.Request]:
        try:
            posts, total_pages = parse_wp_posts(response)
        except ParseError as exc:
            self.parse_error(response, exc)
            return
        for post in posts:
            try:
                yield wp_post_item(post, domain, country)
            except (ParseError, AttributeError, TypeError) as exc:
                self.skip(
                    response.url, f"post {post.get('id') if isinstance(post, dict) else '?'}: {exc}"
                )
        if page < total_pages:
            yield self.posts_request(root, domain, country, page + 1)
