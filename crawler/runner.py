"""Run spiders in one CrawlerProcess with CellVigil's options; ``python -m crawler.runner`` too."""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SPIDERS = ("ctgov", "pubmed", "europepmc", "clinics", "fda")
INCREMENTAL = ("ctgov", "pubmed", "europepmc")  # spiders whose --since filter is used
STATE_FILE = "crawl_state.json"


def _load_state(db_path: Path | None) -> dict[str, str]:
    if db_path is None or not (db_path.parent / STATE_FILE).exists():
        return {}
    return json.loads((db_path.parent / STATE_FILE).read_text("utf-8"))


def _save_state(db_path: Path, state: dict[str, str]) -> None:
    path = db_path.parent / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True), "utf-8")
    tmp.replace(path)


def run(
    spiders: list[str],
    *,
    db_path: str | Path | None = None,
    spool_dir: str | Path | None = None,
    base_url: str | None = None,
    since: str | None = None,
    max_pages: int | None = None,
    jobdir: str | Path | None = None,
    spider_args: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """Crawl ``spiders`` together (one reactor) and return a per-spider summary.

    Without ``since``, an incremental spider resumes from the day before its last finished
    crawl into the same registry (``crawl_state.json`` beside the DB); ``full`` ignores that.
    """
    from scrapy.crawler import Crawler, CrawlerProcess
    from scrapy.settings import Settings

    unknown = [s for s in spiders if s not in SPIDERS]
    if unknown:
        raise ValueError(f"unknown spider(s) {unknown}; choose from {', '.join(SPIDERS)}")
    db = Path(db_path) if db_path else None
    base = Settings()
    base.setmodule("crawler.settings", priority="project")
    contact = (settings or {}).get("CELLVIGIL_CONTACT") or base.get("CELLVIGIL_CONTACT")
    base.set("USER_AGENT", f"CellVigilBot/0.1 (+{contact})", priority="cmdline")
    if db:
        base.set("CELLVIGIL_DB", str(db), priority="cmdline")
    if spool_dir or db:
        base.set("CELLVIGIL_SPOOL_DIR", str(spool_dir or db.parent / "spool"), priority="cmdline")
    for key, value in (settings or {}).items():
        base.set(key, value, priority="cmdline")
    state = _load_state(db)
    started = datetime.now(UTC).date()
    process = CrawlerProcess(base, install_root_handler=True)
    crawlers: dict[str, Crawler] = {}
    loader = process.spider_loader
    for name in spiders:
        crawler_settings = base.copy()
        if jobdir:
            crawler_settings.set("JOBDIR", str(Path(jobdir) / name), priority="cmdline")
        args = dict(spider_args or {})
        if base_url:
            args["base_url"] = base_url
        if max_pages is not None:
            args["max_pages"] = str(max_pages)
        spider_since = since or (
            (date.fromisoformat(state[name]) - timedelta(days=1)).isoformat()
            if name in INCREMENTAL and name in state and not full
            else None
        )
        if spider_since:
            args["since"] = spider_since
        first = not crawlers  # the first crawler installs the reactor, as CrawlerProcess does
        crawler = Crawler(loader.load(name), crawler_settings, init_reactor=first)
        crawlers[name] = crawler
        process.crawl(crawler, **args)
    t0 = time.perf_counter()
    process.start()
    summary: dict[str, Any] = {"elapsed_s": round(time.perf_counter() - t0, 2), "spiders": {}}
    for name, crawler in crawlers.items():
        stats = crawler.stats.get_stats() if crawler.stats else {}
        summary["spiders"][name] = {
            "finish_reason": stats.get("finish_reason"),
            "items": stats.get("item_scraped_count", 0),
            "dropped": stats.get("item_dropped_count", 0),
            "skipped": stats.get(f"cellvigil/skipped/{name}", 0),
            "requests": stats.get("downloader/request_count", 0),
            "retries": sum(v for k, v in stats.items() if k.startswith("cellvigil/retry/status/")),
            "ingest": {
                k.removeprefix("cellvigil/ingest/"): v
                for k, v in stats.items()
                if k.startswith("cellvigil/ingest/")
            },
        }
        # Move the incremental mark only after a clean crawl: a skipped page must be fetched
        # again next time, not hidden behind a later --since.
        clean = not summary["spiders"][name]["skipped"] and not stats.get("cellvigil/retry/gave_up")
        if db and stats.get("finish_reason") == "finished" and clean and name in INCREMENTAL:
            state[name] = started.isoformat()
    # Spiders run together share the spool, so a load may carry another spider's items:
    # the totals are the registry's view of the whole run.
    summary["ingest"] = {
        key: round(sum(s["ingest"].get(key, 0) for s in summary["spiders"].values()), 4)
        for key in ("inserted", "new_versions", "unchanged", "skipped", "batches")
    }
    summary["ingest"]["lock_seconds_max"] = max(
        (s["ingest"].get("lock_seconds_max", 0) for s in summary["spiders"].values()), default=0
    )
    if db:
        _save_state(db, state)
    return summary


def main(argv: list[str] | None = None) -> None:
    """Command-line entry used by ``crawl_all`` to run spiders in a fresh process."""
    parser = argparse.ArgumentParser(prog="python -m crawler.runner")
    parser.add_argument("spiders", nargs="+", choices=SPIDERS)
    parser.add_argument("--db")
    parser.add_argument("--spool")
    parser.add_argument("--base-url")
    parser.add_argument("--since")
    parser.add_argument("--max-pages", type=int)
    parser.add_argument("--jobdir")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("-a", dest="args", action="append", default=[], help="spider arg k=v")
    parser.add_argument("-s", dest="settings", action="append", default=[], help="setting k=v")
    parser.add_argument("--summary", help="write the JSON summary to this file")
    ns = parser.parse_args(argv)
    summary = run(
        ns.spiders,
        db_path=ns.db,
        spool_dir=ns.spool,
        base_url=ns.base_url,
        since=ns.since,
        max_pages=ns.max_pages,
        jobdir=ns.jobdir,
        spider_args=dict(a.split("=", 1) for a in ns.args),
        settings=dict(s.split("=", 1) for s in ns.settings),
        full=ns.full,
    )
    text = json.dumps(summary, indent=2)
    if ns.summary:
        Path(ns.summary).write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
