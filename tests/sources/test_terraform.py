"""Terraform configurations: every IAM resource kind, references across files and a local module,
symbolic values, broken files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from polp.errors import InputError
from polp.inventory import Inventory, PolicyRef, PrincipalRecord
from polp.sources import load_inventory
from polp.sources.symbols import UNKNOWN_ACCOUNT
from polp.sources.terraform import TerraformSource, read_terraform_dirs, read_terraform_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"
PLATFORM = FIXTURES / "ml-platform"


@pytest.fixture(scope="module")
def platform() -> Inventory:
    return read_terraform_dirs([str(PLATFORM)])


def _principal(inventory: Inventory, kind: str, name: str) -> PrincipalRecord:
    found = [p for p in inventory.principals if p.kind == kind and p.name == name]
    assert len(found) == 1, [(p.kind, p.name) for p in inventory.principals]
    return found[0]


def _policy(refs: tuple[PolicyRef, ...], name: str) -> PolicyRef:
    return next(ref for ref in refs if ref.name == name)


def test_principals_of_the_configuration(platform: Inventory) -> None:
    names = sorted((p.kind, p.name) for p in platform.principals)
    assert names == [
        ("group", "data-scientists"),
        ("role", "${var.legacy_role_name}"),
        ("role", "acme-ml-github-deployer"),
        ("role", "acme-ml-sagemaker-trainer"),
        ("user", "alice"),
        ("user", "ml-ci-bot"),
    ]  # break-glass has count = 0 by default: not created


def test_oidc_trust_from_policy_document(platform: Inventory) -> None:
    role = _principal(platform, "role", "acme-ml-github-deployer")
    assert role.arn == f"arn:aws:iam::{UNKNOWN_ACCOUNT}:role/ci/acme-ml-github-deployer"
    assert role.max_session_duration == 3600
    assert role.trust_policy is not None and role.trust_policy.policy is not None
    assert not role.trust_policy.symbolic
    (statement,) = role.trust_policy.policy.statements
    assert statement.sid == "GitHubActions"
    assert statement.action == ("sts:AssumeRoleWithWebIdentity",)
    assert statement.principal is not None
    assert statement.principal.federated == (
        f"arn:aws:iam::{UNKNOWN_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
    )
    conditions = {(c.operator, c.key): c.values for c in statement.condition}
    assert conditions == {
        ("StringEquals", "token.actions.githubusercontent.com:aud"): ("sts.amazonaws.com",),
        ("StringLike", "token.actions.githubusercontent.com:sub"): (
            "repo:acme/fraud-model:ref:refs/heads/main",
        ),
    }


def test_jsonencode_policy_with_references_across_files_and_module(platform: Inventory) -> None:
    role = _principal(platform, "role", "acme-ml-github-deployer")
    deploy = _policy(role.managed_policies, "acme-ml-deploy")
    assert deploy.kind == "managed" and deploy.arn == f"arn:aws:iam::{UNKNOWN_ACCOUNT}:policy/acme-ml-deploy"
    assert deploy.policy is not None and not deploy.symbolic
    by_sid = {s.sid: s for s in deploy.policy.statements}
    assert by_sid["PushImages"].resource == (f"arn:aws:ecr:eu-west-1:{UNKNOWN_ACCOUNT}:repository/acme-ml/*",)
    # module.training.role_arn: an output of the local module, built from the caller's arguments
    assert by_sid["PassTrainingRole"].resource == (
        f"arn:aws:iam::{UNKNOWN_ACCOUNT}:role/acme-ml-sagemaker-trainer",
    )
    assert by_sid["PassTrainingRole"].condition[0].values == ("sagemaker.amazonaws.com",)
    assert deploy.location is not None and deploy.location.file is not None
    assert deploy.location.file.endswith("ci.tf") and deploy.location.line == 33


def test_heredoc_inline_role_policy(platform: Inventory) -> None:
    role = _principal(platform, "role", "acme-ml-github-deployer")
    state = _policy(role.inline_policies, "terraform-state")
    assert state.policy is not None
    assert state.policy.statements[1].resource == (
        f"arn:aws:dynamodb:eu-west-1:{UNKNOWN_ACCOUNT}:table/terraform-locks",
    )
    assert state.location is not None and state.location.path == "aws_iam_role_policy.deployer_state"


def test_module_role(platform: Inventory) -> None:
    role = _principal(platform, "role", "acme-ml-sagemaker-trainer")
    assert role.location is not None and role.location.file is not None
    assert role.location.file.endswith("modules/training-role/main.tf")
    assert role.max_session_duration == 4 * 3600  # var default times 3600
    assert role.tags == (("Team", "ml-platform"), ("cost-center", "4711"))
    assert role.trust_policy is not None and role.trust_policy.policy is not None
    assert role.trust_policy.policy.statements[0].principal.service == ("sagemaker.amazonaws.com",)  # type: ignore[union-attr]
    data = _policy(role.inline_policies, "data-access")
    assert data.policy is not None
    read, write = data.policy.statements
    assert read.resource == ("arn:aws:s3:::acme-ml-training-data", "arn:aws:s3:::acme-ml-training-data/*")
    assert write.resource == ("arn:aws:s3:::acme-ml-model-artifacts/*",)  # aws_s3_bucket.artifacts.arn
    logs = _policy(role.inline_policies, "cloudwatch-logs")  # <<-EOT heredoc
    assert logs.policy is not None and logs.policy.statements[0].action == (
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    )
    labels = [ref.label for ref in role.managed_policies]
    assert labels == [
        "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    ]  # attached via module.training.role_name
    assert all(ref.policy is not None for ref in role.managed_policies)


def test_variable_without_default_stays_symbolic(platform: Inventory) -> None:
    trainer = _principal(platform, "role", "acme-ml-sagemaker-trainer")
    boundary = trainer.permissions_boundary
    assert boundary is not None and boundary.symbolic and boundary.policy is None
    assert boundary.arn == "${var.permissions_boundary_arn}"
    assert trainer.unresolved == ("var.permissions_boundary_arn",)
    legacy = _principal(platform, "role", "${var.legacy_role_name}")
    assert "var.legacy_role_name" in legacy.unresolved
    assert any("outside" in u for u in legacy.unresolved)
    assert [r.name for r in legacy.managed_policies] == ["acme-ml-deploy"]


def test_users_groups_keys_and_memberships(platform: Inventory) -> None:
    bot = _principal(platform, "user", "ml-ci-bot")
    assert bot.arn == f"arn:aws:iam::{UNKNOWN_ACCOUNT}:user/service/ml-ci-bot"
    assert [(k.key_id, k.active) for k in bot.access_keys] == [("aws_iam_access_key.ci_bot", True)]
    assert bot.groups == ("data-scientists",)
    assert bot.tags == (("Owner", "ml-platform"),)
    ecr_login = _policy(bot.inline_policies, "ci-bot-ecr-login")  # file("${path.module}/...")
    assert ecr_login.policy is not None and ecr_login.policy.statements[0].sid == "EcrLogin"
    assert [r.label for r in bot.managed_policies] == [
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"
    ]
    alice = _principal(platform, "user", "alice")
    assert alice.password_enabled is True
    assert alice.groups == ("data-scientists",)
    assert alice.permissions_boundary is not None and alice.permissions_boundary.label.endswith(
        "PowerUserAccess"
    )
    assert [r.name for r in alice.managed_policies] == ["ml-audit-readonly"]  # aws_iam_policy_attachment
    group = _principal(platform, "group", "data-scientists")
    assert group.arn.endswith(":group/ml/data-scientists")
    assert [r.name for r in group.inline_policies] == ["notebooks"]
    assert sorted(r.name for r in group.managed_policies) == ["AmazonSageMakerReadOnly", "ml-audit-readonly"]
    audit = _policy(group.managed_policies, "ml-audit-readonly")
    assert audit.policy is not None and audit.policy.statements[0].action == ("cloudtrail:LookupEvents",)
    assert [g.name for g in platform.groups_of(alice)] == ["data-scientists"]


def test_unattached_policy_is_standalone(platform: Inventory) -> None:
    assert [p.name for p in platform.policies] == ["ml-unused"]


def test_load_inventory_walks_the_directory() -> None:
    inventory = load_inventory([str(PLATFORM)])
    assert len(inventory.principals) == 6
    # the JSON policy used by file() is also a policy document of its own
    assert sorted(p.name for p in inventory.policies) == ["ecr-login.json", "ml-unused"]
    assert not inventory.problems


def test_module_directory_is_not_read_twice(tmp_path: Path) -> None:
    inventory = load_inventory([str(PLATFORM), str(PLATFORM / "modules" / "training-role")])
    trainers = [p for p in inventory.principals if p.name == "acme-ml-sagemaker-trainer"]
    assert len(trainers) == 1


def test_module_alone_has_symbolic_variables() -> None:
    inventory = read_terraform_dirs([str(PLATFORM / "modules" / "training-role")])
    (role,) = inventory.principals
    assert role.name == "${var.name}"
    assert "var.name" in role.unresolved
    data = _policy(role.inline_policies, "data-access")
    assert data.symbolic and data.policy is not None
    assert data.policy.statements[0].resource == (
        "arn:aws:s3:::${var.data_bucket}",
        "arn:aws:s3:::${var.data_bucket}/*",
    )


def test_single_file_is_read_strictly() -> None:
    inventory = read_terraform_file(str(PLATFORM / "users.tf"))
    assert {p.name for p in inventory.principals} == {"alice", "ml-ci-bot", "data-scientists"}
    group = _principal(inventory, "group", "data-scientists")
    notebooks = group.inline_policies[0]
    assert notebooks.symbolic  # var.region and local.account_id live in other files
    assert TerraformSource().detect(str(PLATFORM / "users.tf"), (PLATFORM / "users.tf").read_bytes())


def test_syntax_error_in_a_directory_is_a_problem(tmp_path: Path) -> None:
    shutil.copy(PLATFORM / "users.tf", tmp_path / "users.tf")
    (tmp_path / "broken.tf").write_text(
        'resource "aws_iam_role" "x" {\n  name = "a"\n  assume_role_policy = \n'
    )
    inventory = load_inventory([str(tmp_path)])
    assert {p.name for p in inventory.principals} >= {"alice", "ml-ci-bot"}
    (problem,) = [p for p in inventory.problems if "HCL" in p.message]
    assert problem.location.file == str(tmp_path / "broken.tf") and problem.location.line == 3
    with pytest.raises(InputError, match="not valid HCL") as raised:
        load_inventory([str(tmp_path / "broken.tf")])
    assert raised.value.location is not None and raised.value.location.file == str(tmp_path / "broken.tf")


def test_unresolvable_expressions_never_crash(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
locals {
  a = local.b
  b = local.a
  names = [for n in var.names : upper(n)]
}
resource "aws_iam_role" "r" {
  name               = local.a
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = var.effect
      Action    = local.names
      Principal = { AWS = [for a in var.accounts : "arn:aws:iam::${a}:root"] }
      Resource  = aws_s3_bucket.unknown.*.arn
      Condition = var.enabled ? { Bool = { "aws:SecureTransport" = "true" } } : {}
    }]
  })
  managed_policy_arns = var.arns
  inline_policy {
    name   = "tpl"
    policy = templatefile("${path.module}/p.json.tpl", { bucket = var.bucket })
  }
  inline_policy {
    name   = "directive"
    policy = "%{ if var.x }{}%{ endif }"
  }
}
resource "aws_iam_role_policy" "p" {
  for_each = toset(var.roles)
  role     = each.key
  policy   = data.aws_iam_policy_document.missing.json
}
resource "aws_iam_user_policy_attachment" "a" {
  user       = module.remote.user_name
  policy_arn = provider::aws::arn_build("aws", "iam", "", "aws", "policy/ReadOnlyAccess")
}
module "remote" {
  source = "terraform-aws-modules/iam/aws//modules/iam-user"
}
""")
    inventory = load_inventory([str(tmp_path)])
    role = next(p for p in inventory.principals if p.kind == "role")
    assert role.name == "${local.a}"  # a cycle is unknown, not a crash
    assert role.trust_policy is not None and role.trust_policy.symbolic
    assert all(ref.symbolic for ref in role.inline_policies)
    assert role.managed_policies[0].symbolic
    assert any("not a local path" in p.message for p in inventory.problems)
    assert "${each.key}" in {p.name for p in inventory.principals}


