"""Every family of validation checks, in the order their findings are produced."""

from __future__ import annotations

from polp.validate.checks import (
    actions,
    condition_keys,
    condition_values,
    organizations,
    principals,
    privileges,
    redundancy,
    resources,
    size,
    structure,
    trust,
)
from polp.validate.checks.context import Check, CheckContext

CHECKS: tuple[Check, ...] = (
    structure.check,
    actions.check,
    resources.check,
    condition_keys.check,
    condition_values.check,
    principals.check,
    privileges.check,
    trust.check,
    organizations.check,
    redundancy.check,
    size.check,
)

__all__ = ["CHECKS", "Check", "CheckContext"]
