"""Resource control policies (RCPs) of AWS Organizations, per the Organizations User Guide."""

from __future__ import annotations

from polp.iam.model import Statement
from polp.validate.checks import lookups
from polp.validate.checks.context import CheckContext
from polp.validate.policy_type import PolicyType


def check(ctx: CheckContext) -> None:
    if ctx.policy_type is not PolicyType.RCP:
        return
    for statement in ctx.statements:
        _statement(ctx, statement)


def _is_full_access(statement: Statement) -> bool:
    return (
        statement.principal is not None
        and statement.principal.is_everyone()
        and statement.action == ("*",)
        and statement.resource == ("*",)
        and not statement.condition
        and statement.not_principal is None
    )


def _statement(ctx: CheckContext, statement: Statement) -> None:
    if statement.effect == "Allow" and not _is_full_access(statement):
        ctx.report(
            "rcp-allow",
            "RCPs support Allow only in the AWS-managed RCPFullAWSAccess policy (Principal, "
            'Action and Resource all "*"); restrict with Deny statements instead.',
            (*statement.path, "Effect"),
        )
    for element, present in (("NotPrincipal", statement.not_principal), ("NotAction", statement.not_action)):
        if present is not None:
            ctx.report("unsupported-element", f"RCPs do not support {element}.", (*statement.path, element))
    principal = statement.principal
    if principal is not None and not (principal.is_everyone() and len(list(principal.items())) == 1):
        ctx.report(
            "rcp-principal",
            'An RCP Principal must be "*"; narrow it with conditions such as '
            "aws:PrincipalOrgID or aws:PrincipalAccount.",
            (*statement.path, "Principal"),
        )
    supported = lookups.rcp_supported_services()
    values = statement.action or ()
    for i, action in enumerate(values):
        service = action.partition(":")[0].lower()
        if action == "*" or "*" in service or "?" in service or service in supported:
            continue
        path = (*statement.path, "Action", i) if len(values) > 1 else (*statement.path, "Action")
        ctx.report(
            "rcp-unsupported-service",
            f'"{action}": RCPs do not apply to {service}, so this statement has no effect on it.',
            path,
        )
