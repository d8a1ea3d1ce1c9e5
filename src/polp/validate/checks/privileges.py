"""Grants that are risky whatever the intent: iam:PassRole on every role."""

from __future__ import annotations

from polp.iam.arn import arn_matches, parse_arn
from polp.iam.model import Statement
from polp.iam.variables import has_variables
from polp.iam.wildcards import has_wildcard
from polp.validate.checks import lookups
from polp.validate.checks.context import CheckContext

_PASS_ROLE = "iam:PassRole"
_PROBE_NAME = "polp-probe/any-role-name"


def _grants(statement: Statement, action: str) -> str | None:
    """The Action pattern (or NotAction) through which an Allow statement grants ``action``."""
    if statement.action is not None:
        return lookups.grants_action(statement.action, action)
    if statement.not_action is not None and lookups.grants_action(statement.not_action, action) is None:
        return "NotAction"
    return None


def _probe(pattern: str) -> str:
    """A role ARN in the pattern's own partition and account with a name nobody would pick."""
    arn = parse_arn(pattern)
    partition = arn.partition if arn and arn.partition and not has_wildcard(arn.partition) else "aws"
    account = (
        arn.account
        if arn and arn.account and not has_wildcard(arn.account) and not has_variables(arn.account)
        else "111122223333"
    )
    return f"arn:{partition}:iam::{account}:role/{_PROBE_NAME}"


def check(ctx: CheckContext) -> None:
    for statement in ctx.statements:
        if statement.effect != "Allow":
            continue
        through = _grants(statement, _PASS_ROLE)
        if through is None:
            continue
        if any(c.key.lower() == "iam:passedtoservice" for c in statement.condition):
            continue
        via = "" if through.lower() == _PASS_ROLE.lower() else f' (through "{through}")'
        if statement.resource is not None:
            broad = next((r for r in statement.resource if arn_matches(r, _probe(r))), None)
            if broad is None:
                continue
            where = f'"{broad}"'
            path = (*statement.path, "Resource")
        elif statement.not_resource is not None:
            if any(arn_matches(r, _probe("*")) for r in statement.not_resource):
                continue
            where = "every role outside NotResource"
            path = (*statement.path, "NotResource")
        else:
            continue
        ctx.report(
            "passrole-wildcard-resource",
            f"iam:PassRole is allowed{via} on {where}, which includes every role: the holder can hand "
            "any role, an administrator's included, to a service and act with its permissions. List the "
            "role ARNs, or add a condition on iam:PassedToService.",
            path,
        )
