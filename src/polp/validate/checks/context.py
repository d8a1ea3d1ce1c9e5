"""What every check receives: the policy, its type, and a place to report findings.

Checks report a code, a message and a JSON path; locations (line and column) are resolved once, at
the end, and only for documents that have findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from polp.iam.jsonpath import JsonPath
from polp.iam.model import Policy, Statement
from polp.validate.codes import code
from polp.validate.finding import Severity
from polp.validate.policy_type import PolicyType


@dataclass(frozen=True, slots=True)
class RawFinding:
    code: str
    severity: Severity
    message: str
    path: JsonPath


@dataclass(slots=True)
class CheckContext:
    policy: Policy
    policy_type: PolicyType
    findings: list[RawFinding] = field(default_factory=list)

    def report(self, code_id: str, message: str, path: JsonPath, severity: Severity | None = None) -> None:
        """Record a finding; ``severity`` overrides the code's default (see :mod:`polp.validate.codes`)."""
        self.findings.append(RawFinding(code_id, severity or code(code_id).severity, message, path))

    @property
    def statements(self) -> tuple[Statement, ...]:
        return self.policy.statements


Check = Callable[[CheckContext], None]
