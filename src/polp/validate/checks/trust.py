"""Role trust policies: the actions they may contain, and web identity federation (OIDC) conditions.

A role that trusts an OIDC provider must check both the audience (``aud``: the token was issued for
AWS, not for some other application of the provider) and the subject (``sub``: which workload).
Without ``sub``, anyone who can get a token from the provider, for GitHub any repository of any
organisation, can assume the role.
"""

from __future__ import annotations

from polp.iam.arn import parse_arn
from polp.iam.conditions import is_negated
from polp.iam.model import ConditionClause, Statement
from polp.iam.wildcards import has_wildcard
from polp.validate.checks import lookups
from polp.validate.checks.context import CheckContext
from polp.validate.policy_type import TRUST_ACTIONS, PolicyType

_GITHUB = "token.actions.githubusercontent.com"
_WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
#: Audience and subject claims per well-known web identity provider (None: no subject claim to test).
_CLAIMS: dict[str, tuple[str, str | None]] = {
    "accounts.google.com": ("aud", "sub"),
    "cognito-identity.amazonaws.com": ("aud", "sub"),
    "graph.facebook.com": ("app_id", None),
    "www.amazon.com": ("app_id", None),
}


def check(ctx: CheckContext) -> None:
    if ctx.policy_type is not PolicyType.TRUST:
        return
    for statement in ctx.statements:
        _actions(ctx, statement)
        if statement.effect == "Allow" and statement.principal is not None:
            for provider in _oidc_providers(statement):
                _oidc(ctx, statement, provider)


def _actions(ctx: CheckContext, statement: Statement) -> None:
    values = statement.action or ()
    for i, action in enumerate(values):
        if has_wildcard(action) or action.lower() in TRUST_ACTIONS:
            continue
        path = (*statement.path, "Action", i) if len(values) > 1 else (*statement.path, "Action")
        ctx.report(
            "trust-action",
            f'"{action}" cannot be granted by a role trust policy; IAM accepts only '
            "sts:AssumeRole, sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity, "
            "sts:TagSession, sts:SetSourceIdentity and sts:SetContext.",
            path,
        )


def _oidc_providers(statement: Statement) -> list[str]:
    assert statement.principal is not None
    if statement.action is not None:
        if lookups.grants_action(statement.action, _WEB_IDENTITY) is None:
            return []
    elif statement.not_action is not None and lookups.grants_action(statement.not_action, _WEB_IDENTITY):
        return []
    providers: list[str] = []
    for value in statement.principal.federated:
        arn = parse_arn(value)
        if arn is not None:
            if arn.resource.startswith("oidc-provider/"):
                providers.append(arn.resource.removeprefix("oidc-provider/"))
        elif value in _CLAIMS:
            providers.append(value)
    return providers


def _restricting(statement: Statement, key: str) -> list[ConditionClause]:
    """The clauses that restrict ``key`` to some values (not negated, not Null)."""
    lower = key.lower()
    return [
        c
        for c in statement.condition
        if c.key.lower() == lower and c.base != "Null" and not is_negated(c.base) and c.values
    ]


def _oidc(ctx: CheckContext, statement: Statement, provider: str) -> None:
    audience, subject = _CLAIMS.get(provider, ("aud", "sub"))
    path = (*statement.path, "Principal", "Federated")
    if not _restricting(statement, f"{provider}:{audience}"):
        ctx.report(
            "oidc-missing-audience",
            f'The role trusts the OIDC provider {provider} without a condition on "{provider}:{audience}": '
            "tokens the provider issued for other applications are accepted too. Add "
            f'"StringEquals": {{"{provider}:{audience}": "<expected audience>"}}'
            + (' ("sts.amazonaws.com" for GitHub Actions).' if provider == _GITHUB else "."),
            path,
        )
    if subject is None:
        return
    clauses = _restricting(statement, f"{provider}:{subject}")
    if not clauses:
        who = (
            "any repository of any GitHub organisation"
            if provider == _GITHUB
            else f"any identity that {provider} issues tokens to"
        )
        ctx.report(
            "oidc-missing-subject",
            f'The role trusts the OIDC provider {provider} without a condition on "{provider}:{subject}": '
            f"{who} can assume it. Add a StringEquals (or StringLike) condition on the subject.",
            path,
        )
        return
    if provider != _GITHUB:
        return
    for clause in clauses:
        for value in clause.values:
            if _wildcard_repository(value):
                ctx.report(
                    "oidc-wildcard-repository",
                    f'"{value}" lets workflows of any matching repository assume the role: name the '
                    "repository (and branch or environment), as in "
                    '"repo:my-org/my-repo:ref:refs/heads/main".',
                    clause.path,
                )


def _wildcard_repository(subject: str) -> bool:
    """Whether a GitHub ``sub`` pattern leaves the organisation or repository open."""
    if not has_wildcard(subject):
        return False
    if not subject.lower().startswith("repo:"):
        return subject[0] in "*?"
    repository = subject[5:].split(":", 1)[0]
    return has_wildcard(repository)
