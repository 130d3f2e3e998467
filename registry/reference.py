"""Reference tables from data CSV files (approved MSC products, trial AE term rules) for the views.

The CSVs are package data, read with ``importlib.resources`` and loaded as ``ref_<name>``
tables before the views are applied, so the SQL never needs a file path (and the read-only SQL
sandbox, which has no file access, can still query them).
"""

from __future__ import annotations

import csv
import io
from importlib import resources

import duckdb
import pyarrow as pa

REFERENCE_FILES: dict[str, str] = {
    "ref_approved_products": "approved_products.csv",
    "ref_ae_term_map": "ae_term_map.csv",
}
INTEGER_COLUMNS = {"approval_year", "withdrawn_year", "priority"}


class ReferenceFileError(ValueError):
    """A reference CSV is missing a column or holds a value of the wrong type."""


def read_reference(file_name: str) -> list[dict[str, str | int | None]]:
    """Rows of one reference CSV (``data/<file_name>``); '' becomes null, years become integers."""
    text = resources.files("cellvigil.data").joinpath(file_name).read_text("utf-8")
    rows: list[dict[str, str | int | None]] = []
    for line_no, raw in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        row: dict[str, str | int | None] = {}
        for key, value in raw.items():
            if key is None:
                raise ReferenceFileError(f"data/{file_name}:{line_no}: more cells than columns")
            value = (value or "").strip()
            if key in INTEGER_COLUMNS and value:
                try:
                    row[key] = int(value)
                except ValueError as exc:
                    raise ReferenceFileError(
                        f"data/{file_name}:{line_no}: {key} {value!r} is not a whole number"
                    ) from exc
            else:
                row[key] = value or None
        rows.append(row)
    return rows


def create_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every ``ref_*`` table from its CSV, and ``cv_re_approved_product()``.

    The macro is the union of the products' match patterns as one constant regex, so the views
    can find candidate documents with one compiled pattern before trying each product's own.
    """
    for table, file_name in REFERENCE_FILES.items():
        rows = read_reference(file_name)
        if not rows:
            raise ReferenceFileError(f"data/{file_name} holds no rows")
        columns = list(rows[0])
        batch = pa.table(
            {
                c: pa.array(
                    [r.get(c) for r in rows],
                    type=pa.int32() if c in INTEGER_COLUMNS else pa.string(),
                )
                for c in columns
            }
        )
        con.register("_cv_ref", batch)
        try:
            con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM _cv_ref')
        finally:
            con.unregister("_cv_ref")
    patterns = sorted(
        {
            str(r["match_pattern"])
            for r in read_reference(REFERENCE_FILES["ref_approved_products"])
            if r.get("match_pattern")
        }
    )
    union = "|".join(f"(?:{p})" for p in patterns).replace("'", "''")
    con.execute(f"CREATE OR REPLACE MACRO cv_re_approved_product() AS '{union}'")
