"""A small deterministic registry with extracted facts, built through the registry's own code, so
tests, demos and the render benchmark see every chart filled without running the NLP."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from cellvigil.vocabulary import keys
from registry.db import publish
from registry.facts import extract_pending
from registry.ingest import ingest_into, record_run
from registry.views import create_views

EXTRACTOR = "fixture-1"
HOSTILE_TITLE = "<script>alert('xss')</script> Clinic [click here](https://evil.example/phish)"
HOSTILE_SENTENCE = (
    "After <script>alert('xss')</script> infusion a [pulmonary embolism]"
    "(https://evil.example/phish) occurred <b>bold</b>."
)
TISSUES = ["bone_marrow", "adipose", "umbilical_cord", "placenta", "unspecified_msc"]
ROUTES = ["intravenous", "intra_arterial", "intra_articular", "intramuscular", "intrathecal"]
EVENTS = [
    "pulmonary_embolism",
    "deep_vein_thrombosis",
    "stroke",
    "myocardial_infarction",
    "thromboembolism",
]
STATUSES = ["present", "present", "absent", "possible", "excluded"]
COUNTRIES = ["United States", "China", "Mexico", "India", "Spain", "Iran", "Japan"]
PHASES = ["PHASE1", "PHASE2", "PHASE1|PHASE2", "PHASE3", "NA"]


def _event(rng: random.Random, term: str, status: str | None = None) -> dict[str, Any]:
    words = term.replace("_", " ")
    sentence = f"One patient developed {words} two days after the cell infusion."
    return {
        "term": term,
        "status": status or rng.choice(STATUSES),
        "text": words,
        "sentence": sentence,
        "start": 22,
        "end": 22 + len(words),
    }


def _facts(rng: random.Random, n_events: int) -> dict[str, Any]:
    tissue, route = rng.choice(TISSUES), rng.choice(ROUTES)
    terms = rng.sample(EVENTS, k=n_events)
    return {
        "tissue_sources": [tissue],
        "routes": [route],
        "donor": [rng.choice(["autologous", "allogeneic"])],
        "doses": [
            {
                "cells": 1e6 * rng.randint(1, 5),
                "per_kg": True,
                "text": f"{rng.randint(1, 5)} x 10^6 cells/kg",
                "sentence": "Patients received cells per kilogram.",
            }
        ],
        "events": [_event(rng, t) for t in terms],
    }


def fixture_items(
    n_trials: int = 40, seed: int = 7
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(registry items, extractor output by doc id): trials, papers, clinics, regulator letters."""
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    outputs: dict[str, dict[str, Any]] = {}
    fetched = "2026-11-20T12:00:00+00:00"
    for n in range(n_trials):
        nct = f"NCT{9000000 + n:08d}"
        year = 2008 + n % 17
        trial = {
            "nct_id": nct,
            "title": f"MSC trial {n}",
            "phase": rng.choice(PHASES),
            "status": "COMPLETED",
            "sponsor_class": "OTHER",
            "start_date": f"{year}-03",
            "countries": [rng.choice(COUNTRIES)],
            "enrollment": rng.randint(10, 200),
            "has_results": n % 5 == 0,
            "url": f"https://clinicaltrials.gov/study/{nct}",
        }
        adverse = []
        if n % 5 == 0:
            for arm in ("MSC arm", "Placebo arm"):
                adverse += [
                    {
                        "group_id": arm[:3],
                        "group_title": arm,
                        "term": "Pulmonary embolism",
                        "organ_system": "Respiratory",
                        "serious": True,
                        "num_affected": rng.randint(0, 3),
                        "num_at_risk": 30,
                    },
                    {
                        "group_id": arm[:3],
                        "group_title": arm,
                        "term": "Headache",
                        "organ_system": "Nervous system",
                        "serious": False,
                        "num_affected": rng.randint(0, 6),
                        "num_at_risk": 30,
                    },
                ]
        items.append(
            {
                "source": "ctgov",
                "source_kind": "trial_registration",
                "external_id": nct,
                "url": trial["url"],
                "title": trial["title"],
                "text": "Cells were given.",
                "year": year,
                "country": trial["countries"][0],
                "fetched_at": fetched,
                "extra": {"trial": trial, "adverse_events": adverse},
            }
        )
        outputs[f"nct:{nct}"] = _facts(rng, n % 3)
    for n in range(20):
        pmid = str(30000000 + n)
        items.append(
            {
                "source": "pubmed",
                "source_kind": "publication",
                "external_id": f"pmid:{pmid}",
                "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
                "title": f"Case report {n}",
                "text": "A case.",
                "year": 2010 + n % 15,
                "fetched_at": fetched,
                "extra": {"pmid": pmid},
            }
        )
        facts = _facts(rng, 1 + n % 2)
        facts["setting"] = rng.choice(
            ["regulated_trial", "clinic_direct_to_consumer", "unknown", "approved_product"]
        )
        outputs[f"pmid:{pmid}"] = facts
    for n in range(10):
        url = f"https://clinic{n}.example/stem-cells"
        items.append(
            {
                "source": "clinic",
                "source_kind": "clinic_ad",
                "external_id": url,
                "url": url,
                "title": f"Stem cell clinic {n}",
                "text": "We infuse cells.",
                "year": 2023,
                "country": COUNTRIES[n % 4],
                "fetched_at": fetched,
            }
        )
        outputs[f"url:{url}"] = _facts(rng, 0)
    hostile = "https://hostile.example/page"
    items.append(
        {
            "source": "clinic",
            "source_kind": "clinic_ad",
            "external_id": hostile,
            "url": hostile,
            "title": HOSTILE_TITLE,
            "text": HOSTILE_SENTENCE,
            "year": 2024,
            "country": "Mexico",
            "fetched_at": fetched,
        }
    )
    outputs[f"url:{hostile}"] = {
        "tissue_sources": ["umbilical_cord"],
        "routes": ["intravenous"],
        "events": [
            {
                "term": "pulmonary_embolism",
                "status": "present",
                "text": "[pulmonary embolism](https://evil.example/phish)",
                "sentence": HOSTILE_SENTENCE,
                "start": 40,
                "end": 90,
            }
        ],
    }
    for n in range(6):
        url = f"https://fda.example/warning-letters/{n}"
        items.append(
            {
                "source": "fda",
                "source_kind": "regulatory_action",
                "external_id": url,
                "url": url,
                "title": f"Warning letter {n}",
                "text": "Unapproved cells.",
                "year": 2018 + n,
                "published": f"{2018 + n}-0{1 + n}-15",
                "country": "US",
                "fetched_at": fetched,
            }
        )
        outputs[f"url:{url}"] = {"tissue_sources": [TISSUES[n % 3]], "routes": ["intravenous"]}
    return items, outputs


def _extractor(outputs: dict[str, dict[str, Any]]):
    def extract(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for record in records:
            yield {"id": record["id"], **outputs.get(record["id"], {})}

    return extract


def build_fixture_registry(db_path: str | Path, n_trials: int = 40, seed: int = 7) -> Path:
    """Build the fixture registry at ``db_path`` (replacing nothing else) and return its path."""
    from datetime import UTC, datetime

    assert set(TISSUES) <= set(keys("tissue_sources")) and set(EVENTS) <= set(keys("events"))
    items, outputs = fixture_items(n_trials, seed)
    started = datetime.now(UTC)
    with publish(db_path) as con:
        report = ingest_into(con, items)
        create_views(con)
        extract_pending(con, _extractor(outputs), EXTRACTOR)
        create_views(con)
        record_run(con, "build", started, "dashboard fixture", report, extractor_version=EXTRACTOR)
    return Path(db_path)
