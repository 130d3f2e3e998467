"""Reading JSON Lines line by line: a bad line (not UTF-8, not JSON) is a named skip, not a stop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """Yield ``(line_no, object, None)`` per good line, ``(line_no, None, reason)`` per bad one."""
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield line_no, None, f"not UTF-8 ({exc.reason} at byte {exc.start})"
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line_no, None, f"not JSON ({exc.msg} at column {exc.colno})"
                continue
            if not isinstance(obj, dict):
                yield line_no, None, f"a JSON {type(obj).__name__}, not an object"
                continue
            yield line_no, obj, None
