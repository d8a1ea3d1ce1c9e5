"""Validate policy documents: parse, pick the policy type, run every check, locate the findings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from polp.errors import InputError, Location, PolicyParseError
from polp.iam.model import Policy
from polp.iam.parse import parse_policy_data
from polp.iam.source import loads_strict, read_text
from polp.validate.checks import CHECKS, CheckContext
from polp.validate.checks.lookups import expand
from polp.validate.finding import Severity, ValidationFinding
from polp.validate.policy_type import TRUST_ACTIONS, PolicyType

_POLICY_KEYS = frozenset({"Version", "Statement", "Id"})


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """The findings of one document, and the policy type it was validated as (None: not parsed)."""

    name: str | None
    policy_type: PolicyType | None
    findings: tuple[ValidationFinding, ...]


def _trust_only(patterns: tuple[str, ...] | None) -> bool:
    if not patterns:
        return False
    return all((found := expand(p)) and all(a.lower() in TRUST_ACTIONS for a in found) for p in patterns)


def infer_policy_type(policy: Policy) -> PolicyType:
    """trust if statements name principals and only role-assumption actions; resource if they name
    principals otherwise; identity if no statement names a principal."""
    with_principal = [s for s in policy.statements if s.principal is not None or s.not_principal is not None]
    if not with_principal:
        return PolicyType.IDENTITY
    if all(_trust_only(s.action) for s in with_principal):
        return PolicyType.TRUST
    return PolicyType.RESOURCE


def validate_policy(policy: Policy, policy_type: PolicyType) -> list[ValidationFinding]:
    """Run every check on a parsed policy; findings come sorted by position in the document."""
    ctx = CheckContext(policy, policy_type)
    for check in CHECKS:
        check(ctx)
    findings = [
        ValidationFinding(raw.code, raw.severity, raw.message, policy.locate(raw.path), policy.name)
        for raw in ctx.findings
    ]
    findings.sort(key=lambda f: (f.location.line or 0, f.location.column or 0, -f.severity.rank))
    return findings


def _syntax_findings(error: PolicyParseError, name: str | None) -> list[ValidationFinding]:
    return [
        ValidationFinding("syntax", Severity.ERROR, message, location, name)
        for message, location in error.problems
    ]


def validate_document(
    text: str, name: str | None = None, policy_type: PolicyType | None = None
) -> ValidationResult:
    """Validate JSON text. Raises :class:`InputError` if it is not JSON or not a policy document."""
    data, source = loads_strict(text, name)
    if not isinstance(data, dict):
        raise InputError("not a policy document: expected a JSON object with a Statement", Location(name))
    if not _POLICY_KEYS & data.keys():
        raise InputError(
            "not a policy document: the JSON object has no Version, Id or Statement", Location(name)
        )
    try:
        policy = parse_policy_data(data, source)
    except PolicyParseError as error:
        return ValidationResult(name, policy_type, tuple(_syntax_findings(error, name)))
    chosen = policy_type or infer_policy_type(policy)
    return ValidationResult(name, chosen, tuple(validate_policy(policy, chosen)))


def validate_text(
    text: str, name: str | None = None, policy_type: PolicyType | None = None
) -> list[ValidationFinding]:
    """Validate JSON text; grammar problems become ``syntax`` findings (see :func:`validate_document`)."""
    return list(validate_document(text, name, policy_type).findings)


def validate_file(path: str | Path, policy_type: PolicyType | None = None) -> ValidationResult:
    """Validate one file. Raises :class:`InputError` if it cannot be read or is not a policy."""
    name = str(path)
    return validate_document(read_text(name), name, policy_type)
