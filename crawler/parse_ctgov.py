"""Pure parsing of ClinicalTrials.gov API v2 JSON into items: trial facts and adverse events."""

from __future__ import annotations

import json
from typing import Any

from scrapy.http import Response

from crawler.items import DocumentItem, utc_now
from crawler.parse_common import ParseError, iso_date, json_body, year_of

STUDY_URL = "https://clinicaltrials.gov/study/{nct}"


def stable_raw(study: dict[str, Any]) -> str:
    """The study JSON as stored: compact, without ``versionHolder``.

    ``derivedSection.miscInfoModule.versionHolder`` is the date of ClinicalTrials.gov's daily
    data release, not a property of the study; kept, it would make every unchanged study a new
    version on every crawl.
    """
    misc = (study.get("derivedSection") or {}).get("miscInfoModule")
    if isinstance(misc, dict) and "versionHolder" in misc:
        misc = {k: v for k, v in misc.items() if k != "versionHolder"}
        derived = dict(study["derivedSection"], miscInfoModule=misc)
        study = dict(study, derivedSection=derived)
    return json.dumps(study, ensure_ascii=False, separators=(",", ":"))


def parse_search_page(response: Response) -> tuple[list[dict[str, Any]], str | None, int | None]:
    """Studies, nextPageToken and totalCount of one ``/api/v2/studies`` page."""
    data = json_body(response)
    if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
        raise ParseError("ctgov search page has no 'studies' list")
    token = data.get("nextPageToken") or None
    total = data.get("totalCount")
    return data["studies"], token, total if isinstance(total, int) else None


def parse_single_study(response: Response) -> dict[str, Any]:
    """The study object of ``/api/v2/studies/{nct}``."""
    data = json_body(response)
    if not isinstance(data, dict) or "protocolSection" not in data:
        raise ParseError("ctgov study response has no protocolSection")
    return data


def _date(struct: dict[str, Any] | None) -> str | None:
    return iso_date((struct or {}).get("date"))


def trial_facts(study: dict[str, Any]) -> dict[str, Any]:
    """The registry's ``trial`` record from a full v2 study."""
    ps = study.get("protocolSection") or {}
    ident = ps.get("identificationModule") or {}
    status = ps.get("statusModule") or {}
    sponsor = ps.get("sponsorCollaboratorsModule") or {}
    oversight = ps.get("oversightModule") or {}
    design = ps.get("designModule") or {}
    arms = ps.get("armsInterventionsModule") or {}
    lead = sponsor.get("leadSponsor") or {}
    locations = (ps.get("contactsLocationsModule") or {}).get("locations") or []
    enrollment = (design.get("enrollmentInfo") or {}).get("count")
    nct = ident.get("nctId")
    return {
        "nct_id": nct,
        "title": ident.get("briefTitle") or ident.get("officialTitle"),
        "acronym": ident.get("acronym"),
        "status": status.get("overallStatus"),
        "phase": "|".join(design.get("phases") or []) or None,
        "study_type": design.get("studyType"),
        "lead_sponsor": lead.get("name"),
        "sponsor_class": lead.get("class"),
        "collaborators": [
            c.get("name") for c in sponsor.get("collaborators") or [] if c.get("name")
        ],
        "enrollment": enrollment if isinstance(enrollment, int) else None,
        "conditions": list((ps.get("conditionsModule") or {}).get("conditions") or []),
        "interventions": [
            f"{_type_label(i.get('type'))}: {i.get('name')}"
            if i.get("type")
            else str(i.get("name"))
            for i in arms.get("interventions") or []
            if i.get("name")
        ],
        "countries": list(dict.fromkeys(loc["country"] for loc in locations if loc.get("country"))),
        "start_date": _date(status.get("startDateStruct")),
        "completion_date": _date(status.get("completionDateStruct")),
        "first_posted": _date(status.get("studyFirstPostDateStruct")),
        "last_update_posted": _date(status.get("lastUpdatePostDateStruct")),
        "is_fda_regulated_drug": oversight.get("isFdaRegulatedDrug"),
        "is_fda_regulated_device": oversight.get("isFdaRegulatedDevice"),
        "has_dmc": oversight.get("oversightHasDmc"),
        "has_expanded_access": (status.get("expandedAccessInfo") or {}).get("hasExpandedAccess"),
        "has_results": bool(study.get("hasResults")),
        "url": STUDY_URL.format(nct=nct),
    }


