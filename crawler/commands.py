"""The ``cellvigil crawl`` command, ``crawl_all`` for ``cellvigil run``, and a network probe."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from cellvigil.paths import default_db
from crawler.runner import SPIDERS


def network_available(
    timeout: float = 3, host: str = "clinicaltrials.gov", port: int = 443
) -> bool:
    """True when a TCP connection to ``host:port`` opens within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    out = {}
    for value in values or []:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{option} expects KEY=VALUE, got {value!r}")
        out[key] = val
    return out


def crawl(
    spider: Annotated[str, typer.Argument(help=f"One of: {', '.join(SPIDERS)}, or 'all'.")],
    base_url: Annotated[
        str | None, typer.Option(help="Replace scheme and host (e.g. a loopback mock).")
    ] = None,
    db: Annotated[Path | None, typer.Option(help="Registry file to load the items into.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only records updated on/after this ISO date.")
    ] = None,
    max_pages: Annotated[int | None, typer.Option(help="Stop after N result pages.")] = None,
    jobdir: Annotated[
        Path | None, typer.Option(help="Keep crawl state here to resume a stopped crawl.")
    ] = None,
    spool: Annotated[
        Path | None, typer.Option(help="Spool folder (default: <db dir>/spool).")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore the last-crawl date; crawl everything.")
    ] = False,
    arg: Annotated[
        list[str] | None, typer.Option("--arg", "-a", help="Spider argument KEY=VALUE.")
    ] = None,
    setting: Annotated[
        list[str] | None, typer.Option("--set", "-s", help="Scrapy setting KEY=VALUE.")
    ] = None,
) -> None:
    """Crawl one source (or all) into the spool and load it into the registry; prints a summary.

    Without --since, ctgov, pubmed and europepmc resume from their last finished crawl into the
    same registry. Stop with Ctrl-C once; rerun with the same --jobdir to resume.
    """
    from crawler.runner import run

    names = list(SPIDERS) if spider == "all" else [spider]
    if any(n not in SPIDERS for n in names):
        raise typer.BadParameter(f"unknown spider {spider!r}; choose from {', '.join(SPIDERS)}")
    summary = run(
        names,
        db_path=db or default_db(),
        spool_dir=spool,
        base_url=base_url,
        since=since,
        max_pages=max_pages,
        jobdir=jobdir,
        spider_args=_pairs(arg, "--arg"),
        settings=_pairs(setting, "--set"),
        full=full,
    )
    typer.echo(json.dumps(summary, indent=2))
    failed = [n for n, s in summary["spiders"].items() if s["finish_reason"] != "finished"]
    if failed:
        raise typer.Exit(1)


def crawl_all(
    db_path: str | Path,
    *,
    spiders: tuple[str, ...] | list[str] = SPIDERS,
    base_url: str | None = None,
    since: str | None = None,
    max_pages: int | None = None,
    jobdir: str | Path | None = None,
    settings: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run every spider in a fresh process (Twisted cannot restart) and return its summary.

    The summary has ``returncode``, ``elapsed_s`` and per spider ``items``, ``skipped`` and the
    ``ingest`` counts (inserted, new_versions, unchanged, lock_seconds_max ...).
    """
    with tempfile.TemporaryDirectory(prefix="cellvigil-crawl-") as tmp:
        out = Path(tmp) / "summary.json"
        cmd = [sys.executable, "-m", "crawler.runner", *spiders, "--db", str(db_path)]
        cmd += ["--summary", str(out)]
        for flag, value in (("--base-url", base_url), ("--since", since), ("--jobdir", jobdir)):
            if value:
                cmd += [flag, str(value)]
        if max_pages is not None:
            cmd += ["--max-pages", str(max_pages)]
        for key, value in (settings or {}).items():
            cmd += ["-s", f"{key}={value}"]
        proc = subprocess.run(cmd, timeout=timeout, check=False)
        summary: dict[str, Any] = json.loads(out.read_text("utf-8")) if out.exists() else {}
    summary["returncode"] = proc.returncode
    return summary


def register(app: typer.Typer) -> None:
    """Add ``crawl`` to the ``cellvigil`` command."""
    app.command("crawl")(crawl)
