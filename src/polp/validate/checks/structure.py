"""Document structure: Version, the elements each statement needs or may not have, and Sids."""

from __future__ import annotations

import re
from collections import Counter

from polp.iam.model import Statement
from polp.validate.checks.context import CheckContext
from polp.validate.finding import Severity
from polp.validate.policy_type import PolicyType

_SID = re.compile(r"[A-Za-z0-9]*")


def check(ctx: CheckContext) -> None:
    _version(ctx)
    for statement in ctx.statements:
        _actions(ctx, statement)
        _resources(ctx, statement)
        _principals(ctx, statement)
    _sids(ctx)


def _version(ctx: CheckContext) -> None:
    version = ctx.policy.version
    if version == "2012-10-17":
        return
    rules = ctx.policy_type.rules
    code_id = "missing-version" if version is None else "old-version"
    what = 'has no "Version"' if version is None else 'has "Version": "2008-10-17"'
    if rules.version_required:
        reason = {
            PolicyType.IDENTITY: 'IAM rejects it as a managed policy ("Policy document must be version '
            '2012-10-17 or greater"), and policy variables are literal text',
            PolicyType.BOUNDARY: "A permissions boundary is a managed policy, which IAM rejects without it",
        }.get(ctx.policy_type, f"AWS Organizations requires it in every {rules.label}")
        ctx.report(
            code_id,
            f'The policy {what}: add "Version": "2012-10-17". {reason}.',
            () if version is None else ("Version",),
            Severity.ERROR,
        )
        return
    ctx.report(
        code_id,
        f'The policy {what}: add "Version": "2012-10-17"; without it policy variables such '
        "as ${aws:username} are literal text and newer features are unavailable.",
        () if version is None else ("Version",),
        Severity.WARNING,
    )


def _actions(ctx: CheckContext, statement: Statement) -> None:
    if statement.action is None and statement.not_action is None:
        ctx.report(
            "missing-action",
            f"Statement {statement.label} has no Action or NotAction: add the actions it is about.",
            statement.path,
        )
    elif statement.action == () or statement.not_action == ():
        element = "Action" if statement.action == () else "NotAction"
        ctx.report(
            "missing-action",
            f"{element} is empty: AWS rejects a statement without actions "
            '("Policy statement must contain actions").',
            (*statement.path, element),
        )


def _resources(ctx: CheckContext, statement: Statement) -> None:
    rules = ctx.policy_type.rules
    present = statement.resource if statement.resource is not None else statement.not_resource
    element = "Resource" if statement.resource is not None else "NotResource"
    if rules.resource_forbidden:
        if present is not None:
            ctx.report(
                "unsupported-element",
                f"A {rules.label} cannot have {element}: IAM rejects it "
                "(the role itself is the resource). Remove the element.",
                (*statement.path, element),
            )
        return
    if not rules.resource_required:
        return
    if present is None:
        ctx.report(
            "missing-resource",
            f"Statement {statement.label} has no Resource or NotResource: add the "
            'resource ARNs it applies to, or "*".',
            statement.path,
        )
    elif not present:
        ctx.report(
            "missing-resource",
            f"{element} is empty: AWS rejects a statement without resources "
            '("Policy statement must contain resources").',
            (*statement.path, element),
        )


def _principals(ctx: CheckContext, statement: Statement) -> None:
    rules = ctx.policy_type.rules
    has_principal = statement.principal is not None or statement.not_principal is not None
    if rules.principal and not has_principal:
        ctx.report(
            "missing-principal",
            f"Statement {statement.label} has no Principal: a {rules.label} must name who it applies to.",
            statement.path,
        )
    elif not rules.principal and has_principal:
        element = "Principal" if statement.principal is not None else "NotPrincipal"
        hint = (
            " (use the aws:PrincipalArn condition key instead)" if ctx.policy_type is PolicyType.SCP else ""
        )
        ctx.report(
            "unsupported-element",
            f"A {rules.label} cannot have {element}: it applies to the identity "
            f"it is attached to. Remove the element{hint}.",
            (*statement.path, element),
        )


def _sids(ctx: CheckContext) -> None:
    rules = ctx.policy_type.rules
    counts = Counter(s.sid for s in ctx.statements if s.sid)
    reported: set[str] = set()
    for statement in ctx.statements:
        sid = statement.sid
        if sid is None:
            continue
        path = (*statement.path, "Sid")
        if sid == "":
            ctx.report("empty-sid", "The Sid is empty: give the statement a name or remove the Sid.", path)
            continue
        if counts[sid] > 1 and sid not in reported:
            reported.add(sid)
            if rules.iam_stored:
                ctx.report(
                    "duplicate-sid",
                    f'Sid "{sid}" is used by {counts[sid]} statements: IAM requires '
                    "unique statement IDs within a policy.",
                    path,
                    Severity.ERROR,
                )
            else:
                ctx.report(
                    "duplicate-sid",
                    f'Sid "{sid}" is used by {counts[sid]} statements: use unique statement IDs.',
                    path,
                    Severity.WARNING,
                )
        if rules.iam_stored and not _SID.fullmatch(sid):
            ctx.report(
                "invalid-sid",
                f'Sid "{sid}" has characters other than A-Z, a-z and 0-9, the only ones '
                "IAM documents for statement IDs; some services reject others.",
                path,
            )
