"""The CellVigil registry: raw documents with provenance, extracted facts and views in DuckDB."""
