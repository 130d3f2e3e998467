"""The ``cellvigil`` console command: one Typer app, each stage registering its own subcommands.

Heavy libraries (scrapy, spaCy, streamlit) are imported inside the commands, so ``--help``
stays fast and a stage can be used without loading the others.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    help="CellVigil: safety-surveillance registry for mesenchymal stromal cell therapies.",
    no_args_is_help=True,
    add_completion=False,
)

# Modules that expose ``register(app)``; a stage is listed here only once it exists.
STAGE_COMMAND_MODULES = (
    "crawler.commands",
    "nlp.commands",
    "cellvigil.commands",
    "registry.commands",
)

for _module in STAGE_COMMAND_MODULES:
    importlib.import_module(_module).register(app)


if __name__ == "__main__":
    app()