def test_dynamic_statement_and_source_documents(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Base"
    actions   = ["s3:ListBucket"]
    resources = ["*"]
  }
  statement {
    sid       = "Replace"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}
data "aws_iam_policy_document" "combined" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    sid       = "Replace"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::b/*"]
  }
  dynamic "statement" {
    for_each = var.extra
    content {
      actions   = statement.value.actions
      resources = ["*"]
    }
  }
  statement {
    effect        = "Deny"
    not_actions   = ["iam:*"]
    not_resources = ["arn:aws:iam::*:role/admin"]
    not_principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
resource "aws_iam_policy" "p" {
  name   = "combined"
  policy = data.aws_iam_policy_document.combined.json
}
""")
    inventory = load_inventory([str(tmp_path)])
    (policy_ref,) = inventory.policies
    assert policy_ref.symbolic  # the dynamic block's content depends on its iterator
    assert policy_ref.policy is not None
    statements = policy_ref.policy.statements
    assert [s.sid for s in statements] == ["Base", "Replace", None, None]
    assert statements[1].action == ("s3:GetObject",)
    # python-hcl2 keeps dynamic blocks apart: their statements come after the static ones
    assert statements[3].action == ("${statement.value.actions}",)
    deny = statements[2]
    assert deny.effect == "Deny" and deny.not_action == ("iam:*",)
    assert deny.not_principal is not None and deny.not_principal.wildcard


def test_tfvars_and_provider_account(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
}
variable "role_name" {}
data "aws_caller_identity" "me" {}
resource "aws_iam_role" "r" {
  name = var.role_name
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" } }]
  })
}
""")
    (tmp_path / "terraform.tfvars").write_text('role_name = "from-tfvars"\n')
    inventory = load_inventory([str(tmp_path)])
    (role,) = inventory.principals
    assert role.arn == "arn:aws:iam::123456789012:role/from-tfvars"
    assert role.trust_policy is not None and role.trust_policy.policy is not None
    assert role.trust_policy.policy.statements[0].principal.aws == ("arn:aws:iam::123456789012:root",)  # type: ignore[union-attr]
    assert not role.unresolved


def test_exclusive_attachments_and_data_policy(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
data "aws_iam_policy" "s3ro" {
  name = "AmazonS3ReadOnlyAccess"
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[]}"
}
resource "aws_iam_role_policy_attachments_exclusive" "r" {
  role_name   = aws_iam_role.r.name
  policy_arns = [data.aws_iam_policy.s3ro.arn, "arn:aws:iam::aws:policy/ReadOnlyAccess"]
}
resource "aws_iam_role_policies_exclusive" "r" {
  role_name    = aws_iam_role.r.name
  policy_names = []
}
""")
    inventory = load_inventory([str(tmp_path)])
    (role,) = inventory.principals
    assert [r.label for r in role.managed_policies] == [
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ]
    # an empty Statement list breaks the grammar: recorded, not raised
    assert role.trust_policy is not None and role.trust_policy.policy is None
    assert any("empty" in p.message for p in inventory.problems)
