"""The sandboxed SQL function: hostile queries refused naming the rule, the registry untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from registry.db import RegistryMissing
from registry.sample import build_sample_registry
from registry.sql_sandbox import QueryFailed, QueryRefused, check_query, run_query

HOSTILE: list[tuple[str, str]] = [
    ("SELECT * FROM read_csv('/etc/passwd')", "no_file_access"),
    ("SELECT * FROM read_csv_auto('/etc/passwd')", "no_file_access"),
    ("SELECT content FROM read_text('/etc/passwd')", "no_file_access"),
    ("SELECT * FROM glob('/*')", "no_file_access"),
    ("SELECT * FROM query('SELECT 1')", "no_file_access"),
    ("COPY documents TO '/tmp/cellvigil_leak.csv'", "no_copy"),
    ("COPY (SELECT 1) TO '/tmp/cellvigil_leak.parquet' (FORMAT parquet)", "no_copy"),
    ("EXPORT DATABASE '/tmp/cellvigil_export'", "no_export"),
    ("ATTACH '/tmp/other.duckdb' AS other", "no_attach"),
    ("DETACH other", "no_attach"),
    ("INSTALL httpfs", "no_extensions"),
    ("LOAD httpfs", "no_extensions"),
    ("SET enable_external_access = true", "no_settings"),
    ("RESET threads", "no_settings"),
    ("PRAGMA database_list", "no_settings"),
    ("CALL pragma_version()", "no_call"),
    ("DROP VIEW documents", "read_only"),
    ("DELETE FROM document_versions", "read_only"),
    ("CREATE TABLE x AS SELECT 1", "read_only"),
    ("INSERT INTO build_runs (run_id, kind, started_at) VALUES ('x', 'y', now())", "read_only"),
    ("UPDATE document_versions SET title = 'x'", "read_only"),
    ("CHECKPOINT", "no_call"),
    ("SELECT 1; SELECT 2", "single_statement"),
    ("SELECT 1; DROP VIEW documents", "single_statement"),
    ("", "single_statement"),
    ("SELEC 1", "syntax"),
]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_registry(tmp_path_factory.mktemp("sandbox") / "sample.duckdb")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("sql", "rule"), HOSTILE, ids=[h[0][:40] for h in HOSTILE])
def test_sql_sandbox_hostile_query_refused_with_rule(registry: Path, sql: str, rule: str) -> None:
    before = _sha(registry)
    with pytest.raises(QueryRefused) as info:
        run_query(registry, sql, timeout_s=5)
    assert info.value.rule == rule
    assert rule in str(info.value)
    assert _sha(registry) == before
    assert not Path("/tmp/cellvigil_leak.csv").exists()


def test_sql_sandbox_huge_cross_join_interrupted(registry: Path) -> None:
    before = _sha(registry)
    with pytest.raises(QueryRefused) as info:
        run_query(
            registry, "SELECT count(*) FROM range(1000000000) a, range(1000000000) b", timeout_s=1.0
        )
    assert info.value.rule == "time_limit"
    assert _sha(registry) == before


def test_sql_sandbox_engine_refuses_file_access_that_slips_past_the_parser(registry: Path) -> None:
    # A file path as a table name goes straight to DuckDB: no file is read either way.
    with pytest.raises((QueryRefused, QueryFailed)) as info:
        run_query(registry, "SELECT * FROM '/etc/passwd'")
    assert "root:" not in str(info.value)


def test_sql_sandbox_allows_select_forms(registry: Path) -> None:
    before = _sha(registry)
    assert run_query(registry, "SELECT count(*) AS n FROM documents")["n"].iloc[0] == 20
    assert len(run_query(registry, "/* comment */ WITH s AS (SELECT * FROM signals) FROM s")) > 0
    assert len(run_query(registry, "DESCRIBE event_reports")) > 5
    assert run_query(registry, "SELECT 'read_csv(' AS x")["x"].iloc[0] == "read_csv("
    assert _sha(registry) == before


def test_sql_sandbox_row_cap(registry: Path) -> None:
    df = run_query(registry, "SELECT * FROM range(100)", max_rows=10)
    assert len(df) == 10 and df.attrs["truncated"]
    df = run_query(registry, "SELECT * FROM range(5)", max_rows=10)
    assert len(df) == 5 and not df.attrs["truncated"]


def test_sql_sandbox_bad_column_is_a_failure_not_a_refusal(registry: Path) -> None:
    with pytest.raises(QueryFailed):
        run_query(registry, "SELECT no_such_column FROM documents")


def test_sql_sandbox_missing_registry(tmp_path: Path) -> None:
    with pytest.raises(RegistryMissing):
        run_query(tmp_path / "absent.duckdb", "SELECT 1")
    assert not (tmp_path / "absent.duckdb").exists()


def test_sql_sandbox_check_is_static() -> None:
    assert check_query("select 1").first_keyword == "select"
    with pytest.raises(QueryRefused):
        check_query("PRAGMA version")
