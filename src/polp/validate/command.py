"""``polp validate FILE... [--type T] [--format text|json] [--fail-on SEVERITY]``.

Exit codes: 0 when no finding reaches ``--fail-on`` (default ``error``), 1 when one does, 2 when an
input cannot be read or is not a policy document (the other inputs are still validated and reported).
A directory argument stands for the ``*.json`` files under it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from polp.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError, Location, UsageError
from polp.validate.finding import Severity
from polp.validate.policy_type import PolicyType
from polp.validate.report import FileReport, render_json, render_text
from polp.validate.validator import validate_file

FORMATS = ("text", "json")


def _expand(files: list[str]) -> list[str]:
    out: list[str] = []
    for name in files:
        path = Path(name)
        if path.is_dir():
            out.extend(str(p) for p in sorted(path.rglob("*.json")) if p.is_file())
        else:
            out.append(name)
    return out


def _validate(name: str, policy_type: PolicyType | None) -> FileReport:
    try:
        result = validate_file(name, policy_type)
    except InputError as error:
        if error.location is None:
            error.location = Location(name)
        return FileReport(name, policy_type, error=error)
    return FileReport(name, result.policy_type, result.findings)


def exit_code(reports: list[FileReport], fail_on: Severity) -> int:
    if any(r.error for r in reports):
        return EXIT_INPUT
    if any(f.severity >= fail_on for r in reports for f in r.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def run_validate(files: list[str], policy_type: str | None, fmt: str, fail_on: str, out: TextIO) -> int:
    """Validate ``files`` and write the report to ``out``; returns the exit code (0, 1 or 2)."""
    try:
        threshold = Severity.parse(fail_on)
        chosen = PolicyType.parse(policy_type) if policy_type else None
    except ValueError as error:
        raise UsageError(str(error)) from None
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if not files:
        raise UsageError("no policy file given")
    reports = [_validate(name, chosen) for name in _expand(files)]
    code = exit_code(reports, threshold)
    if fmt == "json":
        render_json(reports, threshold, code, out)
    else:
        render_text(reports, threshold, out)
    return code
