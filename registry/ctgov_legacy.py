"""Full ClinicalTrials.gov records in the retired API v1 field names -> document items.

A legacy record is ``{"nct_id": ..., "fields": {"BriefTitle": [...], ...}}`` where every field
is a list; results adverse events are flat lists, term-major across the event groups.
"""

from __future__ import annotations

import json
from typing import Any

from registry.ctgov_fields import iso_date, normalise_phase, trial_item

TEXT_FIELDS = (
    "BriefSummary",
    "DetailedDescription",
    "ArmGroupDescription",
    "InterventionDescription",
)


def _all(fields: dict[str, Any], name: str) -> list[str]:
    value = fields.get(name) or []
    return [str(v) for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]


def _one(fields: dict[str, Any], name: str) -> str | None:
    values = _all(fields, name)
    return values[0] if values else None


def legacy_text(fields: dict[str, Any]) -> str:
    """Summary, description, arm and intervention descriptions joined by blank lines, then the
    eligibility criteria under their own header (so the NLP can mark events there excluded)."""
    parts: list[str] = []
    for name in TEXT_FIELDS:
        parts.extend(dict.fromkeys(_all(fields, name)))
    eligibility = _one(fields, "EligibilityCriteria")
    if eligibility:
        parts.append("Eligibility Criteria:\n" + eligibility)
    return "\n\n".join(p.strip() for p in parts if p.strip())


def legacy_adverse_events(fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Serious and other events x event groups, with numAffected/numAtRisk per group."""
    group_ids = _all(fields, "EventGroupId")
    titles = dict(zip(group_ids, _all(fields, "EventGroupTitle"), strict=False))
    descriptions = dict(zip(group_ids, _all(fields, "EventGroupDescription"), strict=False))
    events: list[dict[str, Any]] = []
    for kind, serious in (("Serious", True), ("Other", False)):
        terms = _all(fields, f"{kind}EventTerm")
        organs = _all(fields, f"{kind}EventOrganSystem")
        vocab = _all(fields, f"{kind}EventSourceVocabulary")
        stat_groups = _all(fields, f"{kind}EventStatsGroupId")
        affected = fields.get(f"{kind}EventStatsNumAffected") or []
        at_risk = fields.get(f"{kind}EventStatsNumAtRisk") or []
        n_events = fields.get(f"{kind}EventStatsNumEvents") or []
        per_term = len(stat_groups) // len(terms) if terms and stat_groups else 0
        for i, term in enumerate(terms):
            for j in range(per_term):
                k = i * per_term + j
                group = stat_groups[k]
                events.append(
                    {
                        "group_id": group,
                        "group_title": titles.get(group),
                        "group_description": descriptions.get(group),
                        "term": term,
                        "organ_system": organs[i] if i < len(organs) else None,
                        "serious": serious,
                        "num_affected": affected[k] if k < len(affected) else None,
                        "num_at_risk": at_risk[k] if k < len(at_risk) else None,
                        "num_events": n_events[k] if k < len(n_events) else None,
                        "source_vocabulary": vocab[i] if i < len(vocab) else None,
                    }
                )
    return events


def legacy_record_item(record: dict[str, Any], provenance: str, fetched_at: str) -> dict[str, Any]:
    """One legacy record as a registry item (source ``ctgov_legacy``)."""
    fields = record.get("fields")
    if not isinstance(fields, dict):
        raise ValueError("record has no 'fields' object")
    nct = _one(fields, "NCTId") or record.get("nct_id")
    if not nct:
        raise ValueError("record has no NCTId")
    start = iso_date(_one(fields, "StartDate"))
    countries = list(dict.fromkeys(_all(fields, "LocationCountry")))
    interventions = [
        f"{t}: {n}"
        for t, n in zip(
            _all(fields, "InterventionType"), _all(fields, "InterventionName"), strict=False
        )
    ]
    trial = {
        "nct_id": nct,
        "title": _one(fields, "BriefTitle"),
        "acronym": _one(fields, "Acronym"),
        "status": _one(fields, "OverallStatus"),
        "phase": normalise_phase(_all(fields, "Phase")),
        "study_type": _one(fields, "StudyType"),
        "lead_sponsor": _one(fields, "LeadSponsorName"),
        "sponsor_class": _one(fields, "LeadSponsorClass"),
        "collaborators": _all(fields, "CollaboratorName"),
        "enrollment": _one(fields, "EnrollmentCount"),
        "conditions": _all(fields, "Condition"),
        "interventions": interventions,
        "countries": countries,
        "start_date": start,
        "completion_date": iso_date(_one(fields, "CompletionDate")),
        "first_posted": iso_date(_one(fields, "StudyFirstPostDate")),
        "last_update_posted": iso_date(_one(fields, "LastUpdatePostDate")),
        "is_fda_regulated_drug": _one(fields, "IsFDARegulatedDrug"),
        "is_fda_regulated_device": _one(fields, "IsFDARegulatedDevice"),
        "has_dmc": _one(fields, "OversightHasDMC"),
        "has_expanded_access": _one(fields, "HasExpandedAccess"),
        "has_results": bool(_all(fields, "ResultsFirstPostDate")),
        "url": f"https://clinicaltrials.gov/study/{nct}",
    }
    return trial_item(
        "ctgov_legacy",
        trial,
        legacy_text(fields),
        json.dumps(record, ensure_ascii=False),
        "json",
        provenance,
        fetched_at,
        adverse_events=legacy_adverse_events(fields),
    )
