"""Run ``polp validate`` on what the compiler emits: a plan is meant to pass with nothing above a
suggestion, so anything more is reported (a raw action in the manifest is the usual cause)."""

from __future__ import annotations

from polp.generate.compile import Plan
from polp.iam.parse import parse_policy_data
from polp.iam.source import DocumentSource
from polp.validate.finding import Severity
from polp.validate.policy_type import PolicyType
from polp.validate.validator import validate_policy


def plan_findings(plan: Plan) -> list[str]:
    """``identity (policy type): severity code: message`` for every finding above a suggestion."""
    out: list[str] = []
    for compiled in plan.identities:
        for document, policy_type in (
            (compiled.permissions, PolicyType.IDENTITY),
            (compiled.trust, PolicyType.TRUST),
        ):
            policy = parse_policy_data(
                document, DocumentSource(name=f"{compiled.name} {policy_type.value} policy")
            )
            for finding in validate_policy(policy, policy_type):
                if finding.severity > Severity.SUGGESTION:
                    out.append(
                        f"{compiled.name} ({policy_type.value} policy, {finding.location.path}): "
                        f"{finding.severity.value} {finding.code}: {finding.message}"
                    )
    return out
