"""Disproportionality (PRR + chi2, ROR + 95% CI, IC + IC025) against hand-computed 2x2 tables."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from registry.sample import EXPECTED_2X2, build_sample_registry


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = build_sample_registry(tmp_path_factory.mktemp("sample") / "sample.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _hand(a: int, b: int, c: int, d: int) -> dict[str, float | None]:
    """The textbook formulas, written out independently of the SQL."""
    n = a + b + c + d
    e = (a + b) * (a + c) / n
    prr = (a / (a + b)) / (c / (c + d))
    chi2 = n * max(abs(a * d - b * c) - n / 2, 0) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    ror = lo = hi = None
    if min(a, b, c, d) > 0:
        ror = a * d / (b * c)
        se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        lo, hi = math.exp(math.log(ror) - 1.96 * se), math.exp(math.log(ror) + 1.96 * se)
    ic = math.log2((a + 0.5) / (e + 0.5))
    ic025 = ic - 3.3 * (a + 0.5) ** -0.5 - 2 * (a + 0.5) ** -1.5
    return {
        "expected": e,
        "prr": prr,
        "chi2": chi2,
        "ror": ror,
        "ror_lower95": lo,
        "ror_upper95": hi,
        "ic": ic,
        "ic025": ic025,
    }


def _row(con: duckdb.DuckDBPyConnection, key: tuple[str, str, str]) -> dict:
    cur = con.execute(
        "SELECT * FROM signals WHERE dimension = ? AND level = ? AND term = ?", list(key)
    )
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, key
    return dict(zip(names, rows[0], strict=True))


@pytest.mark.parametrize("key", sorted(EXPECTED_2X2))
def test_signals_two_by_two_cells_match_hand_counts(sample_db, key) -> None:
    row = _row(sample_db, key)
    assert (row["a"], row["b"], row["c"], row["d"]) == EXPECTED_2X2[key]
    assert row["n"] == sum(EXPECTED_2X2[key])


@pytest.mark.parametrize("key", sorted(EXPECTED_2X2))
def test_signals_statistics_match_formulas(sample_db, key) -> None:
    row = _row(sample_db, key)
    for name, value in _hand(*EXPECTED_2X2[key]).items():
        if value is None:
            assert row[name] is None, name
        else:
            assert row[name] == pytest.approx(value, rel=1e-9), name


def test_signals_worked_example_bone_marrow_pe(sample_db) -> None:
    """a=4 b=4 c=2 d=10: PRR 3, ROR 5, chi2 (Yates) 1.2004, E 2.4, below every threshold."""
    row = _row(sample_db, ("tissue_source", "bone_marrow", "pulmonary_embolism"))
    assert row["prr"] == pytest.approx(3.0)
    assert row["ror"] == pytest.approx(5.0)
    assert row["chi2"] == pytest.approx(9680 / 8064)
    assert row["expected"] == pytest.approx(2.4)
    assert row["ror_lower95"] == pytest.approx(0.640, abs=1e-3)
    assert not row["prr_signal"] and not row["ror_signal"] and not row["ic_signal"]
    assert not row["small_count"]


def test_signals_thresholds_flagged(sample_db) -> None:
    """a=6 b=2 c=1 d=11: PRR 9 with chi2 6.68 and n >= 3, ROR lower bound 2.46 > 1, IC025 < 0."""
    row = _row(sample_db, ("tissue_source", "bone_marrow", "deep_vein_thrombosis"))
    assert row["prr"] == pytest.approx(9.0)
    assert row["chi2"] == pytest.approx(20 * 54**2 / 8736)
    assert row["prr_signal"] and row["ror_signal"] and not row["ic_signal"]
    assert row["any_signal"]


def test_signals_small_counts_shown_not_hidden(sample_db) -> None:
    row = _row(sample_db, ("tissue_source", "adipose", "pulmonary_embolism"))
    assert row["a"] == 1 and row["small_count"]
    assert row["prr"] is not None and not row["prr_signal"]
    zero = sample_db.execute(
        "SELECT count(*) FROM signals WHERE a = 0 AND ror IS NULL AND NOT ror_signal"
    ).fetchone()[0]
    assert zero > 0


def test_signals_possible_events_are_not_reports(sample_db) -> None:
    q = "SELECT count(*) FROM signals WHERE term = 'stroke'"
    assert sample_db.execute(q).fetchone()[0] == 0
    assert (
        sample_db.execute("SELECT count(*) FROM event_reports WHERE term = 'stroke'").fetchone()[0]
        == 0
    )


def test_product_event_counts_hand_totals(sample_db) -> None:
    rows = dict(
        sample_db.execute(
            """SELECT tissue_source || '/' || route_class, sum(event_documents)::INT
           FROM product_event_counts
           WHERE term = 'any_thrombotic' GROUP BY 1"""
        ).fetchall()
    )
    assert rows == {"bone_marrow/intravascular": 6, "adipose/local": 2, "not_stated/not_stated": 1}
    docs = sample_db.execute(
        "SELECT sum(documents) FROM product_event_counts WHERE term = 'any_thrombotic'"
    ).fetchone()[0]
    assert docs == 20


def test_product_profile_dose_estimate_flagged(sample_db) -> None:
    bm = sample_db.execute(
        """SELECT dose_per_kg_min, dose_total_min, dose_total_estimated, route_class
           FROM product_profiles WHERE doc_id = 'doi:10.5555/sample.00'"""
    ).fetchone()
    assert bm == (pytest.approx(2e6), pytest.approx(1.4e8), True, "intravascular")
    ad = sample_db.execute(
        """SELECT dose_per_kg_min, dose_total_min, dose_total_estimated, route_class
           FROM product_profiles WHERE doc_id = 'doi:10.5555/sample.08'"""
    ).fetchone()
    assert ad == (None, pytest.approx(5e7), False, "local")


def test_sample_registry_is_deterministic(tmp_path: Path, sample_db) -> None:
    other = build_sample_registry(tmp_path / "again.duckdb")
    con = duckdb.connect(str(other), read_only=True)
    q = "SELECT dimension, level, term, a, b, c, d FROM signals ORDER BY ALL"
    assert con.execute(q).fetchall() == sample_db.execute(q).fetchall()
    con.close()
