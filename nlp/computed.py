"""A dict that computes a missing value once: the per-word and per-character caches of the
matchers and the tokenizer stand-ins (a hit is then a plain dict look-up, no call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Computed(dict):  # type: ignore[type-arg]
    """A dict that fills a missing key from a function: a plain look-up once filled."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value
