"""Render validation results as text (with ``rich``) or as JSON.

JSON schema, ``schema_version`` 1 (fields are only ever added)::

    {
      "schema_version": 1,
      "findings": [
        {"file": str | null, "policy_type": str | null, "code": str, "severity": str,
         "message": str, "line": int | null, "column": int | null, "path": str}
      ],
      "inputs": [
        {"file": str, "policy_type": str | null, "status": "validated" | "unreadable",
         "error": str | null, "findings": int}
      ],
      "summary": {
        "files": int, "validated": int, "unreadable": int, "findings": int,
        "by_severity": {"error": int, "security-warning": int, "warning": int, "suggestion": int},
        "fail_on": str, "exit_code": int
      }
    }

``severity`` is one of ``error``, ``security-warning``, ``warning``, ``suggestion``; ``path`` is the JSON
path inside the document (``Statement[0].Action[2]``); ``policy_type`` is the type the document was
validated as (given with ``--type`` or inferred), null when it could not be parsed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from polp.errors import PolpError
from polp.validate.finding import Severity, ValidationFinding
from polp.validate.policy_type import PolicyType

SCHEMA_VERSION = 1

_STYLES = {
    Severity.ERROR: "bold red",
    Severity.SECURITY_WARNING: "bold magenta",
    Severity.WARNING: "yellow",
    Severity.SUGGESTION: "cyan",
}


@dataclass(frozen=True, slots=True)
class FileReport:
    """The outcome for one input: its findings, or the error that kept it from being validated."""

    file: str
    policy_type: PolicyType | None
    findings: tuple[ValidationFinding, ...] = ()
    error: PolpError | None = None


def severity_counts(reports: list[FileReport]) -> dict[str, int]:
    counts = Counter(f.severity for r in reports for f in r.findings)
    return {s.value: counts.get(s, 0) for s in sorted(Severity, reverse=True)}


def render_json(reports: list[FileReport], fail_on: Severity, exit_code: int, out: TextIO) -> None:
    findings: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    for report in reports:
        kind = report.policy_type.value if report.policy_type else None
        inputs.append(
            {
                "file": report.file,
                "policy_type": kind,
                "status": "unreadable" if report.error else "validated",
                "error": str(report.error) if report.error else None,
                "findings": len(report.findings),
            }
        )
        for f in report.findings:
            findings.append(
                {
                    "file": f.location.file or report.file,
                    "policy_type": kind,
                    "code": f.code,
                    "severity": f.severity.value,
                    "message": f.message,
                    "line": f.location.line,
                    "column": f.location.column,
                    "path": f.location.path,
                }
            )
    unreadable = sum(1 for r in reports if r.error)
    document = {
        "schema_version": SCHEMA_VERSION,
        "findings": findings,
        "inputs": inputs,
        "summary": {
            "files": len(reports),
            "validated": len(reports) - unreadable,
            "unreadable": unreadable,
            "findings": len(findings),
            "by_severity": severity_counts(reports),
            "fail_on": fail_on.value,
            "exit_code": exit_code,
        },
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _where(finding: ValidationFinding) -> str:
    loc = finding.location
    if loc.line is None:
        return ""
    return f"{loc.line}:{loc.column}" if loc.column is not None else str(loc.line)


def render_text(reports: list[FileReport], fail_on: Severity, out: TextIO) -> None:
    """One block per file with findings or errors, then a summary line."""
    console = Console(file=out, highlight=False, soft_wrap=True)
    for report in reports:
        if report.error is not None:
            where = str(report.error.location) if report.error.location is not None else report.file
            console.print(
                f"[bold]{escape(where)}[/bold]: [bold red]cannot validate:[/bold red] "
                f"{escape(report.error.message)}"
            )
            continue
        if not report.findings:
            continue
        kind = f" ({report.policy_type.rules.label})" if report.policy_type else ""
        block = Text()
        block.append(report.file, style="bold")
        block.append(kind + "\n", style="dim")
        width = max(len(_where(f)) for f in report.findings)
        for f in report.findings:
            block.append(f"  {_where(f).ljust(width)}  ")
            block.append(f"{f.severity.value:<16}", style=_STYLES[f.severity])
            block.append(f" {f.code}", style="bold")
            block.append(f"  {f.message}")
            if f.location.path:
                block.append(f"  [{f.location.path}]", style="dim")
            block.append("\n")
        console.print(block)
    counts = severity_counts(reports)
    unreadable = sum(1 for r in reports if r.error)
    parts = [f"{n} {name}{'s' if n != 1 else ''}" for name, n in counts.items()]
    summary = f"{len(reports)} file{'s' if len(reports) != 1 else ''} checked: " + ", ".join(parts)
    if unreadable:
        summary += f"; {unreadable} could not be validated"
    console.print(Text(summary + f" (failing on {fail_on.value} or worse)", style="bold"))
