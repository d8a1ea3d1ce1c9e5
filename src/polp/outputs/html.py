"""One self-contained HTML page: inline style, no script, no outside assets."""

from __future__ import annotations

from html import escape

from polp.audit.report import AuditReport
from polp.outputs.common import relative_paths, tool_info, where
from polp.outputs.text import summary_line

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #d0d7de;padding:.4rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f6f8fa}.sev{font-weight:600;white-space:nowrap}.critical{color:#fff;background:#b42318}
.high{color:#b42318}.medium{color:#9a6700}.low{color:#0969da}code{font-size:.85rem}
details{margin:.2rem 0}.muted{color:#57606a}
"""


def render_html(report: AuditReport) -> str:
    info = tool_info()
    paths = relative_paths()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>polp audit</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>polp audit</h1>",
        f'<p class="muted">polp {escape(info["version"])}, action catalog {escape(info["catalog"])} '
        f"({escape(info['catalog_updated'])})</p>",
        f"<p><strong>{escape(summary_line(report))}</strong></p>",
    ]
    current = None
    for finding in report.sorted_findings():
        principal = finding.principal.arn if finding.principal else "(no principal)"
        if principal != current:
            if current is not None:
                parts.append("</tbody></table>")
            current = principal
            kind = finding.principal.type if finding.principal else ""
            parts.append(f"<h2>{escape(kind)} <code>{escape(principal)}</code></h2>")
            parts.append(
                "<table><thead><tr><th>severity</th><th>rule</th><th>finding</th>"
                "<th>actions</th><th>where</th></tr></thead><tbody>"
            )
        severity = finding.effective_severity.name
        actions = "<br>".join(f"<code>{escape(a)}</code>" for a in finding.actions)
        parts.append(
            f'<tr><td class="sev {severity}">{severity}</td><td>{escape(finding.rule.id)}</td>'
            f"<td>{escape(finding.message)}<details><summary>why and how to fix</summary>"
            f"<p>{escape(finding.rule.explanation)}</p><p><strong>Fix:</strong> "
            f"{escape(finding.rule.remediation)}</p></details></td>"
            f"<td>{actions}</td><td><code>{escape(where(finding, paths))}</code></td></tr>"
        )
    if current is not None:
        parts.append("</tbody></table>")
    if report.problems:
        parts.append("<h2>Skipped input</h2><ul>")
        parts += [
            f"<li><code>{escape(str(p.location))}</code>: {escape(p.message)}</li>" for p in report.problems
        ]
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
