"""The report formats: JSON against its documented schema, SARIF against SARIF 2.1.0, Markdown, HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from polp.audit.report import AuditReport, Suppressed
from polp.checks.interface import Confidence, Finding, PrincipalInfo, Rule, Severity
from polp.errors import Location
from polp.outputs.html import render_html
from polp.outputs.json_report import render_json
from polp.outputs.markdown import render_markdown
from polp.outputs.sarif import render_sarif
from polp.outputs.text import render_text

ROOT = Path(__file__).resolve().parents[2]

RULE = Rule(
    id="POLP-TEST-001",
    name="test-rule",
    category="destruction",
    severity=Severity.critical,
    confidence=Confidence.high,
    summary="Can delete backups",
    explanation="Deleting snapshots prevents recovery.",
    remediation="Remove rds:DeleteDBSnapshot.",
)
LOW = Rule(
    id="POLP-TEST-002",
    name="low-rule",
    category="wildcards",
    severity=Severity.low,
    confidence=Confidence.medium,
    summary="s",
    explanation="e",
    remediation="r",
)


def _finding(rule: Rule = RULE, line: int | None = 12, name: str = "deployer") -> Finding:
    return Finding(
        rule=rule,
        message="can delete <database> snapshots | all of them",
        principal=PrincipalInfo("role", name, f"arn:aws:iam::111122223333:role/{name}"),
        policy="AdministratorAccess",
        statement="Statement[0]",
        actions=("rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot"),
        resources=("*",),
        location=Location("examples/x/account.json", line, 5, "RoleDetailList[0]"),
    )


def _report(**kwargs: Any) -> AuditReport:
    findings = [_finding(), _finding(LOW, None, "builder")]
    return AuditReport(
        findings=findings,
        rules=[RULE, LOW],
        subjects=2,
        inputs=["examples/x/account.json"],
        suppressed=[Suppressed(_finding(LOW, 3, "other"), "accepted risk", "config")],
        **kwargs,
    )


def test_json_report_validates_against_the_documented_schema() -> None:
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    data = json.loads(b"".join(render_json(_report())))
    jsonschema.validate(data, schema)
    assert data["summary"]["by_severity"] == {"critical": 1, "high": 0, "medium": 0, "low": 1}
    assert data["findings"][0]["severity"] == "critical"  # worst first
    assert data["findings"][0]["location"] == {
        "file": "examples/x/account.json",
        "line": 12,
        "column": 5,
        "path": "RoleDetailList[0]",
    }
    assert data["suppressed"][0]["reason"] == "accepted risk"


def test_sarif_validates_against_sarif_2_1_0(sarif_schema: dict[str, Any]) -> None:
    log = json.loads(b"".join(render_sarif(_report())))
    jsonschema.validate(log, sarif_schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["POLP-TEST-001", "POLP-TEST-002"]
    assert rules[0]["properties"]["security-severity"] == "9.5"
    first = run["results"][0]
    assert first["ruleId"] == "POLP-TEST-001" and first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 12
    assert first["partialFingerprints"]["polpFindingId/v1"] == _finding().fingerprint
    # A finding without a line still gets a location GitHub accepts.
    assert run["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_fingerprint_ignores_line_numbers_and_messages() -> None:
    assert _finding(line=12).fingerprint == _finding(line=99).fingerprint
    assert _finding(name="a").fingerprint != _finding(name="b").fingerprint


def test_markdown_escapes_table_cells() -> None:
    text = render_markdown(_report())
    row = next(line for line in text.splitlines() if "POLP-TEST-001" in line and line.startswith("|"))
    assert "\\|" in row and "&lt;database>" in row
    assert row.count(" | ") >= 5


def test_html_is_self_contained_and_escaped() -> None:
    page = render_html(_report())
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http://" not in page.replace("https://", "")
    assert "&lt;database&gt;" in page
    assert "<link" not in page and "src=" not in page


def test_text_report_groups_by_principal_worst_first() -> None:
    text = render_text(_report(), width=160)
    assert text.index("role/deployer") < text.index("role/builder")
    assert "2 findings in 2 principals (1 critical, 1 low), 1 ignored" in text


def test_gate_counts_only_new_findings() -> None:
    report = _report(new=set())
    assert not report.gate(Severity.low)
    report = _report(new={_finding().fingerprint})
    assert report.gate(Severity.critical)
    assert not _report(new={_finding(LOW, None, "builder").fingerprint}).gate(Severity.high)


def test_streamed_json_is_one_valid_document_whatever_the_number_of_findings() -> None:
    from polp.outputs.common import stream_json

    for count in (0, 1, 3):
        document = {"a": 1, "nested": [{"items": None, "after": True}], "z": "end"}
        items = ({"n": i, "text": "line\nbreak"} for i in range(count))
        text = b"".join(stream_json(document, ("nested", 0, "items"), items))
        assert json.loads(text) == {
            "a": 1,
            "nested": [{"items": [{"n": i, "text": "line\nbreak"} for i in range(count)], "after": True}],
            "z": "end",
        }
    empty = AuditReport(findings=[], rules=[RULE], subjects=0)
    assert json.loads(b"".join(render_json(empty)))["findings"] == []


def test_long_detail_lists_are_cut_with_their_total() -> None:
    from polp.outputs.common import DETAILS_LIST_LIMIT, finding_json

    roles = [f"arn:aws:iam::111122223333:role/r{i}" for i in range(50)]
    finding = Finding(RULE, "m", details={"methods": [{"id": "x", "targets": roles}], "roles": roles})
    details = finding_json(finding)["details"]
    assert len(details["roles"]) == DETAILS_LIST_LIMIT and details["roles_total"] == 50
    assert len(details["methods"][0]["targets"]) == DETAILS_LIST_LIMIT
    assert details["methods"][0]["targets_total"] == 50


def test_markdown_fits_a_pull_request_comment() -> None:
    findings = [_finding(name=f"role-{i:04}") for i in range(2000)] + [_finding(LOW, None, "zz-builder")]
    report = AuditReport(findings=findings, rules=[RULE, LOW], subjects=2001)
    text = render_markdown(report, limit=20_000)
    assert len(text) <= 20_000
    rows = [line for line in text.splitlines() if line.startswith("| ") and "POLP-TEST" in line]
    assert 0 < len(rows) < len(findings)
    assert all("POLP-TEST-001" in row for row in rows)  # worst first: the low finding is cut
    more = len(findings) - len(rows)
    assert f"*{more} more findings ({more - 1} critical, 1 low) do not fit" in text
    assert "<summary>Rules</summary>" in text and "POLP-TEST-002" in text  # the rules stay whole
    # a report that fits is whole, with no note
    small = render_markdown(_report())
    assert "do not fit" not in small and small.count("| POLP-TEST-") == 2


def test_markdown_puts_new_findings_first_with_a_baseline() -> None:
    old, new = _finding(name="old"), _finding(LOW, None, "new")
    report = AuditReport(findings=[old, new], rules=[RULE, LOW], subjects=2, new={new.fingerprint})
    text = render_markdown(report)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "POLP-" in line]
    assert "`new`" in rows[0] and "(baseline)" in rows[1]
