"""POLP-TRUST-001: a role's trust policy lets in more than the workload that should assume it.

Per role, per Allow statement of its trust policy:

* ``Principal: "*"`` (or ``{"AWS": "*"}``): critical when an outsider can assume the role, high when
  only request conditions (a source IP, MFA) stand in the way, nothing when an identity condition
  (``aws:PrincipalOrgID``, ``aws:PrincipalAccount``, ``aws:PrincipalArn``, ``sts:ExternalId``...)
  restricts it.
* Web identity (OIDC) principals, judged per provider (:mod:`polp.checks.rules._oidc`): no ``sub``
  condition, or a ``sub`` wildcard over tenants, is critical on a shared issuer (anyone on GitHub,
  GitLab.com, Terraform Cloud...) and high on a single-tenant one; a wildcard over projects is high;
  over branches or environments, or a pinned ``pull_request`` subject, medium. A missing ``aud`` is
  critical where the audience is the tenant (Google, Cognito), medium elsewhere, and so is a GitHub
  audience other than ``sts.amazonaws.com``.
* AWS principals of another account without ``sts:ExternalId``: medium when the account is not in
  the inventory (a specific principal) or for a whole account; a whole same-account trust
  (``:root``) is low: it delegates the decision to the account's identity policies.

Every finding is confirmed with :func:`polp.iam.evaluate.evaluate` on a probe request (an outsider
principal, or a token from another tenant), so a Deny statement or an extra condition that blocks
the probe removes it. Claims the probe does not carry (``job_workflow_ref``, ``repository_owner``)
count as restrictions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from polp.checks.interface import AuditContext, Check, Confidence, Finding, Rule, Severity, Subject
from polp.checks.rules._grants import covers_action
from polp.checks.rules._oidc import Provider, issuer_of, judge_sub, provider_for
from polp.iam.arn import parse_arn
from polp.iam.context import RequestContext
from polp.iam.evaluate import evaluate
from polp.iam.model import ConditionClause, Policy, Statement
from polp.iam.parse import parse_policy_data
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.iam.wildcards import has_wildcard
from polp.inventory import PolicyRef

#: Condition keys that restrict *who* the caller is.
IDENTITY_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "sts:externalid",
        "aws:userid",
        "aws:username",
        "aws:principalservicename",
        "aws:principaltype",
    }
)
_POSITIVE = frozenset({"StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike"})
_LIKE = frozenset({"StringLike", "ArnLike"})
_PROBE_ACCOUNT = "999999999999"
_ALLOW_ALL = parse_policy_data(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@dataclass(frozen=True, slots=True)
class Issue:
    severity: Severity
    message: str
    details: dict[str, object]


RULE = Rule(
    id="POLP-TRUST-001",
    name="permissive-trust-policy",
    category="trust",
    severity=Severity.high,
    confidence=Confidence.high,
    summary=(
        "A role's trust policy lets principals assume it beyond the workload it was made for: "
        "anyone, any repository of a CI platform, any branch, or another account without an "
        "external ID."
    ),
    explanation=(
        "Whoever satisfies a role's trust policy gets its permissions, whatever their own policies "
        "say. A GitHub Actions trust without a sub condition lets any repository on GitHub deploy "
        "with the role; a wildcard over an organisation lets any of its repositories (and any pull "
        'request workflow) do so; Principal "*" without an identity condition lets any AWS account '
        "in. Cross-account trusts without sts:ExternalId expose the role to confused-deputy attacks "
        "by the other account's service. Deny statements and conditions are honoured: every finding "
        "is confirmed by evaluating the trust policy against a probe request."
    ),
    remediation=(
        "Pin web identity trusts to exact subjects (repo:OWNER/REPO:environment:prod or "
        "repo:OWNER/REPO:ref:refs/heads/main) with StringEquals, and require the audience "
        "(sts.amazonaws.com for GitHub); add aws:PrincipalOrgID or aws:PrincipalAccount to "
        'Principal "*" statements; require sts:ExternalId for third-party accounts; name roles '
        "instead of :root where you can."
    ),
    help_uri=(
        "https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/"
        "configuring-openid-connect-in-amazon-web-services"
    ),
)


def _allowed(
    policy: Policy,
    role_arn: str,
    principal: RequestPrincipal,
    action: str,
    context: Mapping[str, object] | None = None,
) -> bool:
    request = Request(
        principal=principal,
        action=action,
        resource=role_arn,
        context=RequestContext(context or {}),
        identity_policies=(_ALLOW_ALL,) if principal.kind == "AWS" else (),
        resource_policy=policy,
    )
    return evaluate(request).allowed


# -- everyone --------------------------------------------------------------------------------------


def _everyone(statement: Statement, policy: Policy, role_arn: str) -> Issue | None:
    outsider = RequestPrincipal("AWS", f"arn:aws:iam::{_PROBE_ACCOUNT}:role/polp-probe")
    context = {"aws:PrincipalOrgID": "o-polpprobe00", "aws:PrincipalOrgPaths": "o-polpprobe00/r-polp/"}
    if _allowed(policy, role_arn, outsider, "sts:AssumeRole", context):
        return Issue(
            Severity.critical,
            'any AWS principal of any account can assume the role (Principal "*")',
            {"principal": "*"},
        )
    keys = sorted({c.key for c in statement.condition})
    if keys and not any(c.key_lower in IDENTITY_KEYS for c in statement.condition):
        return Issue(
            Severity.high,
            "any AWS principal of any account can assume the role when the request "
            f"conditions hold ({', '.join(keys)}); no condition restricts who the caller is",
            {"principal": "*", "condition_keys": keys},
        )
    return None


# -- web identity ----------------------------------------------------------------------------------


def _claim_clauses(statement: Statement, issuer: str, claim: str) -> list[ConditionClause]:
    key = f"{issuer}:{claim}".lower()
    return [c for c in statement.condition if c.key_lower == key and c.base in _POSITIVE]


def _aud_issue(provider: Provider, auds: list[ConditionClause]) -> tuple[Severity, str] | None:
    values = [(v, c.base in _LIKE) for c in auds for v in c.values]
    if not values or all(like and has_wildcard(v) and v.strip("*") == "" for v, like in values):
        if provider.aud_is_tenant:
            return Severity.critical, "no aud condition: a token issued to any other application is accepted"
        return Severity.medium, "no aud condition: tokens minted for other audiences are accepted"
    if (
        provider.audience
        and provider.name.startswith("GitHub")
        and any(v != provider.audience for v, _ in values)
    ):
        return Severity.medium, f"the aud condition accepts audiences other than {provider.audience}"
    return None


def _probe_value(value: str) -> str:
    return value.replace("*", "polp-probe").replace("?", "x")


def _web_identity(statement: Statement, policy: Policy, role_arn: str, federated: str) -> Issue | None:
    issuer = issuer_of(federated)
    if issuer is None:
        return None  # SAML
    provider = provider_for(issuer)
    subs = _claim_clauses(statement, issuer, "sub")
    auds = _claim_clauses(statement, issuer, "aud") + _claim_clauses(statement, issuer, "oaud")
    aud_value = next(
        (v for c in auds if c.base not in _LIKE for v in c.values), provider.audience or "polp-probe"
    )
    found: list[tuple[Severity, str, str]] = []  # severity, reason, probe sub
    shared = Severity.critical if provider.shared else Severity.high
    if not subs and not (provider.aud_is_tenant and auds):
        whose = "of any tenant" if provider.shared else "of this issuer"
        reason = f"no sub condition: any {provider.name} identity {whose} can assume it"
        found.append((shared, reason, provider.probe_sub))
    for clause in subs:
        for value in clause.values:
            verdict = judge_sub(provider, value, clause.base in _LIKE)
            level = {
                "tenant": shared,
                "project": Severity.high,
                "rest": Severity.medium,
                "risky": Severity.medium,
            }.get(verdict.level)
            if level is not None:
                found.append((level, verdict.reason, _probe_value(value)))
    aud = _aud_issue(provider, auds)
    principal = RequestPrincipal("Federated", federated)
    confirmed = []
    for severity, reason, probe in found:
        context = {f"{issuer}:sub": probe, f"{issuer}:aud": aud_value, f"{issuer}:amr": "authenticated"}
        if _allowed(policy, role_arn, principal, "sts:AssumeRoleWithWebIdentity", context):
            confirmed.append((severity, reason))
    if aud is not None:
        pinned = next((v for c in subs if c.base not in _LIKE for v in c.values), provider.probe_sub)
        context = {
            f"{issuer}:sub": pinned,
            f"{issuer}:aud": "polp-probe-audience",
            f"{issuer}:amr": "authenticated",
        }
        if (aud[0] is Severity.medium and auds) or _allowed(
            policy, role_arn, principal, "sts:AssumeRoleWithWebIdentity", context
        ):
            confirmed.append(aud)
    if not confirmed:
        return None
    worst = max(s for s, _ in confirmed)
    reasons = "; ".join(r for _, r in sorted(confirmed, key=lambda x: -x[0]))
    return Issue(
        worst,
        f"{provider.name} web identity ({issuer}): {reasons}",
        {
            "provider": provider.name,
            "issuer": issuer,
            "sub": [v for c in subs for v in c.values],
            "aud": [v for c in auds for v in c.values],
        },
    )


# -- AWS principals --------------------------------------------------------------------------------


def _aws(
    value: str, policy: Policy, role_arn: str, role_account: str, known_accounts: set[str]
) -> Issue | None:
    whole = len(value) == 12 and value.isdigit()
    account = value if whole else None
    if not whole:
        parsed = parse_arn(value)
        if parsed is None or not parsed.account:
            return None
        account = parsed.account
        whole = parsed.resource == "root"
        if parsed.resource.startswith("role/aws-service-role/"):
            return None  # a service-linked role: AWS decides what assumes through it
    assert account is not None
    probe = f"arn:aws:iam::{account}:role/polp-probe" if whole else value
    if not _allowed(policy, role_arn, RequestPrincipal("AWS", probe), "sts:AssumeRole"):
        return None  # an external ID, MFA or other condition stands in the way
    if account == role_account:
        if not whole:
            return None
        return Issue(
            Severity.low,
            "the whole account is trusted (:root): every principal of it whose identity "
            "policies allow sts:AssumeRole on the role can assume it",
            {"principal": value},
        )
    outside = account not in known_accounts
    if whole:
        return Issue(
            Severity.medium,
            f"every principal of account {account} that its administrators allow can "
            "assume the role, without sts:ExternalId"
            + (" (the account is not in the inventory)" if outside else ""),
            {"principal": value, "account": account, "in_inventory": not outside},
        )
    if not outside:
        return None
    return Issue(
        Severity.medium,
        f"{value} in account {account}, outside the inventory, can assume the role without sts:ExternalId",
        {"principal": value, "account": account, "in_inventory": False},
    )


# -- the check -------------------------------------------------------------------------------------


def _issues(
    statement: Statement, policy: Policy, role_arn: str, role_account: str, known_accounts: set[str]
) -> Iterator[Issue]:
    principal = statement.principal
    if statement.effect != "Allow" or principal is None:
        return
    if principal.is_everyone() and covers_action(statement, "sts:AssumeRole"):
        issue = _everyone(statement, policy, role_arn)
        if issue is not None:
            yield issue
        return
    if covers_action(statement, "sts:AssumeRoleWithWebIdentity"):
        for federated in principal.federated:
            issue = _web_identity(statement, policy, role_arn, federated)
            if issue is not None:
                yield issue
    if covers_action(statement, "sts:AssumeRole"):
        for value in principal.aws:
            issue = _aws(value, policy, role_arn, role_account, known_accounts)
            if issue is not None:
                yield issue


def _finding(
    subject: Subject, trust: PolicyRef, policy: Policy, statement: Statement, issue: Issue
) -> Finding:
    actions = tuple(
        a for a in ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity") if covers_action(statement, a)
    )
    return Finding(
        rule=RULE,
        message=f"role {subject.record.name}: {issue.message}",
        principal=subject.info,
        policy=trust.label,
        statement=statement.label,
        actions=actions,
        resources=(subject.record.arn,),
        location=policy.locate(statement.path),
        severity=issue.severity,
        confidence=Confidence.medium if trust.symbolic else None,
        details=issue.details,
    )


_ACCOUNTS: tuple[AuditContext, set[str]] | None = None


def _known_accounts(context: AuditContext) -> set[str]:
    global _ACCOUNTS
    if _ACCOUNTS is None or _ACCOUNTS[0] is not context:
        _ACCOUNTS = (context, {p.account for p in context.inventory.principals if p.account})
    return _ACCOUNTS[1]


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    record = subject.record
    trust = record.trust_policy
    if (
        record.kind != "role"
        or trust is None
        or trust.policy is None
        or ":role/aws-service-role/" in record.arn
    ):
        return
    account = record.account or ""
    for statement in trust.policy.statements:
        for issue in _issues(statement, trust.policy, record.arn, account, _known_accounts(context)):
            yield _finding(subject, trust, trust.policy, statement, issue)


CHECK = Check(rule=RULE, run=run, applies_to_policies=False)
