"""The verification report as JSON (every call, excess and request, with its decision) and as SARIF 2.1.0
(one result per failure, located at the manifest line or the statement that grants too much)."""

from __future__ import annotations

from typing import Any

import orjson

from polp.errors import Location
from polp.outputs.common import relative_file, tool_info
from polp.verify.describe import check_summary, failures, summary_line
from polp.verify.report import CHECKS, CallOutcome, Granted, IdentityResult, VerifyReport

SCHEMA_VERSION = 1
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _location(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": relative_file(location.file), "line": location.line, "path": location.path}


def _call(outcome: CallOutcome) -> dict[str, Any]:
    call = outcome.call
    return {
        "action": call.action,
        "resource": call.resource,
        "context": call.context,
        "route": call.route,
        "label": call.label,
        "capability": call.origin.kind if call.origin else None,
        "manifest_location": _location(call.origin.location if call.origin else None),
        "expected": "Allowed" if outcome.expect_allowed else "Denied",
        "decision": outcome.decision.to_json(),
        "passed": outcome.passed,
    }


def _granted(granted: tuple[Granted, ...]) -> list[dict[str, Any]]:
    """The granted actions of a never item, by the statement and resources that grant them."""
    groups: dict[tuple[str, str, tuple[str, ...]], list[Granted]] = {}
    for grant in granted:
        groups.setdefault((grant.policy, grant.statement, grant.resources), []).append(grant)
    return [
        {
            "actions": [g.action for g in grants],
            "resources": list(resources),
            "policy": policy,
            "statement": statement,
            "location": _location(grants[0].location),
        }
        for (policy, statement, resources), grants in groups.items()
    ]


def _identity(report: VerifyReport, result: IdentityResult) -> dict[str, Any]:
    checks = {
        check: {"passed": result.passed(check, report.max_excess), "summary": check_summary(result, check)}
        for check in CHECKS
    }
    checks["sufficient"]["calls"] = [_call(o) for o in result.sufficient]
    checks["minimal"]["excess_count"] = result.excess_count
    checks["minimal"]["excess"] = [
        {
            "actions": list(e.actions),
            "resources": list(e.resources),
            "count": e.count,
            "policy": e.policy,
            "statement": e.statement,
            "conditional": e.conditional,
            "location": _location(e.location),
        }
        for e in result.excess
    ]
    checks["minimal"]["conditions"] = [_call(o) for o in result.conditions]
    checks["never"]["items"] = [
        {
            "item": n.item.label,
            "passed": n.passed,
            "actions_checked": n.actions_checked,
            "manifest_location": _location(n.item.location),
            "granted": _granted(n.granted),
            "simulated": _call(n.probe) if n.probe else None,
        }
        for n in result.never
    ]
    checks["trust"]["problems"] = list(result.trust_problems)
    checks["trust"]["requests"] = [
        {
            "label": t.label,
            "principal": t.principal,
            "action": t.action,
            "expected": "Allowed" if t.expect_allowed else "Denied",
            "decision": t.decision.to_json(),
            "passed": t.passed,
        }
        for t in result.trust
    ]
    return {
        "name": result.name,
        "role_name": result.role_name,
        "target": result.target,
        "principal": result.principal_arn,
        "principal_kind": result.principal_kind,
        "manifest_location": _location(result.location),
        "passed": report.identity_passed(result),
        "unresolved": list(result.symbolic),
        "checks": checks,
    }


def report_dict(report: VerifyReport) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(),
        "manifest": relative_file(report.manifest),
        "pipeline": report.pipeline,
        "inputs": [relative_file(i) for i in report.inputs],
        "summary": {
            "passed": report.passed,
            "identities": len(report.identities),
            "identities_passed": sum(1 for i in report.identities if report.identity_passed(i)),
            "excess": report.excess_count,
            "max_excess": report.max_excess,
            "text": summary_line(report),
        },
        "identities": [_identity(report, r) for r in report.identities],
        "problems": [
            {"message": p.message, "file": relative_file(p.location.file), "line": p.location.line}
            for p in report.problems
        ],
    }


def render_json(report: VerifyReport) -> str:
    return orjson.dumps(report_dict(report), option=orjson.OPT_INDENT_2).decode() + "\n"


_RULES = {
    "sufficient": (
        "POLP-VERIFY-001",
        "insufficient",
        "error",
        "A call a declared capability needs is denied",
        "Grant the call: regenerate the policies with polp plan, or fix the role.",
    ),
    "minimal": (
        "POLP-VERIFY-002",
        "excess",
        "warning",
        "The role allows more than the manifest declares",
        "Remove the excess: replace the role's policies with the output of polp plan.",
    ),
    "never": (
        "POLP-VERIFY-003",
        "never-reachable",
        "error",
        "The role can reach something the manifest says it must never reach",
        "Remove the statements that grant it, or add an explicit Deny (deny_never: true).",
    ),
    "trust": (
        "POLP-VERIFY-004",
        "untrusted-subject",
        "error",
        "Someone other than the declared subjects can assume the role, or sessions last too long",
        "Pin the audience and subject in the trust policy and set MaxSessionDuration as declared.",
    ),
}


def _sarif_location(where: str, fallback: str) -> dict[str, Any]:
    """A file and line written ``path:line``; what is not a file (an AWS managed policy's ARN) falls back."""
    if not where or where.startswith("arn:"):
        where = fallback
    file, _, line = where.rpartition(":") if where.rsplit(":", 1)[-1].isdigit() else (where, "", "")
    uri = file or fallback
    region = {"startLine": int(line) if line else 1}
    return {
        "physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "region": region}
    }


def render_sarif(report: VerifyReport) -> str:
    manifest = relative_file(report.manifest) or report.manifest
    rules = [
        {
            "id": rule_id,
            "name": name,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": summary},
            "help": {"text": f"{summary}. {fix}"},
            "defaultConfiguration": {"level": level},
            "properties": {"tags": ["security", "iam", "least-privilege"]},
        }
        for rule_id, name, level, summary, fix in _RULES.values()
    ]
    index = {check: i for i, check in enumerate(_RULES)}
    results = []
    for result in report.identities:
        for check in CHECKS:
            if result.passed(check, report.max_excess):
                continue
            rule_id, _, level, _, _ = _RULES[check]
            home = f"{manifest}:{result.location.line}"
            found = failures(result, check) if result.found else [(check_summary(result, check), home)]
            for text, where in found:
                results.append(
                    {
                        "ruleId": rule_id,
                        "ruleIndex": index[check],
                        "level": level,
                        "message": {"text": f"identity {result.name}: {text}"},
                        "locations": [_sarif_location(where, home)],
                        "properties": {"identity": result.name, "principal": result.principal_arn},
                    }
                )
    info = tool_info()
    log = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "polp",
                        "version": info["version"],
                        "semanticVersion": info["version"],
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": "polp/verify/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return orjson.dumps(log, option=orjson.OPT_INDENT_2).decode() + "\n"
