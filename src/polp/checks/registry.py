"""Every check polp runs, registered here in one place, in report order."""

from __future__ import annotations

from polp.checks.interface import Check
from polp.checks.rules import (
    admin_effective,
    admin_self_grant,
    credentials_exposure,
    data_access,
    destruction,
    fragmentation,
    long_lived_keys,
    privilege_escalation,
    resource_exposure,
    secrets_access,
    trust_policy,
    wildcard_resource,
    wildcard_service,
)

ALL_CHECKS: tuple[Check, ...] = (
    admin_effective.CHECK,
    admin_self_grant.CHECK,
    privilege_escalation.CHECK,
    credentials_exposure.CHECK,
    secrets_access.CHECK,
    data_access.CHECK,
    destruction.CHECK,
    resource_exposure.CHECK,
    wildcard_service.CHECK,
    wildcard_resource.CHECK,
    trust_policy.CHECK,
    long_lived_keys.CHECK,
    fragmentation.CHECK,
)


def all_checks() -> tuple[Check, ...]:
    return ALL_CHECKS


def check_by_id(rule_id: str) -> Check | None:
    """A check by its rule id or name."""
    for check in ALL_CHECKS:
        if rule_id in (check.rule.id, check.rule.name):
            return check
    return None
