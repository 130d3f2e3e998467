"""Scrapy settings: polite by default (robots.txt, one request per host, AutoThrottle, backoff)."""

from __future__ import annotations

import os

BOT_NAME = "cellvigil"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are and how to reach us; override with the CELLVIGIL_CONTACT environment variable
# or ``-s CELLVIGIL_CONTACT=...``. The User-Agent is rebuilt from it by CrawlerSettings below.
CELLVIGIL_CONTACT = os.environ.get(
    "CELLVIGIL_CONTACT", "https://github.com/cellvigil/cellvigil (cellvigil@example.org)"
)
USER_AGENT = f"CellVigilBot/0.1 (+{CELLVIGIL_CONTACT})"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 60
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Bad input: a web page over 10 MB is cancelled (and logged; API spiders raise their own cap);
# redirect loops end after 5 hops.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5

# Retries on 429/5xx are done by our middleware, which honours Retry-After with backoff.
RETRY_ENABLED = False
CELLVIGIL_RETRY_TIMES = 5
CELLVIGIL_RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
CELLVIGIL_RETRY_BACKOFF_BASE = 2.0
CELLVIGIL_RETRY_BACKOFF_MAX = 300.0
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.PoliteRetryMiddleware": 550,
}

ITEM_PIPELINES = {
    "crawler.pipelines.SpoolPipeline": 800,
}
# Items are spooled as JSON lines here; None = <dir of CELLVIGIL_DB>/spool.
CELLVIGIL_SPOOL_DIR = None
CELLVIGIL_DB = None  # registry file loaded from the spool; None = spool only
CELLVIGIL_SPOOL_FLUSH = 200  # items per spool file (each file is renamed complete when full)
CELLVIGIL_LOAD_BATCH = 500  # load the spool into the registry every N items (and at close)

# Resumable crawls: pass JOBDIR (``--jobdir``); the disk queues need pickle-safe requests.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

HTTPCACHE_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
REMOTE_CONTROL_ENABLED = False  # no control port on crawl hosts
