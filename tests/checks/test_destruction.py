"""POLP-DESTROY-001: deleting backups, snapshots, data stores and their safeguards."""

from __future__ import annotations

from rulekit import allow, deny, findings, one_role, policy_ref, role

from polp.checks.interface import Confidence, Severity
from polp.checks.rules._scoping import Scope, pattern_scope
from polp.checks.rules.destruction import ACTIONS, CHECK
from polp.iam.catalog import get_catalog
from polp.sources.managed_snapshot import lookup_managed_policy


def test_every_action_and_resource_type_is_in_the_catalog() -> None:
    catalog = get_catalog()
    for name, target in ACTIONS.items():
        info = catalog.action(name)
        assert info is not None and info.full_name == name, name
        assert info.supports_resource_level, name
        if target.resource_type is not None:
            assert target.resource_type in [rt.name for rt in info.resource_types], name


def test_admin_deployer_can_delete_database_snapshots() -> None:
    """The seed's case: a DeploymentAccount with admin rights "so nothing fails"."""
    admin = lookup_managed_policy("arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin is not None
    (finding,) = findings(CHECK, role("DeploymentAccount", admin))
    assert finding.effective_severity is Severity.critical
    assert finding.message.startswith("role DeploymentAccount can delete backups and snapshots (RDS and "
                                      "Aurora database snapshots and automated backups")
    assert "on every resource" in finding.message
    assert {"rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot", "backup:DeleteRecoveryPoint"} \
        <= set(finding.actions)
    assert finding.policy == "arn:aws:iam::aws:policy/AdministratorAccess"


def test_scoped_deployer_is_not_reported() -> None:
    """The same account after the fix: it deploys one endpoint and deletes nothing."""
    deploy = policy_ref("deploy", allow(["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"],
                                        "arn:aws:sagemaker:eu-west-1:111122223333:endpoint/churn"))
    assert findings(CHECK, role("DeploymentAccount", deploy)) == []


def test_snapshot_wildcards() -> None:
    (every,) = one_role(CHECK, allow("rds:DeleteDBSnapshot", "arn:aws:rds:*:*:snapshot:*"))
    assert every.effective_severity is Severity.critical
    prod = "arn:aws:rds:eu-west-1:111122223333:snapshot:prod-*"
    (prefix,) = one_role(CHECK, allow("rds:DeleteDBSnapshot", prod))
    assert prefix.effective_severity is Severity.high
    assert "matching arn:aws:rds:eu-west-1:111122223333:snapshot:prod-*" in prefix.message
    assert one_role(CHECK, allow("rds:DeleteDBSnapshot",
                                 "arn:aws:rds:eu-west-1:111122223333:snapshot:nightly-2024-01-01")) == []


def test_data_stores_are_high_and_safeguards_medium() -> None:
    (stores,) = one_role(CHECK, allow(["dynamodb:DeleteTable", "s3:DeleteBucket"]))
    assert stores.effective_severity is Severity.high
    assert "delete data stores (DynamoDB tables, S3 buckets)" in stores.message
    (safeguard,) = one_role(CHECK, allow("s3:PutBucketVersioning"))
    assert safeguard.effective_severity is Severity.medium
    assert "switch off backup safeguards" in safeguard.message


def test_one_finding_per_statement() -> None:
    found = one_role(CHECK, allow(["ec2:DeleteSnapshot", "ec2:DeleteVolume"]),
                     allow("backup:DeleteRecoveryPoint", Sid="Backups"))
    by_statement = {str(f.statement): f for f in found}
    assert sorted(by_statement) == ["Backups", "Statement[0]"]
    assert by_statement["Statement[0]"].actions == ("ec2:DeleteSnapshot", "ec2:DeleteVolume")
    assert by_statement["Statement[0]"].effective_severity is Severity.critical


def test_deny_and_boundary_block() -> None:
    assert one_role(CHECK, allow("rds:*"), deny("rds:Delete*")) == []
    assert one_role(CHECK, allow("*"), boundary=allow(["sagemaker:*", "s3:GetObject"])) == []
    bounded = one_role(CHECK, allow("s3:*"), boundary=allow("s3:*", "arn:aws:s3:::scratch-bucket"))
    assert bounded == []


def test_cluster_deletion_judged_on_clusters_only() -> None:
    # rds:DeleteDBCluster also lists the final snapshot; a grant on snapshots alone deletes no cluster.
    assert one_role(CHECK, allow("rds:DeleteDBCluster", "arn:aws:rds:*:*:cluster-snapshot:*")) == []
    (finding,) = one_role(CHECK, allow("rds:DeleteDBCluster", "arn:aws:rds:*:*:cluster:*"))
    assert finding.actions == ("rds:DeleteDBCluster",)


def test_conditional_grant_lowers_confidence() -> None:
    condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    (finding,) = one_role(CHECK, allow("rds:DeleteDBSnapshot", Condition=condition))
    assert finding.effective_confidence is Confidence.medium
    assert finding.message.endswith("(only under conditions)")


def test_how_far_a_pattern_reaches() -> None:
    assert pattern_scope("s3:DeleteObject", "arn:aws:s3:::*") is Scope.ALL
    assert pattern_scope("s3:DeleteObject", "arn:aws:s3:::*/*") is Scope.ALL
    assert pattern_scope("s3:DeleteObject", "arn:aws:s3:::backups/*") is Scope.NAMED
    assert pattern_scope("s3:DeleteObject", "arn:aws:s3:::backup-*/*") is Scope.PATTERN
    assert pattern_scope("s3:DeleteObject", "arn:aws:s3:::home-${aws:username}/*") is Scope.NAMED
    assert pattern_scope("s3:DeleteBucket", "arn:aws:s3:::backups/*") is Scope.NONE  # objects, not buckets
    assert pattern_scope("dynamodb:DeleteTable", "arn:aws:dynamodb:*:*:table/*") is Scope.ALL
    assert pattern_scope("dynamodb:DeleteTable", "arn:aws:dynamodb:eu-west-1:111122223333:table/orders") \
        is Scope.NAMED
    assert pattern_scope("rds:DeleteDBSnapshot", "arn:aws:rds:*:*:snapshot:rds:*") is Scope.PATTERN
    assert pattern_scope("rds:DeleteDBSnapshot", "arn:aws:rds:*:*:*") is Scope.ALL
    assert pattern_scope("rds:DeleteDBSnapshot", "arn:aws:*") is Scope.ALL
    # Recovery points are arn:${Partition}:${Vendor}:...: an S3 object pattern does not reach them.
    assert pattern_scope("backup:DeleteRecoveryPoint", "arn:aws:s3:::ml-data/*") is Scope.NONE
    assert pattern_scope("backup:DeleteRecoveryPoint", "arn:aws:backup:*:*:recovery-point:*") is Scope.ALL
