"""The terminal report: a table per principal, worst first, and a summary line."""

from __future__ import annotations

import io
from collections import defaultdict

from rich.console import Console
from rich.table import Table
from rich.text import Text

from polp.audit.report import AuditReport
from polp.checks.interface import Finding, Severity
from polp.outputs.common import relative_paths, where

_STYLE = {
    Severity.critical: "bold white on red",
    Severity.high: "bold red",
    Severity.medium: "yellow",
    Severity.low: "cyan",
}


def _actions(finding: Finding, limit: int = 4) -> str:
    acts = list(finding.actions)
    text = ", ".join(acts[:limit])
    return text + (f" (+{len(acts) - limit} more)" if len(acts) > limit else "")


def summary_line(report: AuditReport) -> str:
    counts = report.counts()
    parts = [f"{n} {name}" for name, n in counts.items() if n]
    total = len(report.findings)
    text = f"{total} finding{'s' if total != 1 else ''} in {report.subjects} principals" + (
        f" ({', '.join(parts)})" if parts else ""
    )
    if report.suppressed:
        text += f", {len(report.suppressed)} ignored"
    if report.new is not None:
        new = sum(1 for f in report.findings if report.is_new(f))
        text += f", {new} new since the baseline"
    return text


def render_text(report: AuditReport, *, color: bool = False, width: int | None = None) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width or 120,
        highlight=False,
        soft_wrap=False,
    )
    paths = relative_paths()
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.sorted_findings():
        key = f"{finding.principal.type} {finding.principal.arn}" if finding.principal else "(no principal)"
        groups[key].append(finding)
    for principal, findings in groups.items():
        table = Table(
            title=Text(principal, style="bold"),
            title_justify="left",
            show_lines=False,
            expand=True,
            pad_edge=False,
        )
        table.add_column("severity", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("finding", ratio=3)
        table.add_column("actions", ratio=2)
        table.add_column("where", ratio=1)
        for finding in findings:
            severity = finding.effective_severity
            label = severity.name + ("" if report.is_new(finding) else " (baseline)")
            table.add_row(
                Text(label, style=_STYLE[severity]),
                finding.rule.id,
                finding.message,
                _actions(finding),
                where(finding, paths),
            )
        console.print(table)
        console.print()
    for problem in report.problems:
        console.print(f"[yellow]skipped:[/yellow] {problem.location}: {problem.message}", markup=True)
    console.print(Text(summary_line(report), style="bold"))
    return buffer.getvalue()
