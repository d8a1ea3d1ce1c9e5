"""Markdown for a pull-request comment: a summary, then one table of findings, worst first (new ones
first with a baseline), cut to the size GitHub accepts for a comment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from polp.audit.report import AuditReport
from polp.checks.interface import Finding, Severity
from polp.outputs.common import relative_paths, where
from polp.outputs.text import summary_line

_ICON = {"critical": "🟥", "high": "🟧", "medium": "🟨", "low": "🟦"}


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def _row(finding: Finding, new: bool, paths: Callable[[str | None], str | None]) -> str:
    severity = finding.effective_severity.name
    principal = f"`{_cell(finding.principal.name)}`" if finding.principal else ""
    actions = ", ".join(f"`{_cell(a)}`" for a in finding.actions[:5])
    if len(finding.actions) > 5:
        actions += f" (+{len(finding.actions) - 5})"
    found = where(finding, paths)
    place = f"`{_cell(found)}`" if found else ""
    mark = "" if new else " (baseline)"
    return (
        f"| {_ICON[severity]} {severity}{mark} | {principal} | {finding.rule.id} | "
        f"{_cell(finding.message)} | {actions} | {place} |"
    )


#: GitHub refuses a comment body over 65,536 characters; the table stops short of it.
COMMENT_LIMIT = 60_000


def render_markdown(report: AuditReport, *, limit: int = COMMENT_LIMIT) -> str:
    """The report as a pull-request comment of at most about ``limit`` characters: when the findings
    do not fit, the worst (and, with a baseline, the new) come first and the rest are counted."""
    lines = ["## polp audit", "", f"**{_cell(summary_line(report))}**", ""]
    if not report.findings:
        return "\n".join([*lines, "No findings.", ""])
    rules = {f.rule.id: f.rule for f in report.findings}
    details = ["<details><summary>Rules</summary>", ""]
    for rule_id in sorted(rules):
        rule = rules[rule_id]
        details.append(f"- **{rule.id}** ({rule.name}): {_cell(rule.summary)} Fix: {_cell(rule.remediation)}")
    details += ["", "</details>", ""]
    lines += ["| severity | principal | rule | finding | actions | where |", "|---|---|---|---|---|---|"]
    ordered = sorted(report.sorted_findings(), key=lambda f: not report.is_new(f))  # stable: worst first
    paths = relative_paths()
    budget = limit - sum(len(line) + 1 for line in (*lines, *details)) - 300  # room for the note
    shown = 0
    for finding in ordered:
        row = _row(finding, report.is_new(finding), paths)
        if len(row) + 1 > budget:
            break
        lines.append(row)
        budget -= len(row) + 1
        shown += 1
    lines.append("")
    if shown < len(ordered):
        rest = ordered[shown:]
        counts = Counter(f.effective_severity.name for f in rest)
        worst_first = sorted(Severity, reverse=True)
        parts = ", ".join(f"{counts[s.name]} {s.name}" for s in worst_first if counts[s.name])
        lines += [
            f"*{len(rest)} more findings ({parts}) do not fit in a comment: see the SARIF or JSON report "
            "(`polp audit --format sarif` or `--format json`).*",
            "",
        ]
    return "\n".join([*lines, *details])
