"""The ``kg`` command as users meet it: exit codes, messages, formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "data" / "cli"


def kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def store_env(built) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"KG_STORE": str(built.settings.store)}


def test_validate_bad_decision_code_names_node_property_and_fix() -> None:
    run = kg("validate", str(FIXTURES / "bad-decision-code.ttl"))
    assert run.returncode == 1
    assert "decision/BC-14-18x" in run.stdout
    assert "decisionCode" in run.stdout
    assert "BC-14/18" in run.stdout  # the expected format, as the fix
    assert "Traceback" not in run.stderr


def test_validate_activity_ending_before_it_starts() -> None:
    run = kg("validate", str(FIXTURES / "activity-ends-before-start.ttl"))
    assert run.returncode == 1
    assert "activity/bad-dates-1" in run.stdout
    assert "endDate" in run.stdout
    assert "Traceback" not in run.stderr


def test_validate_valid_file_exits_zero_and_json_is_parseable() -> None:
    run = kg(
        "validate", "--format", "json", str(PROJECT_ROOT / "data/sources/tehran-pow-2009-2010.ttl")
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["conforms"] is True
    assert report["violations"] == 0


def test_validate_turtle_report_is_rdf() -> None:
    from rdflib import Graph

    run = kg("validate", "--format", "turtle", str(FIXTURES / "bad-decision-code.ttl"))
    assert run.returncode == 1
    assert len(Graph().parse(data=run.stdout, format="turtle")) > 0


@pytest.mark.parametrize(
    ("content", "suffix", "expected"),
    [
        (b"this is not turtle {", ".ttl", "not valid turtle RDF"),
        (b"\xff\xfe\x00garbage", ".ttl", "not UTF-8"),
        (b"hello", ".docx", "unknown RDF file type"),
        (
            b'{"@context": "http://example.org/remote.jsonld", "@id": "x"}',
            ".jsonld",
            "remote JSON-LD context",
        ),
    ],
)
def test_unreadable_input_gets_one_line_not_a_traceback(
    tmp_path: Path, content: bytes, suffix: str, expected: str
) -> None:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(content)
    run = kg("validate", str(path))
    assert run.returncode == 2
    assert expected in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr


def test_missing_file_is_one_line() -> None:
    run = kg("validate", "/nonexistent/file.ttl")
    assert run.returncode == 2
    assert run.stderr.strip() == "kg: /nonexistent/file.ttl: no such file"


def test_query_json_is_standard_sparql_results(built) -> None:  # type: ignore[no-untyped-def]
    run = kg(
        "query",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a a mea:Activity }",
        "--format",
        "json",
        env=store_env(built),
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["head"]["vars"] == ["n"]
    assert int(answer["results"]["bindings"][0]["n"]["value"]) > 40


def test_query_csv_and_table(built) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?code WHERE { ?d mea:decisionCode ?code } ORDER BY ?code LIMIT 2"
    csv_run = kg("query", query, "--format", "csv", env=store_env(built))
    assert csv_run.stdout.splitlines()[0] == "code"
    table = kg("query", query, env=store_env(built))
    assert "(2 rows)" in table.stdout


def test_query_syntax_error_is_one_line(built) -> None:  # type: ignore[no-untyped-def]
    run = kg("query", "SELEC nonsense", env=store_env(built))
    assert run.returncode == 2
    assert run.stderr.startswith("kg: Syntax error at line 1")
    assert "Traceback" not in run.stderr


def test_query_without_a_build_says_what_to_do(tmp_path: Path) -> None:
    run = kg("query", "ASK {}", env={"KG_STORE": str(tmp_path / "none")})
    assert run.returncode == 2
    assert "run `kg build` first" in run.stderr


def test_bad_base_iri_setting_is_one_line() -> None:
    run = kg("query", "ASK {}", env={"KG_BASE_IRI": "not-an-iri"})
    assert run.returncode == 2
    assert "KG_BASE_IRI" in run.stderr
