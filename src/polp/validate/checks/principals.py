"""The Principal and NotPrincipal elements of resource-based, trust and resource control policies."""

from __future__ import annotations

import re

from polp.iam.arn import parse_arn
from polp.iam.model import Principal, Statement
from polp.iam.variables import has_variables
from polp.iam.wildcards import has_wildcard
from polp.validate.checks.context import CheckContext

_UNIQUE_ID = re.compile(r"(AIDA|AROA|AIPA|ANPA|ANVA|AGPA|ASIA|AKIA)[A-Z0-9]{12,}")
_ACCOUNT = re.compile(r"\d{12}")
_HOST = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+")
_CANONICAL = re.compile(r"[0-9a-f]{64}")
_WEB_IDENTITY = frozenset(
    {"accounts.google.com", "cognito-identity.amazonaws.com", "graph.facebook.com", "www.amazon.com"}
)
_IAM_PRINCIPALS = ("root", "user/", "role/", "assumed-role/", "federated-user/")


def check(ctx: CheckContext) -> None:
    if not ctx.policy_type.rules.principal:
        return  # structure reports the element itself
    for statement in ctx.statements:
        if statement.not_principal is not None and statement.effect == "Allow":
            ctx.report(
                "allow-with-not-principal",
                "Allow with NotPrincipal grants access to every principal not listed, anonymous users "
                "included. Name the principals in Principal instead, or use NotPrincipal only with "
                "Deny.",
                (*statement.path, "NotPrincipal"),
            )
        for element, principal in (
            ("Principal", statement.principal),
            ("NotPrincipal", statement.not_principal),
        ):
            if principal is not None:
                _principal(ctx, statement, element, principal)


def _principal(ctx: CheckContext, statement: Statement, element: str, principal: Principal) -> None:
    items = list(principal.items())
    if not items:
        ctx.report(
            "empty-principal",
            f"{element} names no principal, so the statement applies to nobody.",
            (*statement.path, element),
        )
        return
    for kind, value in items:
        if kind == "*" or value == "*" or has_variables(value):
            continue
        path = (*statement.path, element, kind)
        problem = _problem(kind, value)
        if problem is not None:
            ctx.report(problem[0], problem[1], path)


def _problem(kind: str, value: str) -> tuple[str, str] | None:
    if has_wildcard(value):
        return (
            "wildcard-in-principal",
            f'"{value}": a principal cannot contain wildcards other than a bare '
            '"*"; AWS rejects it. Name the principals, or use "*" with a condition '
            "such as aws:PrincipalArn.",
        )
    if kind == "AWS":
        if _ACCOUNT.fullmatch(value):
            return None
        if _UNIQUE_ID.fullmatch(value):
            return (
                "principal-unique-id",
                f'"{value}" is a unique ID: AWS shows it when the user or role it '
                "named was deleted, and a new one with the same name will not match. "
                "Use the ARN.",
            )
        arn = parse_arn(value)
        if arn is None or arn.service not in ("iam", "sts"):
            return (
                "invalid-principal",
                f'"{value}" is not a valid AWS principal: use an account ID, or the ARN '
                "of an account root, user, role or session.",
            )
        if arn.service == "iam" and not arn.resource.startswith(_IAM_PRINCIPALS):
            return (
                "invalid-principal",
                f'"{value}": only the account root, users and roles can be principals '
                "(groups and policies cannot).",
            )
        return None
    if kind == "Service":
        if not _HOST.fullmatch(value):
            return ("invalid-principal", f'"{value}" is not a service principal (like lambda.amazonaws.com).')
        return None
    if kind == "Federated":
        arn = parse_arn(value)
        if arn is not None:
            if arn.service == "iam" and arn.resource.startswith(("saml-provider/", "oidc-provider/")):
                return None
            return (
                "invalid-principal",
                f'"{value}" is not an identity provider: use the ARN of a SAML or OIDC '
                "provider, or a web identity provider such as accounts.google.com.",
            )
        if value in _WEB_IDENTITY or _HOST.fullmatch(value):
            return None
        return ("invalid-principal", f'"{value}" is not an identity provider ARN or host.')
    if kind == "CanonicalUser" and not _CANONICAL.fullmatch(value):
        return ("invalid-principal", f'"{value}" is not a canonical user ID (64 hexadecimal digits).')
    return None
