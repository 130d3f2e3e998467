"""Crawler benchmark: parse throughput on the recorded fixtures, and memory/lock time of a big load.

    python benchmarks/crawl_parse.py [--records 100000] [--batch 10000] [--seconds 2]

Prints JSON: records/s for ClinicalTrials.gov JSON and PubMed XML parsing; then for the spool +
``registry.ingest.ingest_spool`` path, peak RSS and the write-lock hold time of each batch while
loading ``--records`` items made by replicating the fixture records with fresh ids.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree
from scrapy.http import TextResponse, XmlResponse

from cellvigil.paths import shared_dir
from crawler.parse_clinic import wp_post_item
from crawler.parse_ctgov import parse_search_page, parse_single_study, study_item
from crawler.parse_europepmc import parse_results
from crawler.parse_europepmc import parse_search_page as epmc_page
from crawler.parse_pubmed import parse_efetch

CTGOV = [
    "ctgov/study_NCT00791778_with_results.json",
    "ctgov/study_NCT02552212_with_results.json",
    "ctgov/study_NCT03630471_no_results.json",
]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rate(fn: Callable[[], int], seconds: float) -> float:
    """Records per second of ``fn`` (which returns how many records it parsed) over ``seconds``."""
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        done += fn()
    return done / elapsed


def parse_throughput(fixtures: Path, seconds: float) -> dict[str, float]:
    studies = [
        TextResponse("http://b/api/v2/studies/x", body=(fixtures / n).read_bytes()) for n in CTGOV
    ]
    pages = [
        TextResponse("http://b/api/v2/studies", body=(fixtures / f"ctgov/{n}").read_bytes())
        for n in ("search_page1_phelan_mcdermid.json", "search_page2_phelan_mcdermid.json")
    ]

    def ctgov_full() -> int:
        for r in studies:
            study_item(parse_single_study(r))
        return len(studies)

    def ctgov_pages() -> int:
        n = 0
        for r in pages:
            found, _, _ = parse_search_page(r)
            n += sum(1 for s in found if study_item(s))
        return n

    # An efetch batch of 200 articles, replicating the two recorded ones.
    root = etree.fromstring((fixtures / "pubmed/efetch_pubmed_11748933_11700088.xml").read_bytes())
    articles = root.findall("PubmedArticle")
    batch = etree.Element("PubmedArticleSet")
    for i in range(200):
        art = copy.deepcopy(articles[i % 2])
        art.find("MedlineCitation/PMID").text = str(30000000 + i)
        batch.append(art)
    efetch = XmlResponse("http://b/efetch", body=etree.tostring(batch))

    return {
        "ctgov_full_study_json_records_per_s": round(_rate(ctgov_full, seconds), 1),
        "ctgov_search_page_records_per_s": round(_rate(ctgov_pages, seconds), 1),
        "pubmed_efetch_xml_records_per_s": round(
            _rate(lambda: len(parse_efetch(efetch)[0]), seconds), 1
        ),
    }


def fixture_items(fixtures: Path) -> list[dict[str, Any]]:
    """Every record of the fixtures as a contract dict (46 records)."""
    items = [
        study_item(parse_single_study(TextResponse("http://b/", body=(fixtures / n).read_bytes())))
        for n in CTGOV
    ]
    for name in ("search_page1_phelan_mcdermid.json", "search_page2_phelan_mcdermid.json"):
        found, _, _ = parse_search_page(
            TextResponse("http://b/", body=(fixtures / f"ctgov/{name}").read_bytes())
        )
        items += [study_item(s) for s in found]
    items += parse_efetch(
        XmlResponse(
            "http://b/", body=(fixtures / "pubmed/efetch_pubmed_11748933_11700088.xml").read_bytes()
        )
    )[0]
    results, _, _ = epmc_page(
        TextResponse(
            "http://b/",
            body=(fixtures / "europepmc/search_core_cancer_page1_cursor.json").read_bytes(),
        )
    )
    items += parse_results(results)[0]
    post = json.loads((fixtures / "clinics/wp_post_stemcelltherapyargentina.json").read_text())
    items.append(wp_post_item(post, "stemcelltherapyargentina.com", "AR"))
    return [i.to_dict() for i in items]


def replicated(base: list[dict[str, Any]], n: int) -> Iterator[dict[str, Any]]:
    """``n`` items cycling through ``base``, each with a fresh id (so each is a new document)."""
    for i in range(n):
        item = dict(base[i % len(base)])
        extra = dict(item["extra"])
        if item["source"] == "ctgov":
            nct = f"NCT9{i:07d}"
            item["external_id"] = nct
            extra["nct_ids"] = [nct]
            extra["trial"] = dict(extra["trial"], nct_id=nct)
        elif item["source"] in ("pubmed", "europepmc"):
            pmid = str(90000000 + i)
            item["external_id"] = f"pmid:{pmid}"
            extra.update(pmid=pmid, doi=f"10.9999/bench.{i}", pmcid=None)
        else:
            item["external_id"] = item["url"] = f"{item['url']}?copy={i}"
        item["extra"] = extra
        yield item


def load_benchmark(fixtures: Path, records: int, batch: int) -> dict[str, Any]:
    from registry.ingest import ingest_spool

    base = fixture_items(fixtures)
    rss_before = _rss_mb()
    lock_seconds: list[float] = []
    totals = {"inserted": 0, "new_versions": 0, "unchanged": 0, "skipped": 0}
    with tempfile.TemporaryDirectory(prefix="cellvigil-bench-") as tmp:
        db, spool = Path(tmp) / "bench.duckdb", Path(tmp) / "spool"
        spool.mkdir()
        start = time.perf_counter()
        stream = replicated(base, records)
        for n in range(0, records, batch):
            part = spool / f"bench-{n:08d}.jsonl.part"
            with part.open("w", encoding="utf-8") as out:
                for item in (next(stream) for _ in range(min(batch, records - n))):
                    out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
            part.rename(part.with_suffix(""))
            t0 = time.perf_counter()
            report = ingest_spool(db, spool)
            lock_seconds.append(round(time.perf_counter() - t0, 3))
            for key in totals:
                totals[key] += getattr(report, key)
            print(
                f"  batch {len(lock_seconds)}: {lock_seconds[-1]}s, rss {_rss_mb():.0f} MB",
                file=sys.stderr,
            )
        elapsed = time.perf_counter() - start
        db_mb = db.stat().st_size / 2**20
    return {
        "records": records,
        "batch": batch,
        "fixture_records_replicated": len(base),
        "elapsed_s": round(elapsed, 1),
        "records_per_s": round(records / elapsed, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "rss_before_load_mb": round(rss_before, 1),
        "db_mb": round(db_mb, 1),
        "lock_seconds_per_batch": lock_seconds,
        "lock_seconds_max": max(lock_seconds),
        **totals,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--skip-load", action="store_true")
    ns = parser.parse_args()
    fixtures = shared_dir() / "fixtures"
    result: dict[str, Any] = {"parse": parse_throughput(fixtures, ns.seconds)}
    if not ns.skip_load:
        result["load"] = load_benchmark(fixtures, ns.records, ns.batch)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
