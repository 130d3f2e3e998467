"""ClinicalTrials.gov v2 parsing on the recorded responses: pages, trial facts, adverse events."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from crawl_helpers import fixture_response
from scrapy.http import TextResponse

from crawler.parse_common import ParseError
from crawler.parse_ctgov import (
    adverse_events,
    parse_search_page,
    parse_single_study,
    study_item,
    trial_facts,
)

WITH_AE = "ctgov/study_NCT00791778_with_results.json"


def _study(fixtures_dir: Path, name: str) -> dict:
    return parse_single_study(fixture_response(fixtures_dir, name))


def test_ctgov_search_pages_give_studies_token_and_total(fixtures_dir: Path) -> None:
    studies, token, total = parse_search_page(
        fixture_response(fixtures_dir, "ctgov/search_page1_phelan_mcdermid.json")
    )
    assert (len(studies), token, total) == (
        5,
        "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd7KrgP4dnDeTsPkw",
        21,
    )
    studies, token, total = parse_search_page(
        fixture_response(fixtures_dir, "ctgov/search_page2_phelan_mcdermid.json")
    )
    assert len(studies) == 5 and token and total is None  # a full last page can carry a token


def test_ctgov_adverse_events_nct00791778(fixtures_dir: Path) -> None:
    events = adverse_events(_study(fixtures_dir, WITH_AE))
    # 44 serious and 54 other events, each reported for both groups.
    assert Counter(e["serious"] for e in events) == {True: 88, False: 108}
    assert {e["group_id"] for e in events} == {"EG000", "EG001"}
    first = events[0]
    assert first == {
        "group_id": "EG000",
        "group_title": "Sorafenib (Nexavar, BAY43-9006)",
        "group_description": "Participants received 2 sorafenib tablets (200 mg each) per oral "
        "twice daily (bid)",
        "term": "Neutrophils",
        "organ_system": "Blood and lymphatic system disorders",
        "serious": True,
        "num_affected": 0,
        "num_at_risk": 123,
        "num_events": None,
        "source_vocabulary": "NCI-CTCAE (v.3.0)",
    }
    assert len({e["term"] for e in events if e["serious"]}) <= 44


def test_ctgov_adverse_events_nct02552212_has_event_counts(fixtures_dir: Path) -> None:
    events = adverse_events(_study(fixtures_dir, "ctgov/study_NCT02552212_with_results.json"))
    assert Counter(e["serious"] for e in events) == {True: 36 * 5, False: 9 * 5}
    glaucoma = [e for e in events if e["term"] == "Glaucoma" and e["group_id"] == "EG001"]
    assert glaucoma[0]["num_events"] == 1 and glaucoma[0]["num_at_risk"] == 159


def test_ctgov_study_without_results(fixtures_dir: Path) -> None:
    study = _study(fixtures_dir, "ctgov/study_NCT03630471_no_results.json")
    assert adverse_events(study) == []
    facts = trial_facts(study)
    assert facts["has_results"] is False
    assert (facts["has_dmc"], facts["is_fda_regulated_drug"]) == (True, False)
    assert facts["is_fda_regulated_device"] is False and facts["phase"] == "NA"
    assert facts["interventions"][0] == "Behavioral: PRIDE 'Step 1' problem-solving intervention"


def test_ctgov_trial_facts_nct00791778(fixtures_dir: Path) -> None:
    facts = trial_facts(_study(fixtures_dir, WITH_AE))
    assert facts["nct_id"] == "NCT00791778"
    assert (facts["lead_sponsor"], facts["sponsor_class"]) == ("Bayer", "INDUSTRY")
    assert (facts["phase"], facts["study_type"], facts["enrollment"]) == (
        "PHASE2",
        "INTERVENTIONAL",
        246,
    )
    assert facts["start_date"] == "2008-11-01" and facts["first_posted"] == "2008-11-17"
    assert facts["last_update_posted"] == "2015-09-28"
    assert facts["has_dmc"] is False and facts["has_expanded_access"] is False
    assert facts["is_fda_regulated_drug"] is None  # not in this record: unknown, not False
    assert facts["interventions"] == ["Drug: Sorafenib (Nexavar, BAY43-9006)", "Drug: Placebo"]
    assert len(facts["countries"]) == 14 and facts["countries"][0] == "United States"


def test_ctgov_item_text_raw_and_keys(fixtures_dir: Path) -> None:
    item = study_item(_study(fixtures_dir, WITH_AE)).to_dict()
    assert item["external_id"] == "NCT00791778" and item["source_kind"] == "trial_registration"
    assert item["text"].startswith("Comparison of Nexavar with a placebo")
    assert "\n\nSerious adverse events reported: Neutrophils;" in item["text"]
    assert "\n\nEligibility Criteria:\nInclusion Criteria:" in item["text"]
    raw = json.loads(item["raw"])
    assert raw["resultsSection"]["adverseEventsModule"]["eventGroups"][0]["id"] == "EG000"
    assert "versionHolder" not in raw["derivedSection"]["miscInfoModule"]
    assert item["country"] is None  # 14 countries: none singled out
    assert item["extra"]["nct_ids"] == ["NCT00791778"]


@pytest.mark.parametrize(
    ("body", "ctype", "reason"),
    [
        (b'{"studies": [', "application/json", "malformed JSON"),
        (b"<html><body>Service down</body></html>", "text/html", "got an HTML page"),
        ('{"studies": [], "x": "caf\u00e9"}'.encode("latin-1"), "application/json", "utf-8"),
        (b'{"error": "bad"}', "application/json", "no 'studies' list"),
    ],
)
def test_ctgov_bad_pages_raise_parse_error(body: bytes, ctype: str, reason: str) -> None:
    response = TextResponse(
        "http://127.0.0.1/api/v2/studies", body=body, headers={"Content-Type": ctype}
    )
    with pytest.raises(ParseError, match=reason):
        parse_search_page(response)
