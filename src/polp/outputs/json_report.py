"""The JSON report. Its schema is ``docs/report.schema.json`` (``schema_version`` 1)."""

from __future__ import annotations

from collections.abc import Iterator

from polp.audit.report import AuditReport
from polp.outputs.common import finding_json, relative_file, relative_paths, stream_json, tool_info

SCHEMA_VERSION = 1


def report_dict(report: AuditReport) -> dict[str, object]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(),
        "inputs": list(report.inputs),
        "summary": {
            "principals": report.subjects,
            "findings": len(report.findings),
            "by_severity": report.counts(),
            "suppressed": len(report.suppressed),
            "new": sum(1 for f in report.findings if report.is_new(f)),
        },
        "findings": [],
        "suppressed": [
            {**finding_json(s.finding), "suppressed_by": s.by, "reason": s.reason} for s in report.suppressed
        ],
        "problems": [
            {
                "message": p.message,
                "file": relative_file(p.location.file),
                "line": p.location.line,
                "path": p.location.path,
            }
            for p in report.problems
        ],
    }


def render_json(report: AuditReport) -> Iterator[bytes]:
    """The report in pieces: the findings are streamed one per line (see ``stream_json``)."""
    paths = relative_paths()
    findings = (finding_json(f, report.is_new(f), paths) for f in report.sorted_findings())
    return stream_json(report_dict(report), ("findings",), findings)
