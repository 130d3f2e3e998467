"""``cellvigil extract`` and ``cellvigil evaluate``: the NLP stage's command-line contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

InPath = Annotated[Path, typer.Option("--in", exists=True, dir_okay=False, help="Input JSONL.")]
OutPath = Annotated[Path, typer.Option("--out", dir_okay=False, help="Output JSONL of facts.")]
NProcess = Annotated[int, typer.Option("--n-process", min=1, help="Worker processes.")]
BatchSize = Annotated[int, typer.Option("--batch-size", min=1, help="Documents per batch.")]
GoldPaths = Annotated[
    list[Path],
    typer.Option(
        "--gold",
        exists=True,
        dir_okay=False,
        help="Gold JSONL file(s): `--gold a.jsonl b.jsonl` or `--gold a --gold b`.",
    ),
]
Misses = Annotated[bool, typer.Option("--misses/--no-misses", help="List FN/FP per document.")]


def _records(path: Path):
    """Input lines as dicts; a line that is not JSON becomes a record the extractor reports."""
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                yield {"id": None, "_bad_json": f"line {n}: {exc.msg}"}


def extract(
    in_path: InPath, out_path: OutPath, n_process: NProcess = 1, batch_size: BatchSize = 64
) -> None:
    """Extract tissue, donor, route, dose, event and setting facts: one output line per input."""
    from nlp.extract import extract_records

    count = errors = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for fact in extract_records(_records(in_path), n_process=n_process, batch_size=batch_size):
            out.write(json.dumps(fact, ensure_ascii=False) + "\n")
            count += 1
            errors += "error" in fact
    typer.echo(f"wrote {count} lines to {out_path} ({errors} with errors)")


MoreGold = Annotated[
    list[Path] | None,
    typer.Argument(
        exists=True,
        dir_okay=False,
        show_default=False,
        help="Further gold files (so a shell glob after --gold works).",
    ),
]


def evaluate(
    gold: GoldPaths,
    more_gold: MoreGold = None,
    misses: Misses = True,
    n_process: NProcess = 1,
) -> None:
    """Score the extractor on gold files: P/R/F1 per field (micro-averaged) and the misses."""
    from nlp.evaluate import evaluate_files, report

    files = [*gold, *(more_gold or [])]
    typer.echo(report(evaluate_files(files, n_process=n_process), misses=misses))


def register(app: typer.Typer) -> None:
    """Add the NLP commands to the ``cellvigil`` app."""
    app.command("extract")(extract)
    app.command("evaluate")(evaluate)
