"""The verification report as terminal text and as Markdown for a pull-request comment."""

from __future__ import annotations

from polp.outputs.common import relative_file
from polp.verify.describe import SHOWN, check_summary, failures, more, summary_line
from polp.verify.report import CHECKS, IdentityResult, VerifyReport


def _header(report: VerifyReport) -> str:
    inputs = ", ".join(relative_file(i) or i for i in report.inputs) or "(no input)"
    return f"polp verify: pipeline {report.pipeline} ({relative_file(report.manifest)}) against {inputs}"


def _principal(result: IdentityResult) -> str:
    if not result.found:
        return f"(no principal: {result.target})"
    return f"{result.principal_kind} {result.principal_arn}"


def _status(report: VerifyReport, result: IdentityResult, check: str) -> bool:
    return result.passed(check, report.max_excess)


def render_text(report: VerifyReport) -> str:
    lines = [_header(report), ""]
    for result in report.identities:
        lines.append(f"{result.name} -> {_principal(result)}")
        if not result.found:
            lines += [f"  FAIL  {problem}" for problem in result.trust_problems] + [""]
            continue
        for check in CHECKS:
            ok = _status(report, result, check)
            lines.append(f"  {check:<11} {'pass' if ok else 'FAIL'}  {check_summary(result, check)}")
            if ok or not result.found:
                continue
            found = failures(result, check)
            for text, where in found[:SHOWN]:
                lines.append(f"      - {text}" + (f"  [{where}]" if where else ""))
            if more(len(found)):
                lines.append(f"      {more(len(found))}")
        if result.symbolic:
            lines.append(
                f"  note: unresolved policies, results may be incomplete: {', '.join(result.symbolic)}"
            )
        lines.append("")
    for problem in report.problems:
        lines.append(f"skipped: {problem.location}: {problem.message}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def render_markdown(report: VerifyReport) -> str:
    lines = [
        "## polp verify",
        "",
        f"**{_cell(summary_line(report))}**",
        "",
        "| identity | principal | " + " | ".join(CHECKS) + " |",
        "|---|---|" + "---|" * len(CHECKS),
    ]
    for result in report.identities:
        marks = ["✅" if _status(report, result, c) else "❌" for c in CHECKS]
        lines.append(
            f"| `{_cell(result.name)}` | `{_cell(_principal(result))}` | " + " | ".join(marks) + " |"
        )
    lines.append("")
    for result in report.identities:
        failing = [c for c in CHECKS if not _status(report, result, c)]
        if not failing:
            continue
        lines += [f"### `{_cell(result.name)}`", ""]
        if not result.found:
            lines += [f"- {_cell(problem)}" for problem in result.trust_problems] + [""]
            continue
        for check in failing:
            lines.append(f"- **{check}**: {_cell(check_summary(result, check))}")
            if not result.found:
                continue
            found = failures(result, check)
            for text, where in found[:SHOWN]:
                lines.append(f"  - {_cell(text)}" + (f" (`{_cell(where)}`)" if where else ""))
            if more(len(found)):
                lines.append(f"  - {more(len(found))}")
        lines.append("")
    return "\n".join(lines) + "\n"
