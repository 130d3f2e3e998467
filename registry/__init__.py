"""The CellVigil registry: raw documents with provenance, extracted facts and analytic views in DuckDB."""
