"""Seed lists (search terms, clinic domains, FDA pages) read from ``data/seeds`` as package data."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

SEEDS = "seeds"


def _read(name: str) -> str:
    return resources.files("cellvigil.data").joinpath(SEEDS, name).read_text("utf-8")


@cache
def msc_terms() -> dict[str, Any]:
    """The search terms file ``data/seeds/msc_terms.json``."""
    data = json.loads(_read("msc_terms.json"))
    for key in ("terms", "products"):
        if not data.get(key):
            raise ValueError(f"data/seeds/msc_terms.json: '{key}' is missing or empty")
    return data


def all_phrases() -> list[str]:
    """Terms and product names together, in file order."""
    data = msc_terms()
    return list(dict.fromkeys(data["terms"] + data["products"]))


def ctgov_query() -> str:
    """An Essie OR-query of every quoted phrase, for ``query.term``."""
    return " OR ".join(f'"{p}"' for p in all_phrases())


def pubmed_query() -> str:
    """An E-utilities term: MeSH headings plus every phrase in title/abstract."""
    mesh = [f'"{m}"[MeSH Terms]' for m in msc_terms().get("pubmed_mesh", [])]
    return "(" + " OR ".join(mesh + [f'"{p}"[tiab]' for p in all_phrases()]) + ")"


def europepmc_query() -> str:
    """A Europe PMC query over title and abstract for every phrase."""
    return "(" + " OR ".join(f'TITLE_ABS:"{p}"' for p in all_phrases()) + ")"


@dataclass(frozen=True)
class ClinicSeed:
    """One clinic site to crawl."""

    domain: str
    country: str | None = None
    start_path: str = "/"


def _csv_rows(name: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(_read(name))))
    for n, row in enumerate(rows, 2):
        missing = [k for k in required if not (row.get(k) or "").strip()]
        if missing:
            raise ValueError(f"data/seeds/{name} line {n}: missing {', '.join(missing)}")
    return rows


def clinic_seeds() -> list[ClinicSeed]:
    """The clinic seed list ``data/seeds/clinics.csv``."""
    return [
        ClinicSeed(
            domain=row["domain"].strip().lower(),
            country=(row.get("country") or "").strip() or None,
            start_path=(row.get("start_path") or "/").strip() or "/",
        )
        for row in _csv_rows("clinics.csv", ("domain",))
    ]


def fda_seeds() -> list[tuple[str, str]]:
    """(url, kind) pairs from ``data/seeds/fda_pages.csv``; kind is letter, notice or index."""
    rows = _csv_rows("fda_pages.csv", ("url", "kind"))
    for row in rows:
        if row["kind"] not in ("letter", "notice", "index"):
            raise ValueError(f"data/seeds/fda_pages.csv: unknown kind {row['kind']!r}")
    return [(row["url"].strip(), row["kind"]) for row in rows]
