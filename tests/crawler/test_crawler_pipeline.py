"""The spool pipeline's contract checks and its recovery of files left by a killed crawl."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from crawler.items import DocumentItem
from crawler.pipelines import ITEM_KEYS, recover_parts, validate


def _item(**changes: object) -> DocumentItem:
    base = DocumentItem(
        source="clinic",
        source_kind="clinic_ad",
        external_id="https://x.example/",
        url="https://x.example/",
        title="T",
        text="Stem cells.",
        raw="<p>",
        raw_format="html",
    )
    return DocumentItem(**{**asdict(base), **changes})


def test_item_dict_has_exactly_the_contract_keys() -> None:
    assert (
        set(_item().to_dict())
        == ITEM_KEYS
        == {
            "source",
            "source_kind",
            "external_id",
            "url",
            "title",
            "text",
            "year",
            "country",
            "published",
            "updated",
            "fetched_at",
            "raw",
            "raw_format",
            "extra",
        }
    )
    assert validate(_item())["fetched_at"].endswith("Z")


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"source_kind": "advert"}, "unknown source_kind"),
        ({"raw_format": "pdf"}, "unknown raw_format"),
        ({"external_id": ""}, "empty external_id"),
    ],
)
def test_off_contract_items_are_dropped_with_the_reason(bad: dict, reason: str) -> None:
    with pytest.raises(DropItem, match=reason):
        validate(_item(**bad))
    with pytest.raises(DropItem, match="keys differ"):
        validate({**_item().to_dict(), "surprise": 1})


def test_parts_of_dead_writers_are_recovered_whole_lines_only(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    part = tmp_path / f"ctgov-20260101T000000Z-{pid}-00001.jsonl.part"
    part.write_bytes(b'{"a":1}\n{"b":2}\n{"c":')
    live = tmp_path / f"ctgov-20260101T000000Z-{os.getpid()}-00001.jsonl.part"
    live.write_bytes(b'{"d":4}\n')
    (done,) = recover_parts(tmp_path)
    assert done.name.endswith(".jsonl") and done.read_bytes() == b'{"a":1}\n{"b":2}\n'
    assert live.exists()  # a live writer's file is left alone
