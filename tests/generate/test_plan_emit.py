"""Terraform, CloudFormation and JSON output: polp's own sources read it back, polp audit finds nothing
above low, EKS access comes with Kubernetes RBAC, and the committed example plans are up to date."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from polp.audit.config import AuditConfig
from polp.audit.run import audit_inventory
from polp.checks.interface import Severity
from polp.generate.compile import Plan, compile_manifest
from polp.generate.hcl import string
from polp.generate.write import INDEX, render, write_plan
from polp.manifest.load import load_manifest, load_manifest_text
from polp.sources import load_inventory

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: The committed plan of each example, and its format.
COMMITTED = {
    "demand-forecast": "terraform",
    "sagemaker-pipeline": "cloudformation",
    "eks-kserve": "terraform",
}
READABLE = ("terraform", "cloudformation", "json")


def example(name: str) -> Plan:
    return compile_manifest(load_manifest(str(EXAMPLES / name / "polp.yaml")))


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_committed_plan_is_up_to_date(name: str) -> None:
    files = render(example(name), COMMITTED[name])
    directory = EXAMPLES / name / "plan"
    for relative, text in files.items():
        assert (directory / relative).read_text(encoding="utf-8") == text, (
            f"run: polp plan examples/{name}/polp.yaml --format {COMMITTED[name]} -o examples/{name}/plan"
        )
    listed = json.loads((directory / INDEX).read_text())["files"]
    assert listed == sorted(files)


@pytest.mark.parametrize("name", sorted(COMMITTED))
@pytest.mark.parametrize("fmt", READABLE)
def test_polp_reads_its_output_and_audits_it_clean(name: str, fmt: str, tmp_path: Path) -> None:
    plan = example(name)
    write_plan(render(plan, fmt), str(tmp_path))
    inventory = load_inventory([str(tmp_path)])
    assert not inventory.problems
    roles = {p.name: p for p in inventory.principals if p.kind == "role"}
    for compiled in plan.identities:
        record = roles[compiled.identity.role_name]
        assert record.max_session_duration == compiled.identity.max_session_duration
        assert record.trust_policy is not None and record.trust_policy.policy is not None
        assert [r.policy is not None and not r.symbolic for r in record.policies] == [True]
    report = audit_inventory(inventory, AuditConfig())
    above_low = [f"{f.rule.id} {f.message}" for f in report.findings if f.effective_severity > Severity.low]
    assert above_low == []


def test_terraform_json_is_terraform_json(tmp_path: Path) -> None:
    files = render(example("sagemaker-pipeline"), "terraform-json")
    document = json.loads(files["pipeline-runner.tf.json"])
    role = document["resource"]["aws_iam_role"]["pipeline_runner"]
    assert json.loads(role["assume_role_policy"])["Statement"][0]["Action"] == "sts:AssumeRoleWithWebIdentity"
    policy = document["resource"]["aws_iam_role_policy"]["pipeline_runner"]
    assert policy["role"] == "${aws_iam_role.pipeline_runner.id}"
    # Roles of the plan are referenced, so that Terraform orders them; the rest is literal JSON.
    assert '"${aws_iam_role.processing_job.arn}"' in policy["policy"]
    assert json.loads(
        policy["policy"]
        .replace("${aws_iam_role.processing_job.arn}", "x")
        .replace("${aws_iam_role.training_job.arn}", "y")
    )


def test_hcl_strings_escape_templates() -> None:
    assert string("arn:aws:s3:::b/${aws:username}/*") == '"arn:aws:s3:::b/$${aws:username}/*"'
    assert string('a"b\\c%{x}') == '"a\\"b\\\\c%%{x}"'


def test_eks_access_entry_policy_association_and_rbac() -> None:
    files = render(example("eks-kserve"), "terraform")
    tf = files["ci-deployer.tf"]
    assert 'resource "aws_eks_access_entry" "ci_deployer_ml_serving_fraud_scoring"' in tf
    assert 'kubernetes_groups = ["polp:fraud-scoring:ci-deployer"]' in tf
    assert "access_scope {" in tf and 'namespaces = ["fraud-scoring"]' in tf
    assert "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" in tf
    role, binding = yaml.safe_load_all(files["kubernetes/ci-deployer-ml-serving-fraud-scoring.yaml"])
    assert role["kind"] == "Role" and role["metadata"]["namespace"] == "fraud-scoring"
    assert role["rules"] == [
        {
            "apiGroups": ["serving.kserve.io"],
            "resources": ["inferenceservices"],
            "verbs": ["get", "list", "watch", "patch", "update"],
        }
    ]
    assert binding["subjects"] == [
        {"kind": "Group", "name": "polp:fraud-scoring:ci-deployer", "apiGroup": "rbac.authorization.k8s.io"}
    ]
    template = yaml.safe_load(render(example("eks-kserve"), "cloudformation")["template.yaml"])
    entry = template["Resources"]["CiDeployerMlServingFraudScoringAccessEntry"]["Properties"]
    assert entry["AccessPolicies"][0]["AccessScope"] == {"Type": "namespace", "Namespaces": ["fraud-scoring"]}
    assert entry["PrincipalArn"] == {"Fn::GetAtt": ["CiDeployerRole", "Arn"]}


def test_default_rbac_updates_deployments_only() -> None:
    text = textwrap.dedent("""\
        version: 1
        pipeline: demo
        account: "111122223333"
        region: us-east-1
        identities:
          deployer:
            trust: {github_actions: {repository: o/r, branches: [main]}}
            capabilities: [{eks_deploy: {cluster: c1, namespace: app}}]
        """)
    files = render(compile_manifest(load_manifest_text(text, "polp.yaml")), "terraform")
    assert "aws_eks_access_policy_association" not in files["deployer.tf"]
    role, _ = yaml.safe_load_all(files["kubernetes/deployer-c1-app.yaml"])
    assert role["rules"] == [
        {
            "apiGroups": ["apps"],
            "resources": ["deployments"],
            "verbs": ["get", "list", "watch", "patch", "update"],
        }
    ]


def test_write_removes_what_an_earlier_plan_wrote(tmp_path: Path) -> None:
    write_plan({"a.tf": "a\n", "b.tf": "b\n"}, str(tmp_path))
    (tmp_path / "mine.tf").write_text("kept\n")
    removed = write_plan({"a.tf": "a2\n"}, str(tmp_path))
    assert removed == ["b.tf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX, "a.tf", "mine.tf"]


def test_service_account_trusts_come_with_their_cluster_side() -> None:
    files = render(example("eks-kserve"), "terraform")
    assert 'resource "aws_eks_pod_identity_association" "model_server"' in files["model-server.tf"]
    assert "role_arn        = aws_iam_role.model_server.arn" in files["model-server.tf"]
    assert (
        "depends_on    = [aws_eks_access_entry.ci_deployer_ml_serving_fraud_scoring]"
        in files["ci-deployer.tf"]
    )
    account = yaml.safe_load(files["kubernetes/trainer-serviceaccount.yaml"])
    assert account["metadata"] == {
        "name": "trainer",
        "namespace": "fraud-training",
        "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/fraud-scoring-trainer"},
    }
    template = yaml.safe_load(render(example("eks-kserve"), "cloudformation")["template.yaml"])
    association = template["Resources"]["ModelServerPodIdentityAssociation"]["Properties"]
    assert association["RoleArn"] == {"Fn::GetAtt": ["ModelServerRole", "Arn"]}
