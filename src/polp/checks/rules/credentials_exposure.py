"""POLP-CRED-001: the principal can mint credentials or open sessions as someone else.

Families, one finding each:

* **user credentials**: access keys, console passwords, service-specific credentials (CodeCommit,
  Bedrock API keys) and SSH keys for *other* users. A pattern that only names the principal itself
  (``user/${aws:username}``, the self-service pattern) is fine; one naming another user, covering
  another user of the inventory, or covering every user is not.
* **instance shells** on every instance: ``ssm:StartSession``, EC2 Instance Connect keys. A shell on
  an instance is its instance role's credentials.
* **SageMaker presigned URLs** for every notebook instance or Studio user profile: a logged-in
  Jupyter session running as the notebook's or profile's execution role.
* **Cognito developer identities**: OpenID tokens for any identity of any identity pool, which the
  pool's roles accept. (``cognito-identity:GetCredentialsForIdentity`` is an unauthenticated API:
  an IAM grant for it changes nothing, so it is not reported; the pool roles' trust policies are.)
* **federation tokens** (``sts:GetFederationToken``, users only): sessions of up to 36 hours that
  survive deleting or rotating the access key that made them.

Severity is critical when a privileged principal is among those reachable, high otherwise (medium for
federation tokens, which carry no more than the user's own permissions).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from polp.checks.interface import (
    AuditContext,
    Check,
    Confidence,
    Finding,
    Rule,
    Severity,
    Subject,
    finding_for_grants,
)
from polp.checks.rules._asking import mentioned
from polp.checks.rules._escalation import Model, model_for, trusts
from polp.checks.rules._grants import (
    Pool,
    allowed_among,
    concrete,
    live_grants,
    principal_context,
    service_linked,
    statements_of,
    unbounded,
)
from polp.checks.rules.admin_effective import is_admin
from polp.checks.rules.admin_self_grant import grants_itself_anything
from polp.iam.context import RequestContext
from polp.iam.effective import Grant
from polp.iam.principals import RequestPrincipal

USER_CREDENTIALS = (
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:UploadSSHPublicKey",
)


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    what: str
    #: (action, resource types it must cover in full)
    actions: tuple[tuple[str, tuple[str, ...]], ...]
    #: Service principals whose roles the sessions run as (to rank the reachable roles).
    services: tuple[str, ...] = ()
    web_identity: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The family's actions, without their resource types."""
        return tuple(action for action, _ in self.actions)


SESSION_FAMILIES = (
    Family(
        "instance-shell",
        "open a shell on every EC2 instance, as its instance role",
        (
            ("ssm:StartSession", ("instance", "managed-instance")),
            ("ec2-instance-connect:SendSSHPublicKey", ("instance",)),
            ("ec2-instance-connect:SendSerialConsoleSSHPublicKey", ("instance",)),
        ),
        services=("ec2.amazonaws.com",),
    ),
    Family(
        "sagemaker-presigned-url",
        "open a logged-in session on every SageMaker notebook or Studio profile, as its execution role",
        (
            ("sagemaker:CreatePresignedNotebookInstanceUrl", ("notebook-instance",)),
            ("sagemaker:CreatePresignedDomainUrl", ("user-profile",)),
        ),
        services=("sagemaker.amazonaws.com",),
    ),
    Family(
        "cognito-developer-identity",
        "mint OpenID tokens for any identity of every Cognito identity pool",
        (("cognito-identity:GetOpenIdTokenForDeveloperIdentity", ("identitypool",)),),
        web_identity="cognito-identity.amazonaws.com",
    ),
)

RULE = Rule(
    id="POLP-CRED-001",
    name="credentials-exposure",
    category="credentials-exposure",
    severity=Severity.high,
    confidence=Confidence.high,
    summary=(
        "The principal can mint credentials or open sessions as other identities: keys or passwords "
        "for other users, shells on every instance, presigned SageMaker URLs, federation tokens."
    ),
    explanation=(
        "Creating an access key or a console password for another user, opening a Session Manager "
        "or Instance Connect shell on any instance, or generating a presigned SageMaker URL for any "
        "notebook gives the caller the permissions of that user or of that resource's role, without "
        "touching IAM policies and often without MFA. A CI or deployment identity holding these "
        "becomes whoever is the most privileged user or instance role in reach. Federation tokens "
        "are reported because the sessions they create outlive the access key that made them."
    ),
    remediation=(
        "Scope iam:CreateAccessKey, iam:*LoginProfile, iam:*ServiceSpecificCredential and "
        "iam:UploadSSHPublicKey to arn:aws:iam::ACCOUNT:user/${aws:username} (self-service only); "
        "scope ssm:StartSession, ec2-instance-connect:* and sagemaker:CreatePresigned* to named "
        "resources or to a resource tag condition; remove sts:GetFederationToken from workload "
        "identities."
    ),
    help_uri="https://pathfinding.cloud/paths/iam-004",
)


def _other_user(subject: Subject, grant: Grant, ctx: RequestContext | None, model: Model) -> bool:
    """Whether the grant names some user other than the subject."""
    if unbounded(grant) or grant.not_resources:
        return True
    self_arn = subject.record.arn if subject.record.kind == "user" else None
    for pattern in grant.resources:
        if "${" in pattern and ctx is None:
            continue  # a group's or a policy's variables resolve to the calling member: self-service
        named = concrete(pattern, ctx)
        if named is not None:
            if named != self_arn:
                return True
            continue
        pool = model.pools["user"]
        others = pool.same_account(subject.record) & ~(pool.bit(self_arn) if self_arn is not None else 0)
        if pool.named(pattern, ctx) & others:
            return True
    return False


