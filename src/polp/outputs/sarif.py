"""SARIF 2.1.0 as GitHub code scanning reads it.

Rules carry ``security-severity`` (GitHub maps it to critical/high/medium/low), help text, and tags;
results carry a partial fingerprint so that code scanning tracks a finding across commits, and a
location at the line of the file that grants the access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from polp.audit.report import AuditReport
from polp.checks.interface import Finding, Rule, Severity
from polp.outputs.common import relative_paths, stream_json, tool_info

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SECURITY_SEVERITY = {
    Severity.critical: "9.5",
    Severity.high: "8.0",
    Severity.medium: "5.5",
    Severity.low: "3.0",
}
_LEVEL = {
    Severity.critical: "error",
    Severity.high: "error",
    Severity.medium: "warning",
    Severity.low: "note",
}
_PRECISION = {1: "low", 2: "medium", 3: "high"}


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = f"{rule.explanation}\n\nRemediation: {rule.remediation}"
    entry: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation},
        "help": {
            "text": help_text,
            "markdown": f"**{rule.summary}**\n\n{rule.explanation}\n\n**Remediation:** {rule.remediation}",
        },
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "tags": ["security", "iam", "least-privilege", rule.category],
            "security-severity": _SECURITY_SEVERITY[rule.severity],
            "precision": _PRECISION[int(rule.confidence)],
        },
    }
    if rule.help_uri:
        entry["helpUri"] = rule.help_uri
    return entry


def _location(
    finding: Finding, fallback: str | None, paths: Callable[[str | None], str | None]
) -> dict[str, Any]:
    loc = finding.location
    uri = paths(loc.file) if loc is not None and loc.file else fallback
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri or "polp", "uriBaseId": "%SRCROOT%"}}
    region: dict[str, int] = {"startLine": loc.line if loc is not None and loc.line else 1}
    if loc is not None and loc.column:
        region["startColumn"] = loc.column
    physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.principal is not None:
        location["logicalLocations"] = [
            {"fullyQualifiedName": finding.principal.arn, "name": finding.principal.name, "kind": "resource"}
        ]
    return location


def render_sarif(report: AuditReport) -> Iterator[bytes]:
    rule_list = sorted({r.id: r for r in report.rules}.values(), key=lambda r: r.id)
    known = {r.id for r in rule_list}
    for finding in report.findings:
        if finding.rule.id not in known:
            known.add(finding.rule.id)
            rule_list.append(finding.rule)
    index = {rule.id: i for i, rule in enumerate(rule_list)}
    paths = relative_paths()
    fallback = paths(report.inputs[0]) if report.inputs else None

    def result(finding: Finding) -> dict[str, Any]:
        severity = finding.effective_severity
        text = finding.message
        if finding.principal is not None:
            text = f"{finding.principal.type} {finding.principal.name}: {text}"
        return {
            "ruleId": finding.rule.id,
            "ruleIndex": index[finding.rule.id],
            "level": _LEVEL[severity],
            "message": {"text": text},
            "locations": [_location(finding, fallback, paths)],
            "partialFingerprints": {"polpFindingId/v1": finding.fingerprint},
            "properties": {
                "security-severity": _SECURITY_SEVERITY[severity],
                "confidence": finding.effective_confidence.name,
                "category": finding.rule.category,
                "actions": list(finding.actions),
                "resources": list(finding.resources),
                "new": report.is_new(finding),
            },
        }

    info = tool_info()
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "polp",
                        "version": info["version"],
                        "semanticVersion": info["version"],
                        "rules": [_rule(r) for r in rule_list],
                    }
                },
                "automationDetails": {"id": "polp/audit/"},
                "columnKind": "unicodeCodePoints",
                "results": [],
            }
        ],
    }
    return stream_json(log, ("runs", 0, "results"), (result(f) for f in report.sorted_findings()))
