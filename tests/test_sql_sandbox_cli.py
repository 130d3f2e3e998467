"""``cellvigil sql`` and ``cellvigil export`` through the CLI runner: exit codes and output."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cellvigil.cli import app
from registry.sample import build_sample_registry

runner = CliRunner()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_registry(tmp_path_factory.mktemp("cli") / "sample.duckdb")


def test_cli_sql_json(registry: Path) -> None:
    result = runner.invoke(
        app,
        ["sql", "--db", str(registry), "--format", "json", "SELECT count(*) AS n FROM documents"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"n": 20}]


def test_cli_sql_csv_and_table(registry: Path) -> None:
    q = "SELECT level, a FROM signals WHERE term = 'any_thrombotic' ORDER BY level"
    csv_out = runner.invoke(app, ["sql", "--db", str(registry), "--format", "csv", q])
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("level,a\n")
    table = runner.invoke(app, ["sql", "--db", str(registry), q])
    assert table.exit_code == 0 and "bone_marrow" in table.stdout


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "no_file_access"),
        ("COPY documents TO '/tmp/x.csv'", "no_copy"),
        ("ATTACH '/tmp/x.duckdb'", "no_attach"),
        ("SELECT 1; SELECT 2", "single_statement"),
        ("DROP VIEW documents", "read_only"),
    ],
)
def test_cli_sql_refused_exits_non_zero_naming_rule(registry: Path, sql: str, rule: str) -> None:
    before = hashlib.sha256(registry.read_bytes()).hexdigest()
    result = runner.invoke(app, ["sql", "--db", str(registry), sql])
    assert result.exit_code == 3
    assert f"refused [{rule}]" in result.output
    assert hashlib.sha256(registry.read_bytes()).hexdigest() == before


def test_cli_sql_timeout(registry: Path) -> None:
    result = runner.invoke(
        app,
        [
            "sql",
            "--db",
            str(registry),
            "--timeout",
            "0.5",
            "SELECT count(*) FROM range(1000000000) a, range(1000000000) b",
        ],
    )
    assert result.exit_code == 3 and "time_limit" in result.output


def test_cli_sql_error_and_missing_registry(registry: Path, tmp_path: Path) -> None:
    bad = runner.invoke(app, ["sql", "--db", str(registry), "SELECT nope FROM documents"])
    assert bad.exit_code == 1 and "error" in bad.output
    missing = runner.invoke(app, ["sql", "--db", str(tmp_path / "none.duckdb"), "SELECT 1"])
    assert missing.exit_code == 2 and "cellvigil build" in missing.output


def test_cli_help_is_the_docstring() -> None:
    for command, words in (("sql", "sandbox"), ("export", "data dictionary")):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and words in result.output


def test_cli_export(registry: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["export", "--db", str(registry), "--format", "csv", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "signals.csv").is_file()
    assert (tmp_path / "out" / "data_dictionary.md").is_file()
    bad = runner.invoke(
        app, ["export", "--db", str(registry), "--format", "xlsx", "--out", str(tmp_path / "o2")]
    )
    assert bad.exit_code != 0