def _type_label(kind: str | None) -> str:
    """'DIETARY_SUPPLEMENT' -> 'Dietary Supplement' (the registry's 'Type: Name' form)."""
    return (kind or "").replace("_", " ").title()


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def adverse_events(study: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (event, group) from ``resultsSection.adverseEventsModule``."""
    module = (study.get("resultsSection") or {}).get("adverseEventsModule") or {}
    groups = {g.get("id"): g for g in module.get("eventGroups") or []}
    rows: list[dict[str, Any]] = []
    for key, serious in (("seriousEvents", True), ("otherEvents", False)):
        for event in module.get(key) or []:
            for stat in event.get("stats") or []:
                group = groups.get(stat.get("groupId")) or {}
                rows.append(
                    {
                        "group_id": stat.get("groupId"),
                        "group_title": group.get("title"),
                        "group_description": group.get("description"),
                        "term": event.get("term"),
                        "organ_system": event.get("organSystem"),
                        "serious": serious,
                        "num_affected": _int(stat.get("numAffected")),
                        "num_at_risk": _int(stat.get("numAtRisk")),
                        "num_events": _int(stat.get("numEvents")),
                        "source_vocabulary": event.get("sourceVocabulary")
                        or module.get("defaultVocab"),
                    }
                )
    return rows


def _event_terms(study: dict[str, Any], key: str) -> list[str]:
    module = (study.get("resultsSection") or {}).get("adverseEventsModule") or {}
    return list(dict.fromkeys(e["term"] for e in module.get(key) or [] if e.get("term")))


def trial_text(study: dict[str, Any]) -> str:
    """Summary, description, arm and intervention descriptions, AE terms, then eligibility."""
    ps = study.get("protocolSection") or {}
    desc = ps.get("descriptionModule") or {}
    arms = ps.get("armsInterventionsModule") or {}
    parts = [desc.get("briefSummary"), desc.get("detailedDescription")]
    parts += [a.get("description") for a in arms.get("armGroups") or []]
    parts += [i.get("description") for i in arms.get("interventions") or []]
    serious, other = _event_terms(study, "seriousEvents"), _event_terms(study, "otherEvents")
    if serious:
        parts.append("Serious adverse events reported: " + "; ".join(serious))
    if other:
        parts.append("Other adverse events reported: " + "; ".join(other))
    criteria = (ps.get("eligibilityModule") or {}).get("eligibilityCriteria")
    if criteria:
        parts.append("Eligibility Criteria:\n" + criteria.strip())
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def study_item(study: dict[str, Any], fetched_at: str | None = None) -> DocumentItem:
    """A trial_registration item from one full study object (raw = the whole study JSON)."""
    facts = trial_facts(study)
    nct = facts["nct_id"]
    if not nct:
        raise ParseError("study has no identificationModule.nctId")
    countries = facts["countries"]
    return DocumentItem(
        source="ctgov",
        source_kind="trial_registration",
        external_id=nct,
        url=facts["url"],
        title=facts["title"] or nct,
        text=trial_text(study),
        year=year_of(facts["start_date"] or facts["first_posted"]),
        country=countries[0] if len(countries) == 1 else None,
        published=facts["first_posted"],
        updated=facts["last_update_posted"],
        fetched_at=fetched_at or utc_now(),
        raw=stable_raw(study),
        raw_format="json",
        extra={"nct_ids": [nct], "trial": facts, "adverse_events": adverse_events(study)},
    )
