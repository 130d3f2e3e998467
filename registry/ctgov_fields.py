"""Pure helpers for ClinicalTrials.gov values shared by the CSV and legacy-record loaders."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_DATE_FORMATS = (
    ("%B %d, %Y", "%Y-%m-%d"),
    ("%B %Y", "%Y-%m"),
    ("%Y-%m-%d", "%Y-%m-%d"),
    ("%Y-%m", "%Y-%m"),
)
_PHASE_RE = re.compile(r"(early\s*)?phase\s*(\d)", re.IGNORECASE)


def iso_date(value: str | None) -> str | None:
    """'June 17, 2020' -> '2020-06-17', 'June 2020' -> '2020-06'; unknown forms -> None."""
    if not value:
        return None
    text = value.strip()
    for parse, out in _DATE_FORMATS:
        try:
            return datetime.strptime(text, parse).strftime(out)
        except ValueError:
            continue
    return None


def year_of(value: str | None) -> int | None:
    """The year of an ISO (partial) date."""
    return int(value[:4]) if value and value[:4].isdigit() else None


def normalise_phase(values: list[str]) -> str | None:
    """'Phase 1|Phase 2' or ['Phase 1', 'Phase 2'] -> 'PHASE1|PHASE2' (the API v2 spelling)."""
    phases: list[str] = []
    for value in values:
        for part in re.split(r"[|/,]", value or ""):
            match = _PHASE_RE.search(part)
            if match:
                phases.append(("EARLY_PHASE" if match.group(1) else "PHASE") + match.group(2))
            elif part.strip().upper() in ("NA", "N/A", "NOT APPLICABLE"):
                phases.append("NA")
    return "|".join(dict.fromkeys(phases)) or None


def split_pipe(value: str | None) -> list[str]:
    """A '|'-separated CSV cell as a list without empty parts."""
    return [p.strip() for p in (value or "").split("|") if p.strip()]


def country_of_location(location: str) -> str | None:
    """The country of 'Facility, City, State, Country' (its last comma part)."""
    parts = [p.strip() for p in location.split(",") if p.strip()]
    return parts[-1] if parts else None


def trial_item(
    source: str,
    trial: dict[str, Any],
    text: str,
    raw: str,
    raw_format: str,
    provenance: str,
    fetched_at: str,
    adverse_events: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A registry item for one trial registration, whichever ClinicalTrials.gov form it came in."""
    countries = trial.get("countries") or []
    extra: dict[str, Any] = {"nct_ids": [trial["nct_id"]], "trial": trial}
    if adverse_events is not None:
        extra["adverse_events"] = adverse_events
    return {
        "source": source,
        "source_kind": "trial_registration",
        "external_id": trial["nct_id"],
        "url": trial["url"],
        "title": trial["title"],
        "text": text,
        "year": year_of(trial.get("start_date")),
        "country": countries[0] if countries else None,
        "published": trial.get("first_posted"),
        "updated": trial.get("last_update_posted"),
        "fetched_at": fetched_at,
        "raw": raw,
        "raw_format": raw_format,
        "extra": extra,
        "provenance": provenance,
    }
