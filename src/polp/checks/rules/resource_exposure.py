"""POLP-EXPOSE-001: writing resource policies, ACLs and sharing settings of other services.

The action list is catalog-driven: every action whose access level is "Permissions management",
outside the services whose permissions are identities (IAM, IAM Identity Center, Organizations:
the escalation checks own those), minus the ones that only read or narrow access, plus a few actions
the catalog files under "Write" although they share or publish a resource. Actions that only accept
``"Resource": "*"`` are left out: scoping them is impossible, so a finding could not be acted on.
Effective administrators are left to the admin checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

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
from polp.checks.rules._asking import PerPolicySet, by_statement, granted, is_effective_admin
from polp.checks.rules._scoping import Scope, grant_scope
from polp.checks.rules._wording import condition_keys, scope_text, who
from polp.iam.catalog import get_catalog
from polp.iam.effective import Grant, PolicySet

#: Identity-side permissions: privilege escalation, not resource exposure.
EXCLUDED_SERVICES = frozenset({"iam", "sso", "identitystore", "organizations", "sts"})

#: Name prefixes of catalog "Permissions management" actions that read, remove or narrow access
#: (``kms:RevokeGrant``, ``s3:DeleteBucketPolicy``, ``ec2:ResetSnapshotAttribute``). Applied to the
#: catalog's action names, never to policies.
NARROWING_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Delete",
    "Revoke",
    "Retire",
    "Remove",
    "Detach",
    "Disassociate",
    "Dissociate",
    "Deregister",
    "Reject",
    "Cancel",
    "Reset",
    "Deauthorize",
    "Untag",
    "Validate",
    "Abort",
    "Search",
    "Test",
    "Invoke",
    "View",
    "Refresh",
)

#: Catalog "Permissions management" actions that do not open a resource to other principals.
NOT_EXPOSING = frozenset(
    {
        "rds-db:connect",  # a database login: data access, not a policy change
        "redshift:JoinGroup",
        "redshift:CreateClusterUser",  # database credentials
        "redshift:ModifyClusterIamRoles",  # passes roles to a cluster: escalation
        "cloudformation:SetStackPolicy",  # protects stack resources from updates
        "glacier:InitiateVaultLock",
        "glacier:CompleteVaultLock",  # lock policies restrict
        "s3:BypassGovernanceRetention",
        "fsx:BypassSnaplockEnterpriseRetention",  # deletion, not sharing
        "ds:AccessDSData",
        "opensearch:ApplicationAccessAll",
        "opensearch:ViewLoginPage",
        "bedrock-agentcore:AuthorizeAction",
        "bedrock-agentcore:PartiallyAuthorizeActions",
        "bedrock-agentcore:SynchronizeGatewayTargets",
        "glue:TestConnection",
        "iotfleetwise:GenerateCommandPayload",
        "ses:ReplicateEmailIdentityDkimSigningKey",
        "ec2:AttachApplianceToNatGateway",
        "ec2:AttachResourcesToPlacementGroup",
        "ec2:CreateOdbNetworkPeering",
        "ec2:ModifyOdbNetworkPeering",
        "apigateway:AddCertificateToDomain",
        "apigateway:SetWebACL",
        "waf:CreateWebACL",
        "waf:UpdateWebACL",
        "waf-regional:CreateWebACL",
        "waf-regional:UpdateWebACL",
        "lambda:EnableReplication",
        "lambda:DisableReplication",
        "ssm-contacts:AssociateContact",
        "redshift:CreateSnapshotCopyGrant",  # a KMS grant for Redshift's own cross-region copy
        "s3:ObjectOwnerOverrideToBucketOwner",  # replication ownership
        "workspaces:ModifySelfservicePermissions",
    }
)

#: Log delivery authorisations, present in many services under the same name.
NOT_EXPOSING_NAMES = frozenset({"AllowVendedLogDeliveryForResource"})

#: Filed under "Write" by the catalog, yet they share a resource or make it public.
EXTRA_EXPOSING = (
    "ec2:ModifyImageAttribute",  # AMI launch permissions (public AMIs)
    "ec2:ModifyFpgaImageAttribute",
    "rds:ModifyDBSnapshotAttribute",  # share or publish database snapshots
    "rds:ModifyDBClusterSnapshotAttribute",
    "ram:AssociateResourceShare",  # add principals or resources to a RAM share
    "ram:UpdateResourceShare",  # allow external principals
    "sagemaker:PutModelPackageGroupPolicy",  # cross-account access to model packages
    "lambda:CreateFunctionUrlConfig",  # a function URL with AuthType NONE is public
    "lambda:UpdateFunctionUrlConfig",
    "kinesis:PutResourcePolicy",
    "bedrock:PutResourcePolicy",
    "serverlessrepo:PutApplicationPolicy",
)


def _exposing(name: str, access_level: str, scoped: bool, service: str, short: str) -> bool:
    if not scoped or service in EXCLUDED_SERVICES or access_level != "Permissions management":
        return False
    if short in NOT_EXPOSING_NAMES or name in NOT_EXPOSING:
        return False
    return not short.startswith(NARROWING_PREFIXES)


@cache
def exposing_actions() -> tuple[str, ...]:
    """Every action this rule asks about, sorted (computed once: it reads the whole catalog)."""
    catalog = get_catalog()
    found = {
        name
        for service in catalog.services()
        for name, level, scoped in catalog.action_levels(service)
        if _exposing(name, level, scoped, *name.split(":", 1))
    }
    found.update(EXTRA_EXPOSING)
    return tuple(sorted(found))


_SHOWN = 8  # services named in a message; the finding's actions list them all


def _service(action: str) -> str:
    info = get_catalog().action(action)
    return info.service if info is not None else action


RULE = Rule(
    id="POLP-EXPOSE-001",
    name="resource-policy-write",
    category="resource-exposure",
    severity=Severity.high,
    confidence=Confidence.high,
    summary="Can rewrite resource policies, ACLs or sharing settings across the account",
    explanation=(
        "Bucket policies, ACLs, KMS key policies and grants, repository policies, snapshot attributes and "
        "RAM shares decide who outside the principal can reach a resource. A principal that may rewrite "
        "them on every resource can make a bucket public, share a database snapshot with another account "
        "or let an outside role decrypt with a key, and the change outlives the compromised credentials."
    ),
    remediation=(
        "Remove policy-writing actions from build, training and deployment identities; resource policies "
        "belong in infrastructure code applied by a reviewed pipeline. If a workload must manage one, name "
        "that resource. Back it with guardrails: S3 Block Public Access at the account level, an SCP "
        "denying snapshot sharing outside the organisation, and IAM Access Analyzer."
    ),
    help_uri="https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-resources.html",
)


def _broad_grants(permissions: PolicySet) -> list[list[Grant]]:
    if is_effective_admin(permissions):
        return []
    found = [g for g in granted(permissions, exposing_actions()) if grant_scope(g) >= Scope.PATTERN]
    return by_statement(found)


_BROAD = PerPolicySet(_broad_grants)


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    for grants in _BROAD(subject.permissions):
        reach = max(grant_scope(g) for g in grants)
        services = sorted({_service(g.action) for g in grants})
        named = ", ".join(services[:_SHOWN]) + (
            f" and {len(services) - _SHOWN} more services" if len(services) > _SHOWN else ""
        )
        message = (
            f"{who(subject)} can change who may access resources of {named} "
            f"(resource policies, ACLs, grants or sharing) {scope_text(grants, reach)}"
        )
        yield finding_for_grants(
            RULE,
            subject,
            grants,
            message,
            severity=Severity.high if reach is Scope.ALL else Severity.medium,
            details={"condition_keys": list(condition_keys(grants))},
        )


CHECK = Check(rule=RULE, run=run)
