"""ClinicalTrials.gov search-results CSV export rows -> document items with trial metadata."""

from __future__ import annotations

import json
from typing import Any

from registry.ctgov_fields import (
    country_of_location,
    iso_date,
    normalise_phase,
    split_pipe,
    trial_item,
)

REQUIRED_COLUMNS = ("NCT Number", "Title")
SPONSOR_CLASS = {
    "industry": "INDUSTRY",
    "nih": "NIH",
    "other": "OTHER",
    "u.s. fed": "FED",
    "other_gov": "OTHER_GOV",
    "network": "NETWORK",
    "individual": "INDIV",
}


def csv_row_text(row: dict[str, str]) -> str:
    """The NLP text of a CSV-only trial: its conditions and interventions, labelled."""
    parts = []
    if row.get("Conditions"):
        parts.append("Conditions: " + "; ".join(split_pipe(row["Conditions"])))
    if row.get("Interventions"):
        parts.append("Interventions: " + "; ".join(split_pipe(row["Interventions"])))
    return "\n\n".join(parts)


def csv_row_item(row: dict[str, str], provenance: str, fetched_at: str) -> dict[str, Any]:
    """One CSV row as a registry item (source ``ctgov_csv``)."""
    nct = row["NCT Number"].strip()
    sponsors = split_pipe(row.get("Sponsor/Collaborators"))
    funded = split_pipe(row.get("Funded Bys"))
    locations = split_pipe(row.get("Locations"))
    countries = list(dict.fromkeys(c for c in map(country_of_location, locations) if c))
    start = iso_date(row.get("Start Date"))
    trial = {
        "nct_id": nct,
        "title": row.get("Title"),
        "acronym": row.get("Acronym") or None,
        "status": row.get("Status") or None,
        "phase": normalise_phase([row.get("Phases", "")]),
        "study_type": row.get("Study Type") or None,
        "lead_sponsor": sponsors[0] if sponsors else None,
        "sponsor_class": (
            SPONSOR_CLASS.get(funded[0].lower(), funded[0].upper()) if funded else None
        ),
        "collaborators": sponsors[1:],
        "enrollment": row.get("Enrollment") or None,
        "conditions": split_pipe(row.get("Conditions")),
        "interventions": split_pipe(row.get("Interventions")),
        "countries": countries,
        "start_date": start,
        "completion_date": iso_date(row.get("Completion Date")),
        "first_posted": iso_date(row.get("First Posted")),
        "last_update_posted": iso_date(row.get("Last Update Posted")),
        "has_results": (row.get("Study Results") or "").strip().lower() == "has results",
        "url": f"https://clinicaltrials.gov/study/{nct}",
    }
    return trial_item(
        "ctgov_csv",
        trial,
        csv_row_text(row),
        json.dumps(row, ensure_ascii=False),
        "csv_row",
        provenance,
        fetched_at,
    )
