"""Rule files live as data under ``cellvigil.data/nlp``; this loads and validates them loudly."""

from __future__ import annotations

import csv
import json
import re
import warnings
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

RULE_PACKAGE = "cellvigil.data"
RULE_DIR = "nlp"
RULE_KEYS = {"id", "label", "pattern", "case_sensitive", "needs_cell", "attach", "comment"}


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and the rule id at fault."""


@dataclass(frozen=True)
class Rule:
    """One matcher rule: a phrase (str), a spaCy token pattern (list of dicts) or a text regex
    (``{"regex": ..., "requires": [words]}``, compiled into ``compiled``; case-insensitive unless
    case_sensitive; skipped unless one of the lower-case ``requires`` words is in the text)."""

    id: str
    label: str
    pattern: str | list[dict[str, Any]] | dict[str, str]
    case_sensitive: bool = False
    needs_cell: bool = False
    attach: str = ""
    compiled: re.Pattern[str] | None = field(default=None, compare=False)
    requires: tuple[str, ...] = ()


def read_data_text(name: str) -> str:
    """Text of one file under ``cellvigil.data`` (e.g. ``nlp/route_patterns.jsonl``)."""
    return resources.files(RULE_PACKAGE).joinpath(name).read_text("utf-8")


@cache
def load_rules(filename: str, labels: frozenset[str]) -> tuple[Rule, ...]:
    """Load ``data/nlp/<filename>`` (JSONL), rejecting unknown keys, labels and duplicate ids."""
    path = f"{RULE_DIR}/{filename}"
    try:
        text = read_data_text(path)
    except FileNotFoundError as exc:
        raise RuleError(f"rule file {path} not found in {RULE_PACKAGE}") from exc
    rules: list[Rule] = []
    seen: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RuleError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc
        rule_id = raw.get("id")
        where = f"{path}:{lineno} rule {rule_id!r}"
        if not rule_id or not isinstance(rule_id, str):
            raise RuleError(f"{path}:{lineno}: rule without a string 'id'")
        if rule_id in seen:
            raise RuleError(f"{where}: duplicate id")
        seen.add(rule_id)
        unknown = set(raw) - RULE_KEYS
        if unknown:
            raise RuleError(f"{where}: unknown keys {sorted(unknown)}")
        if raw.get("label") not in labels:
            label = raw.get("label")
            raise RuleError(f"{where}: unknown label {label!r}; expected {sorted(labels)}")
        pattern = raw.get("pattern")
        valid = (
            (isinstance(pattern, str) and pattern.strip())
            or (isinstance(pattern, list) and pattern and all(isinstance(t, dict) for t in pattern))
            or (
                isinstance(pattern, dict)
                and "regex" in pattern
                and set(pattern) <= {"regex", "requires"}
            )
        )
        if not valid:
            raise RuleError(
                f"{where}: 'pattern' must be a phrase, a list of token dicts or {{\"regex\": ...}}"
            )
        compiled = None
        if isinstance(pattern, dict):
            flags = 0 if raw.get("case_sensitive") else re.IGNORECASE
            try:
                compiled = re.compile(pattern["regex"], flags)
            except (re.error, TypeError) as exc:
                raise RuleError(f"{where}: bad regex ({exc})") from exc
        rules.append(
            Rule(
                id=rule_id,
                label=raw["label"],
                pattern=pattern,
                case_sensitive=bool(raw.get("case_sensitive", False)),
                needs_cell=bool(raw.get("needs_cell", False)),
                attach=str(raw.get("attach", "")),
                compiled=compiled,
                requires=tuple(pattern.get("requires", ())) if isinstance(pattern, dict) else (),
            )
        )
    if not rules:
        warnings.warn(f"rule file {path} holds no rules", stacklevel=2)
    return tuple(rules)


@cache
def load_lexicon(filename: str) -> dict[str, tuple[str, ...]]:
    """Load ``data/nlp/<filename>`` (JSON object of word lists), lower-cased."""
    path = f"{RULE_DIR}/{filename}"
    raw = json.loads(read_data_text(path))
    out: dict[str, tuple[str, ...]] = {}
    for key, values in raw.items():
        if key.startswith("_"):
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise RuleError(f"{path}: entry {key!r} must be a list of strings")
        out[key] = tuple(v.lower() for v in values)
    return out


@cache
def load_products() -> tuple[dict[str, str], ...]:
    """Rows of ``data/products.csv`` (product, aliases, tissue_source, donor, ...), validated."""
    from cellvigil.vocabulary import keys

    tissues, donors = set(keys("tissue_sources")), set(keys("donor"))
    rows = list(csv.DictReader(read_data_text("products.csv").splitlines()))
    for n, row in enumerate(rows, 2):
        where = f"products.csv line {n} ({row.get('product')!r})"
        if not row.get("product"):
            raise RuleError(f"{where}: empty product name")
        if row.get("tissue_source") and row["tissue_source"] not in tissues:
            raise RuleError(f"{where}: unknown tissue_source {row['tissue_source']!r}")
        if row.get("donor") and row["donor"] not in donors:
            raise RuleError(f"{where}: unknown donor {row['donor']!r}")
    if not rows:
        warnings.warn("products.csv holds no products", stacklevel=2)
    return tuple(rows)
