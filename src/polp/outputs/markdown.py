"""Markdown for a pull-request comment: a summary, then one table of findings, worst first."""

from __future__ import annotations

from polp.audit.report import AuditReport
from polp.checks.interface import Finding
from polp.outputs.common import where
from polp.outputs.text import summary_line

_ICON = {"critical": "🟥", "high": "🟧", "medium": "🟨", "low": "🟦"}


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def _row(finding: Finding, new: bool) -> str:
    severity = finding.effective_severity.name
    principal = f"`{_cell(finding.principal.name)}`" if finding.principal else ""
    actions = ", ".join(f"`{_cell(a)}`" for a in finding.actions[:5])
    if len(finding.actions) > 5:
        actions += f" (+{len(finding.actions) - 5})"
    place = f"`{_cell(where(finding))}`" if where(finding) else ""
    mark = "" if new else " (baseline)"
    return (
        f"| {_ICON[severity]} {severity}{mark} | {principal} | {finding.rule.id} | "
        f"{_cell(finding.message)} | {actions} | {place} |"
    )


def render_markdown(report: AuditReport) -> str:
    lines = ["## polp audit", "", f"**{_cell(summary_line(report))}**", ""]
    if report.findings:
        lines += ["| severity | principal | rule | finding | actions | where |", "|---|---|---|---|---|---|"]
        lines += [_row(f, report.is_new(f)) for f in report.sorted_findings()]
        lines.append("")
        rules = {f.rule.id: f.rule for f in report.findings}
        lines += ["<details><summary>Rules</summary>", ""]
        for rule_id in sorted(rules):
            rule = rules[rule_id]
            lines.append(
                f"- **{rule.id}** ({rule.name}): {_cell(rule.summary)} Fix: {_cell(rule.remediation)}"
            )
        lines += ["", "</details>", ""]
    else:
        lines += ["No findings.", ""]
    return "\n".join(lines)
