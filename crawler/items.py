"""The one item every spider yields: a raw document with provenance, in the registry's contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

SOURCE_KINDS = ("trial_registration", "publication", "clinic_ad", "regulatory_action")
RAW_FORMATS = ("json", "xml", "html", "text")


def utc_now() -> str:
    """Current time as an ISO-8601 UTC timestamp (seconds precision, ``Z`` suffix)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class DocumentItem:
    """One raw document; ``dataclasses.asdict`` gives exactly the keys the registry ingests."""

    source: str
    source_kind: str
    external_id: str
    url: str
    title: str
    text: str
    year: int | None = None
    country: str | None = None
    published: str | None = None
    updated: str | None = None
    fetched_at: str = field(default_factory=utc_now)
    raw: str = ""
    raw_format: str = "json"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The item as the plain dict written to the spool."""
        return asdict(self)
