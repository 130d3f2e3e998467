"""Europe PMC parsing on the recorded search responses: cursor, empty result, shared ids."""

from __future__ import annotations

from pathlib import Path

from crawl_helpers import fixture_response

from crawler.parse_europepmc import abstract_text, external_id, parse_results, parse_search_page


def test_europepmc_core_page_cursor_and_items(fixtures_dir: Path) -> None:
    results, cursor, hits = parse_search_page(
        fixture_response(fixtures_dir, "europepmc/search_core_cancer_page1_cursor.json")
    )
    assert (len(results), cursor, hits) == (25, "AoIIP4ZawSg1MzEyODI1MA==", 5059039)
    items, skipped = parse_results(results)
    assert skipped == [] and len(items) == 25
    second = items[1].to_dict()
    assert second["external_id"] == "pmid:39709208"  # same id rule as the PubMed spider
    assert second["extra"]["pmcid"] == "PMC12124214"
    assert second["extra"]["doi"] == "10.1016/s0140-6736(24)02716-8"
    assert second["extra"]["publication_types"] == ["Published Erratum", "correction"]
    assert second["extra"]["journal"] == "Lancet (London, England)"
    assert "citedByCount" not in second["raw"]


def test_europepmc_structured_abstract_sections(fixtures_dir: Path) -> None:
    results, _, _ = parse_search_page(
        fixture_response(fixtures_dir, "europepmc/search_core_cancer_page1_cursor.json")
    )
    structured = next(r for r in results if "<h4>Objective</h4>" in (r.get("abstractText") or ""))
    text = abstract_text(structured["abstractText"])
    assert text.startswith("Objective: This study investigated whether psychological flexibility")
    assert "\n\nDesign: This was an online" in text and "<h4>" not in text


def test_europepmc_empty_result(fixtures_dir: Path) -> None:
    results, cursor, hits = parse_search_page(
        fixture_response(fixtures_dir, "europepmc/search_no_results.json")
    )
    assert (results, cursor, hits) == ([], None, 0)


def test_europepmc_single_hit_lite(fixtures_dir: Path) -> None:
    results, cursor, hits = parse_search_page(
        fixture_response(fixtures_dir, "europepmc/search_ext_id_single_hit.json")
    )
    assert hits == 1 and cursor is None
    (item,), _ = parse_results(results)
    assert item.external_id == "pmid:20516115" and item.year == 2010
    assert item.extra["pmcid"] == "PMC3040717" and item.text == ""


def test_europepmc_id_rule_without_pmid() -> None:
    assert external_id({"doi": "10.1/ABC", "pmcid": "PMC1"}) == "doi:10.1/abc"
    assert external_id({"pmcid": "PMC1", "source": "PMC", "id": "PMC1"}) == "pmcid:PMC1"
    assert external_id({"source": "PPR", "id": "PPR123"}) == "europepmc:PPR:PPR123"
