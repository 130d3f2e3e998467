"""One loader for the closed vocabularies, so every layer uses the same keys."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

VOCABULARY_FILE = "vocabulary.json"


@cache
def vocabulary() -> dict[str, dict[str, Any]]:
    """Return the vocabularies from ``data/vocabulary.json`` (without the ``_about`` note)."""
    text = resources.files("cellvigil.data").joinpath(VOCABULARY_FILE).read_text("utf-8")
    vocab = json.loads(text)
    vocab.pop("_about", None)
    return vocab


def keys(name: str) -> list[str]:
    """Keys of one vocabulary, in the file's order (e.g. ``keys("routes")``)."""
    try:
        return list(vocabulary()[name])
    except KeyError as exc:
        raise KeyError(f"no vocabulary named {name!r} in {VOCABULARY_FILE}") from exc


def route_class(route: str) -> str:
    """Route class (intravascular, local, other) of a route key."""
    return vocabulary()["routes"][route]["route_class"]
