"""The audit report: findings after ignores and the baseline, ready for every output format."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from polp.checks.interface import Finding, Rule, Severity
from polp.inventory import InputProblem


@dataclass(frozen=True, slots=True)
class Suppressed:
    finding: Finding
    reason: str
    #: "config" (an ignore in polp.toml) or "baseline" (present in the earlier report).
    by: str


@dataclass(slots=True)
class AuditReport:
    findings: list[Finding]
    rules: Sequence[Rule]
    suppressed: list[Suppressed] = field(default_factory=list)
    problems: Sequence[InputProblem] = ()
    subjects: int = 0
    inputs: Sequence[str] = ()
    #: Findings that are not in the baseline (all of them without ``--baseline``).
    new: set[str] | None = None

    def sorted_findings(self) -> list[Finding]:
        """Worst first, then by principal and rule, so reports read top-down and diff stably."""
        return sorted(
            self.findings,
            key=lambda f: (
                -f.effective_severity,
                -f.effective_confidence,
                f.principal.arn if f.principal else "",
                f.rule.id,
                f.policy or "",
                f.statement or "",
                f.actions,
            ),
        )

    def counts(self) -> dict[str, int]:
        counts = {s.name: 0 for s in sorted(Severity, reverse=True)}
        for finding in self.findings:
            counts[finding.effective_severity.name] += 1
        return counts

    def is_new(self, finding: Finding) -> bool:
        return self.new is None or finding.fingerprint in self.new

    def gate(self, fail_on: Severity | None) -> bool:
        """Whether a new finding reaches ``fail_on``."""
        if fail_on is None:
            return False
        return any(f.effective_severity >= fail_on and self.is_new(f) for f in self.findings)
