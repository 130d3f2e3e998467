"""The cell-dose parser on real phrasings (dev gold and trial records) and on its traps."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from cellvigil.paths import shared_dir
from nlp.doses import find_doses, is_cell_free_product, parse_cell_count


def _pairs(text: str) -> list[tuple[float, bool]]:
    return [(d["cells"], d["per_kg"]) for d in find_doses(text)]


# Phrasings as written in the dev gold documents and real trial registrations.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WJ-MSCs at a target dose of 1x106/kg for each application route", [(1e6, True)]),
        ("One single dose of 2 × 107 UCMSCs was infused within 20 min", [(2e7, False)]),
        ("MSCs were given at a dose of 2 × 106 cells/kg for each infusion", [(2e6, True)]),
        ("stem cells (150 × 106 cells per injection)", [(1.5e8, False)]),
        ("Each patient received 15±3×106 cells through subarachnoid space.", [(1.5e7, False)]),
        (
            "allogeneic ASCs intravenously at either 0.25 × 106 , 1 × 106 , or 4 × 106 cells/kg;",
            [(2.5e5, True), (1e6, True), (4e6, True)],
        ),
        ("IC infusion of 25 × 10(6) MSC during reperfusion", [(2.5e7, False)]),
        ("two intravenous infusions of 100x10^6 cells at time zero", [(1e8, False)]),
        ("ADSC, single IV, 1.106 cells/kg", [(1e6, True)]),
        ("Participants receive a maximum dose of 3 x 10^6 cell/Kg by vein", [(3e6, True)]),
        ("2 doses, 50 million of WJMSC in each dose", [(5e7, False)]),
        (
            "into scarred vocal fold (0,5-1 million cellls/Vocal fold, maximum 2 million cells if "
            "bilateral)",
            [(5e5, False), (1e6, False), (2e6, False)],
        ),
        ("a total dose of 60 million cells with the use of a colonoscope", [(6e7, False)]),
        ("one dose of 1*10^6 cells of Perinatal Tissue Mesenchyme Stem Cells", [(1e6, False)]),
        (
            "a CYP-001 dose of 1 million cells per kg, up to a maximum dose of 100 million cells",
            [(1e6, True), (1e8, False)],
        ),
        ("COVI-MSC (one vial, ~18.5 million cells) on Day 0", [(1.85e7, False)]),
        (
            "allogeneic human mesenchymal stromal cells 2X10E6 intravenously on two occasions",
            [(2e6, False)],
        ),
        ("High dose (8 million cells per kg of body weight)", [(8e6, True)]),
        ("Chondrochymal® containing 5.0 x 107 BM-MSCs in lactated Ringer's", [(5e7, False)]),
        ("Each patient will receive 1.0× 108 stem cells in 3 mL of normal saline", [(1e8, False)]),
        ("mesenchymal stem cells Dosage : 1x1000000 cells/kg", [(1e6, True)]),
        ("will receive 30 000 000 WJMSCs suspended in 20mL 0.9% NaCl", [(3e7, False)]),
        ("0.5 × 10 ^ 6 / kg (body weight) of it-hMSC per person", [(5e5, True)]),
        ("dosed with BRTX-100 at 40 × 106 cells.", [(4e7, False)]),
        (
            "Cohort 1 : 3 million cells/kg ; Cohort 2 : 10 million cells/kg",
            [(3e6, True), (1e7, True)],
        ),
        (
            "Injection of 120 million allogeneic expanded adipose-derived mesenchymal stem cells",
            [(1.2e8, False)],
        ),
        (
            "25 million cells/unit dose (cumulative dose: 75 million MSCs)",
            [(2.5e7, False), (7.5e7, False)],
        ),
        (
            "FURESTEM-CD Inj. 5.0x10^7 cells\nFURESTEM-CD Inj. 2.0x10^8 cells",
            [(5e7, False), (2e8, False)],
        ),
        ("Intramuscular infusion, 5 x 10e6 cells/kg", [(5e6, True)]),
        ("at a dose of 2 x 10^8 total HB-adMSC cells.", [(2e8, False)]),
        (
            "with a concentration of 2 X 10^6 mesenchymal cells per kilogram of patient weight.",
            [(2e6, True)],
        ),
        ("extrajo 120 millones de células mesenquimales del cordón umbilical", [(1.2e8, False)]),
        ("Mesenchymal allogenic cells + ICOVIR-5: 500.000 cells/kg", [(5e5, True)]),
        (
            "umbilical mesenchymal stem cells intravenous injection, (4x107/40ml, once)",
            [(4e7, False)],
        ),
        (
            "A single dose of 1000000 to 2000000 mesenchymal stem cells/kg infused",
            [(1e6, True), (2e6, True)],
        ),
        (
            "single dose of allo-APZ2-PAOD, 150 - 225 x 10^6 cells per patient",
            [(1.5e8, False), (2.25e8, False)],
        ),
    ],
)
def test_doses_real_phrasings(text: str, expected: list[tuple[float, bool]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MSCs were infused at 1 × 10^6 cells/kg.", [(1e6, True)]),
        ("MSC 1x10(6)/kg", [(1e6, True)]),
        ("infused 1 x 10e6 cells", [(1e6, False)]),
        ("1.5E7 cells were injected", [(1.5e7, False)]),
        ("1.5 × 10⁷ MSCs", [(1.5e7, False)]),
        ("10^8 cells were injected", [(1e8, False)]),
        ("100 M cells", [(1e8, False)]),
        ("1.5 billion cells", [(1.5e9, False)]),
        ("2 million MSCs", [(2e6, False)]),
        ("1x109 cells", [(1e9, False)]),
        ("2 × 10 6 cells/kg of MSCs", [(2e6, True)]),
        ("1·10⁶ cells/kg", [(1e6, True)]),
        ("stem cells at 1.0 × 10^6 cells·kg−1", [(1e6, True)]),
        ("MSCs 1 × 10^6 cells/kgBW", [(1e6, True)]),
        ("1,000,000 cells/kg", [(1e6, True)]),
        ("a dose of 108 cells", [(1e8, False)]),
        ("MSCs were infused at 3 x 10^6 per kg", [(3e6, True)]),
        ("umbilical cord MSCs 1x10^6/kg/week", [(1e6, True)]),
        ("10^6–10^7 cells/kg MSCs", [(1e6, True), (1e7, True)]),
        ("hMSC 2.5 x 10^5 cells/kg", [(2.5e5, True)]),
        ("50k cells per eye", [(5e4, False)]),
        ("1 × 10<sup>6</sup> cells/kg", [(1e6, True)]),
        ("MSC 1 × 10^(6) cells/kg", [(1e6, True)]),
        ("1.0E+06 cells/kg", [(1e6, True)]),
        ("100MM MSCs", [(1e8, False)]),
        ("over 100,000,000 cells", [(1e8, False)]),
        ("2 x 10^7 cells/ 2 ml", [(2e7, False)]),
        ("1 Mio. Zellen/kg", [(1e6, True)]),
        ("1 millón de células/kg", [(1e6, True)]),
        ("1 million de cellules", [(1e6, False)]),
        ("cells (1 × 10^6) were injected intravenously", [(1e6, False)]),
        ("umbilical cord MSCs, 1 × 106 per 1 kg, i.v.", [(1e6, True)]),
        ("MSC 2,6 ± 1,2 × 106 per patient", [(2.6e6, False)]),
        ("MSCs at 2.0 × 10^6 ± 0.5 × 10^6 cells/kg", [(2e6, True)]),
        ("100 Million MSC's per treatment", [(1e8, False)]),
        ("1 billion+ cells", [(1e9, False)]),
        ("ex vivo expanded MSCs at 2 × 10^6 cells/kg", [(2e6, True)]),
        ("isolated MSCs were infused at 1 × 10^6 cells/kg", [(1e6, True)]),
    ],
)
def test_doses_notations(text: str, expected: list[tuple[float, bool]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 × 10^5 to 2 × 10^6 cells/kg", [(5e5, True), (2e6, True)]),
        ("MSCs at 1–2 × 10^6 cells per kilogram of body weight", [(1e6, True), (2e6, True)]),
        ("2-3 x 10^6 MSC/kg", [(2e6, True), (3e6, True)]),
        ("0.5, 1 or 2 million cells/kg", [(5e5, True), (1e6, True), (2e6, True)]),
        ("between 10 and 20 million cells", [(1e7, False), (2e7, False)]),
        ("1.5 million or 15 million cells", [(1.5e6, False), (1.5e7, False)]),
        ("MSC dose 1~2 × 10^6 cells/kg", [(1e6, True), (2e6, True)]),
        ("MSC (1-2)×10^6/kg", [(1e6, True), (2e6, True)]),
        ("allogeneic BM MSCs 1, 2 × 106/kg i.v.", [(1e6, True), (2e6, True)]),
        ("placenta-derived MSCs at 2, 5, 10 × 106/kg", [(2e6, True), (5e6, True), (1e7, True)]),
        ("autologous MSCs 3–5 × 107/person intrathecally", [(3e7, False), (5e7, False)]),
        (
            "MSCs were administered at doses of 0.5, 1.0, and 2.0 × 10^6 cells/kg.",
            [(5e5, True), (1e6, True), (2e6, True)],
        ),
        (
            "a median dose of 1.4 × 10^6 MSC/kg (range, 0.4–9 × 10^6)",
            [(1.4e6, True), (4e5, True), (9e6, True)],
        ),
    ],
)
def test_doses_ranges_give_both_ends(text: str, expected: list[tuple[float, bool]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "methylprednisolone 2.5mg/kg intravenously",
        "200 µg of tacrolimus",
        "1000 IU heparin",
        "heparin 5000 IU/kg in the MSC group",
        "infliximab 5 mg/kg with MSCs",
        "IL-2 3 × 10^6 IU/m2 with stem cells",
        "ExoFlo 10 mL",
        "cells were suspended in 10 mL saline",
        "1ml/kg of cell excipients",
        "suspension at concentration of 2, 4, or 6 million cells/mL.",
        "First the investigators will administrate 1 million cells/ml (Group 1)",
        "a cell suspension (5 million cells/mL) in buffered solution",
        "5 × 10^6 MSCs per ml",
        "CD34+ cells 5 × 10^6/kg",
        "2 × 10^6 CD34+ cells/kg",
        "3 × 10^6 T cells/kg",
        "White blood cell less than 3.0*10^9/L; Platelet count < 100 x 109/L",
        "WBC <3 x 103 cells/ml",
        "CD4 lymphopenia <200x 106 / L",
        "Platelets less than 150 x 10(3)/microL",
        "95% viable cells",
        "p = 0.001",
        "in 2019 MSC trials began",
        "100 patients received stem cells",
        "cost $20,000 for stem cells",
        "About 2.5 million people worldwide have multiple sclerosis",
        "Approximately 16 million first-ever strokes occur each year",
        "There are 10 million stem cell treatments sold",
        "800 Billion Extracellular Vesicles",
        "2x10^6 exosomes",
        "cells were seeded at 5 × 10^4 cells/cm2",
        "2 x 10^6 cells per gram of fat",
        "A total of 2 × 10^8 cells were harvested from the marrow",
        "one in 10,000 to 100,000 mononuclear cells is an MSC",
        "stented by a single stent of 3.0 x 18 mm",
        "5 M NaCl",
        "106 patients were enrolled",
        "Stem cells from human exfoliated teeth were calculated at 0.11IU/kg body weight",
        "1e14 cells",
        "0 × 10^6 cells",
        "500000 cells per square cm",
        "MSC-derived EV dose of 2 × 10^9 particles/kg",
        "MSC-derived EVs (1 × 10^10 particles)",
        "cells 1 × 10^6-fold higher",
        "MSCs were isolated and expanded to 1 × 10^8 cells",
        "1 × 10^6 cells per well in 96-well plates",
        "3 × 10^6 T-cells were infused",
        "In one gram of adipose tissue, it is found an average of 2x106 cells",
        "the culture yielded approximately 3 × 10^8 MSCs",
        "Marrow-derived MSCs can be expanded in vitro to > 50 million cells within two weeks",
        "expression of cluster differentiation 90,105, 34, 45 surface markers of synovial MSC",
    ],
)
def test_doses_negatives(text: str) -> None:
    assert find_doses(text) == []


def test_doses_evidence_and_offsets() -> None:
    text = "Patients received MSCs at 1 × 10^6 cells/kg on day 0."
    (dose,) = find_doses(text)
    assert dose == {
        "cells": 1e6,
        "per_kg": True,
        "text": "1 × 10^6 cells/kg",
        "start": 26,
        "end": 43,
    }


def test_doses_distinct_in_order_of_first_mention() -> None:
    text = (
        "Cohort B: 2 × 10^6 cells/kg. Cohort A: 1 × 10^6 cells/kg. Cohort B again 2 million "
        "cells/kg, capped at 2 × 10^6 cells."
    )
    doses = find_doses(text)
    assert [(d["cells"], d["per_kg"]) for d in doses] == [(2e6, True), (1e6, True), (2e6, False)]
    assert doses[0]["start"] == text.index("2 × 10^6")


@pytest.mark.parametrize(
    "text",
    [
        "on days 0 and 7, 1 × 10^6 cells/kg MSC",
        "day 1, 1 × 10^6 cells/kg MSC",
        "patients (n = 12, 1 × 10^6 cells/kg)",
        "at weeks 0, 4, 8, 1 × 10^6 MSCs/kg",
    ],
)
def test_doses_day_or_count_list_does_not_borrow_multiplier(text: str) -> None:
    assert _pairs(text) == [(1e6, True)]
    assert _pairs("In 2015, 2 million cells were infused") == [(2e6, False)]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "x" * 10,
        "1e999 cells",
        "nan cells",
        "10^99 cells",
        "1 × 10^-6 cells",
        "\x00\ufffd 1 × 10",
        "×10^" * 50,
    ],
)
def test_doses_absurd_values_are_rejected_without_crash(bad: str) -> None:
    assert find_doses(bad) == []


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("1 × 10^6", 1e6),
        ("1x10(6)", 1e6),
        ("1 x 10e6", 1e6),
        ("1.5E7", 1.5e7),
        ("1.5 × 10⁷", 1.5e7),
        ("10^8", 1e8),
        ("100 million", 1e8),
        ("2 million cells", 2e6),
        ("1.5 billion", 1.5e9),
        ("2 × 106", 2e6),
        ("5.0 x 107", 5e7),
        ("1x109", 1e9),
        ("1,5 million", 1.5e6),
        ("30 000 000", 3e7),
        ("1 × 10^6 cells/kg", 1e6),
    ],
)
def test_doses_parse_cell_count(expr: str, value: float) -> None:
    assert parse_cell_count(expr) == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("expr", ["", "abc", "1e30", "0", "nan", "5 mg", "1 × 10^6 mL", None])
def test_doses_parse_cell_count_rejects(expr: str) -> None:
    assert parse_cell_count(expr) is None


@pytest.mark.parametrize(
    ("title", "text", "cell_free"),
    [
        ("Extracellular Vesicle Treatment for COVID-19", "ExoFlo 15 mL of EVs from MSCs.", True),
        ("", "Secretome of MSCs. The secretome is given; secretome dose 1 mL; MSCs.", True),
        ("MSC for knee OA", "Adipose MSCs, 5 × 10^7 cells. MSCs release exosomes. MSCs.", False),
    ],
)
def test_doses_cell_free_product(title: str, text: str, cell_free: bool) -> None:
    assert is_cell_free_product(text, title) is cell_free


def test_doses_five_megabytes_in_linear_time() -> None:
    unit = (
        "Patients received 1 × 10^6 cells/kg of MSCs on days 1, 3 and 5 with 2 mg/kg "
        "prednisolone. Cells were suspended at 5 million cells/mL. Platelets fell to "
        "150 × 10^9/L in 2019, and the investigators report no thrombosis. The trial enrolled "
        "adults aged 18 to 65 years at two hospitals and followed them for 12 months. "
    )
    big = unit * (5_000_000 // len(unit))
    t0 = time.perf_counter()
    doses = find_doses(big)
    assert time.perf_counter() - t0 < 10
    assert [(d["cells"], d["per_kg"]) for d in doses] == [(1e6, True)]


@pytest.mark.parametrize("piece", ["1-", "1 × 10^6 cells/kg, ", " ", "x10", "1,", "10⁶"])
def test_doses_pathological_input_scales_linearly(piece: str) -> None:
    def run(n: int) -> float:  # best of three, so a busy machine does not fail the test
        text = piece * (n // len(piece))
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            find_doses(text)
            times.append(time.perf_counter() - t0)
        return min(times)

    small, large = run(25_000), run(100_000)
    assert large < 8 * small + 0.3, (small, large)


def _gold_docs() -> list[dict]:
    gold = shared_dir() / "gold"
    if not gold.is_dir():
        pytest.skip(f"shared gold folder not found at {gold.resolve()} (set CELLVIGIL_SHARED)")
    return [
        json.loads(line)
        for path in sorted(Path(gold).glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def test_doses_dev_gold_f1() -> None:
    tp = fp = fn = 0
    for doc in _gold_docs():
        text = doc["title"] + "\n\n" + doc["text"]
        pred = [] if is_cell_free_product(text, doc["title"]) else find_doses(text)
        for d in pred:
            assert text[d["start"] : d["end"]] == d["text"]
        gold = [(g["cells"], g["per_kg"]) for g in doc["gold"].get("doses", [])]
        unmatched = list(gold)
        for d in pred:
            hit = next(
                (
                    g
                    for g in unmatched
                    if g[1] == d["per_kg"] and abs(g[0] - d["cells"]) <= 0.01 * g[0]
                ),
                None,
            )
            if hit is None:
                fp += 1
            else:
                tp += 1
                unmatched.remove(hit)
        fn += len(unmatched)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    assert f1 >= 0.85, f"dev gold doses P={precision:.3f} R={recall:.3f} F1={f1:.3f}"
