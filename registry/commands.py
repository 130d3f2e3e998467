"""The registry's own subcommands: ``cellvigil export`` and the sandboxed ``cellvigil sql``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cellvigil.paths import default_db

DbOption = Annotated[
    Path | None, typer.Option("--db", help="Registry file (DuckDB); default $CELLVIGIL_DB.")
]


class ExportFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def export(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into (created).")],
    db: DbOption = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="parquet or csv.")
    ] = ExportFormat.parquet,
) -> None:
    """Write every public view (one file each) and the data dictionary to a folder.

    CSV files hold list columns as JSON text; Parquet keeps their types.
    """
    from registry.db import RegistryMissing
    from registry.export import ExportError, export_registry

    try:
        report = export_registry(db or default_db(), out, fmt.value)
    except (RegistryMissing, ExportError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for view, path in report.files.items():
        typer.echo(f"{path}  {report.rows[view]} rows")
    typer.echo(f"{report.dictionary}")


def sql(
    query: Annotated[str, typer.Argument(help="One SELECT statement.")],
    db: DbOption = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table, csv or json.")
    ] = OutputFormat.table,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds before the query is interrupted.")
    ] = 10.0,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1)] = 10_000,
) -> None:
    """Run one read-only SELECT on the registry in a sandbox.

    No file or network access, no ATTACH/COPY/EXPORT/INSTALL/LOAD/SET/PRAGMA and no writes; a
    runaway query is interrupted after --timeout seconds. A refused query exits with code 3 and
    names the rule that refused it; a query DuckDB cannot run exits with code 1. The registry
    file is never modified.
    """
    from registry.db import RegistryMissing
    from registry.sql_sandbox import QueryFailed, QueryRefused, run_query

    try:
        df = run_query(db or default_db(), query, timeout_s=timeout, max_rows=max_rows)
    except QueryRefused as exc:
        typer.echo(f"refused [{exc.rule}]: {exc.message}", err=True)
        raise typer.Exit(3) from exc
    except QueryFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    except RegistryMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if fmt is OutputFormat.csv:
        df.to_csv(sys.stdout, index=False)
    elif fmt is OutputFormat.json:
        typer.echo(df.to_json(orient="records", date_format="iso", force_ascii=False))
    else:
        typer.echo(df.to_string(index=False, max_colwidth=60) if len(df) else "(no rows)")
    if df.attrs.get("truncated"):
        typer.echo(f"(first {max_rows} rows shown)", err=True)


def register(app: typer.Typer) -> None:
    """Add export and sql to the ``cellvigil`` command."""
    app.command()(export)
    app.command()(sql)