def _user_credentials(subject: Subject, context: AuditContext, model: Model) -> Finding | None:
    ctx = principal_context(subject.record)
    grants = [
        g
        for a in mentioned(subject.permissions, USER_CREDENTIALS)  # others cannot be granted
        for g in live_grants(subject.permissions, a, context.now_epoch)
        if _other_user(subject, g, ctx, model)
    ]
    if not grants:
        return None
    actions = sorted({g.action for g in grants})
    pool = model.pools["user"]
    candidates = pool.same_account(subject.record) & ~pool.bit(subject.record.arn)
    allowed = 0
    for a in actions:
        allowed |= allowed_among(
            pool,
            candidates & ~allowed,
            subject.permissions,
            subject.record,
            a,
            [g for g in grants if g.action == a],
            ctx,
        )
    reachable = sorted(pool.members(model.ranked(pool, 1, allowed)), key=lambda u: not model.admin(u))
    message = (
        f"{subject.record.kind} {subject.record.name} can mint credentials for other users: "
        + ", ".join(actions)
    )
    if reachable:
        message += "; privileged users in reach: " + ", ".join(u.record.name for u in reachable[:3])
    details: dict[str, object] = {
        "family": "user-credentials",
        "privileged_users": [u.record.arn for u in reachable],
        "statements": statements_of(grants),
    }
    return finding_for_grants(
        RULE, subject, grants, message, severity=Severity.critical if reachable else None, details=details
    )


def _session(subject: Subject, context: AuditContext, model: Model, family: Family) -> Finding | None:
    named = mentioned(subject.permissions, family.names)  # the only actions that can be granted
    grants = [
        g
        for action, types in family.actions
        if action in named
        for g in live_grants(subject.permissions, action, context.now_epoch)
        if unbounded(g, types)
    ]
    if not grants:
        return None
    if family.web_identity:
        pool = _web_identity_pool(model, family.web_identity)
        if not pool.same_account(subject.record):
            return None  # no identity pool role to exchange the tokens for
    else:
        pool = model.service_pool(family.services)
    reachable, arns = _privileged_first(model, pool, model.ranked(pool, 1, pool.same_account(subject.record)))
    actions = sorted({g.action for g in grants})
    message = f"{subject.record.kind} {subject.record.name} can {family.what} ({', '.join(actions)})"
    if reachable:
        message += "; privileged roles in reach: " + ", ".join(r.record.name for r in reachable[:3])
    details: dict[str, object] = {
        "family": family.name,
        "privileged_roles": arns,
        "statements": statements_of(grants),
    }
    return finding_for_grants(
        RULE, subject, grants, message, severity=Severity.critical if reachable else None, details=details
    )


_RANKED: dict[tuple[int, int], tuple[Pool, list[Subject], list[str]]] = {}


def _privileged_first(model: Model, pool: Pool, mask: int) -> tuple[list[Subject], list[str]]:
    """The members of ``mask``, administrators first, and their ARNs (shared, read-only lists per
    pool and mask: the principals of one account share them)."""
    entry = _RANKED.get((id(pool), mask))
    if entry is None or entry[0] is not pool:
        if len(_RANKED) >= 1 << 12:
            _RANKED.clear()
        members = sorted(pool.members(mask), key=lambda r: not model.admin(r))
        entry = _RANKED[(id(pool), mask)] = (pool, members, [r.record.arn for r in members])
    return entry[1], entry[2]


_WEB_POOLS: dict[tuple[int, str], tuple[Model, Pool]] = {}


def _web_identity_pool(model: Model, provider: str) -> Pool:
    """The roles whose trust lets ``provider``'s web identities assume them (once per audit)."""
    entry = _WEB_POOLS.get((id(model), provider))
    if entry is None or entry[0] is not model:
        principal = RequestPrincipal("Federated", provider)
        pool = Pool([r for r in model.roles if trusts(r, principal, "sts:AssumeRoleWithWebIdentity")])
        if len(_WEB_POOLS) > 16:
            _WEB_POOLS.clear()
        entry = _WEB_POOLS[(id(model), provider)] = (model, pool)
    return entry[1]


def _federation(subject: Subject, context: AuditContext) -> Finding | None:
    if subject.record.kind == "role":
        return None  # roles cannot call GetFederationToken
    grants = list(live_grants(subject.permissions, "sts:GetFederationToken", context.now_epoch))
    if not grants:
        return None
    message = (
        f"{subject.record.kind} {subject.record.name} can mint federation tokens (sts:GetFederationToken): "
        "sessions of up to 36 hours that outlive the access key that created them"
    )
    return finding_for_grants(
        RULE,
        subject,
        grants,
        message,
        severity=Severity.medium,
        details={"family": "federation-token", "statements": statements_of(grants)},
    )


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    if (
        is_admin(subject, context)
        or service_linked(subject.record)
        or grants_itself_anything(subject, context)
    ):
        return  # POLP-ADMIN-001 or POLP-ADMIN-002 covers it
    model = model_for(context)
    found = [
        _user_credentials(subject, context, model),
        *(_session(subject, context, model, f) for f in SESSION_FAMILIES),
        _federation(subject, context),
    ]
    yield from (f for f in found if f is not None)


CHECK = Check(rule=RULE, run=run)
