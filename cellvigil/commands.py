"""The commands that wire stages together: build, serve and run (the main job)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from cellvigil.paths import DB_ENV, default_snapshot

DbOption = Annotated[Path, typer.Option("--db", envvar=DB_ENV, help="Registry file (DuckDB).")]
DEFAULT_DB = Path("cellvigil.duckdb")
log = logging.getLogger("cellvigil")


def _setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )


def build(
    snapshot: Annotated[
        Path | None, typer.Option("--snapshot", help="Snapshot folder to load first.")
    ] = None,
    db: DbOption = DEFAULT_DB,
    no_extract: Annotated[bool, typer.Option("--no-extract", help="Load only.")] = False,
    n_process: Annotated[int, typer.Option("--n-process", min=1)] = 1,
) -> None:
    """Load a snapshot folder (optional), run the NLP extraction, publish the registry atomically.

    The registry is written to a new file that then replaces the old one: a build that fails or
    is killed leaves the previous registry untouched and readable.
    """
    from registry.build import build as run_build
    from registry.snapshot import SnapshotError

    _setup_logging()
    try:
        summary = run_build(db, snapshot=snapshot, extract=not no_extract, n_process=n_process)
    except SnapshotError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    report = summary.ingest
    typer.echo(
        f"registry {summary.db_path}: {report.inserted} new documents, {report.new_versions} new "
        f"versions, {report.unchanged} unchanged, {report.skipped} skipped; "
        f"{summary.extracted} extracted ({summary.extraction_errors} with errors) "
        f"in {summary.seconds:.1f} s"
    )
    for kind, count in summary.documents_by_kind.items():
        typer.echo(f"  {kind}: {count}")
    for reason in report.skipped_reasons[:20]:
        typer.echo(f"  skipped: {reason}")


def serve(
    db: DbOption = DEFAULT_DB,
    port: Annotated[int, typer.Option("--port")] = 8501,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
) -> None:
    """Serve the Streamlit dashboard over the registry, opened read-only."""
    app_path = resources.files("dashboard").joinpath("app.py")
    env = {**os.environ, DB_ENV: str(Path(db).resolve())}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    typer.echo(f"serving {db} on http://{host}:{port}")
    raise typer.Exit(subprocess.call(cmd, env=env))


def run(
    db: DbOption = DEFAULT_DB,
    snapshot: Annotated[
        Path | None,
        typer.Option("--snapshot", help="Snapshot folder (default: ../shared/snapshot)."),
    ] = None,
    port: Annotated[int, typer.Option("--port")] = 8501,
    offline: Annotated[bool, typer.Option("--offline", help="Skip the live crawl.")] = False,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after the build.")] = False,
) -> None:
    """The main job: crawl the live sources when the network is reachable, build, then serve.

    With no network it says so and builds from the snapshot folder instead. When both are
    there, the snapshot seeds the registry and the crawl's newer records supersede it.
    """
    _setup_logging()
    snapshot = snapshot or default_snapshot()
    have_snapshot = Path(snapshot).is_dir()
    crawled = False
    if offline:
        typer.echo("offline run requested: building from the snapshot")
    else:
        from crawler import commands as crawl_commands

        if crawl_commands.network_available():
            typer.echo("network reachable: crawling the live sources")
            summary = crawl_commands.crawl_all(db)
            crawled = summary.get("returncode") == 0
            if not crawled:
                typer.echo(f"the crawl did not finish cleanly (exit {summary.get('returncode')})")
        else:
            typer.echo(
                "no network: the live sources cannot be reached; "
                f"building from the snapshot at {snapshot}"
            )
    if not crawled and not have_snapshot:
        typer.echo(f"error: nothing to build from: no snapshot folder at {snapshot}", err=True)
        raise typer.Exit(2)
    build(snapshot=snapshot if have_snapshot else None, db=db, no_extract=False, n_process=1)
    if not no_serve:
        serve(db=db, port=port)


def register(app: typer.Typer) -> None:
    """Add build, serve and run to the ``cellvigil`` command."""
    app.command()(build)
    app.command()(serve)
    app.command()(run)
