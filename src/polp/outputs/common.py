"""Small pieces every format shares: the tool's identity and how a finding's place is written."""

from __future__ import annotations

import os
from typing import Any

from polp.checks.interface import Finding


def tool_info() -> dict[str, str]:
    from polp import __version__
    from polp.iam.catalog import get_catalog

    catalog = get_catalog()
    return {
        "name": "polp",
        "version": __version__,
        "catalog": catalog.version,
        "catalog_updated": f"{catalog.updated_at:%Y-%m-%d}",
    }


def relative_file(path: str | None) -> str | None:
    """A path relative to the working directory when it is below it (SARIF wants repo paths)."""
    if path is None:
        return None
    base = path.split("#", 1)[0]
    try:
        rel = os.path.relpath(base)
    except ValueError:
        return base
    return base if rel.startswith("..") else rel.replace(os.sep, "/")


def where(finding: Finding) -> str:
    loc = finding.location
    if loc is None or loc.file is None:
        return ""
    text = relative_file(loc.file) or ""
    if loc.line is not None:
        text += f":{loc.line}"
    return text


def finding_json(finding: Finding, new: bool = True) -> dict[str, Any]:
    loc = finding.location
    principal = finding.principal
    return {
        "id": finding.fingerprint,
        "rule": finding.rule.id,
        "rule_name": finding.rule.name,
        "category": finding.rule.category,
        "severity": finding.effective_severity.name,
        "confidence": finding.effective_confidence.name,
        "principal": None
        if principal is None
        else {"type": principal.type, "name": principal.name, "arn": principal.arn},
        "policy": finding.policy,
        "statement": finding.statement,
        "actions": list(finding.actions),
        "resources": list(finding.resources),
        "location": None
        if loc is None
        else {"file": relative_file(loc.file), "line": loc.line, "column": loc.column, "path": loc.path},
        "message": finding.message,
        "explanation": finding.rule.explanation,
        "remediation": finding.rule.remediation,
        "new": new,
        "details": {k: v for k, v in finding.details.items()},
    }
