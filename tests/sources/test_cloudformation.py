"""CloudFormation templates, YAML with short-form tags and JSON: every IAM resource kind, intrinsic
functions, locations, and hostile YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from polp.errors import InputError
from polp.inventory import Inventory, PolicyRef, PrincipalRecord
from polp.sources import load_inventory
from polp.sources.cfn_yaml import load_cfn_yaml
from polp.sources.cloudformation import CloudFormationSource
from polp.sources.symbols import UNKNOWN_ACCOUNT

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloudformation"
PIPELINE = FIXTURES / "ml-pipeline.yaml"
BATCH = FIXTURES / "batch-inference.json"


@pytest.fixture(scope="module")
def pipeline() -> Inventory:
    return CloudFormationSource().read(str(PIPELINE))


def _principal(inventory: Inventory, kind: str, name: str) -> PrincipalRecord:
    found = [p for p in inventory.principals if p.kind == kind and p.name == name]
    assert len(found) == 1, [(p.kind, p.name) for p in inventory.principals]
    return found[0]


def _policy(refs: tuple[PolicyRef, ...], name: str) -> PolicyRef:
    return next(ref for ref in refs if ref.name == name)


def test_detection() -> None:
    source = CloudFormationSource()
    assert source.detect(str(PIPELINE), PIPELINE.read_bytes())
    assert source.detect(str(BATCH), BATCH.read_bytes())
    assert source.detect("t.yml", b"Resources:\n  R:\n    Type: 'AWS::IAM::Role'\n")
    assert not source.detect("p.json", b'{"Version": "2012-10-17", "Statement": []}')
    assert not source.detect("x.yaml", b"Resources:\n  - a\n")


def test_role_with_intrinsics(pipeline: Inventory) -> None:
    role = _principal(pipeline, "role", "dev-sagemaker-training")  # !Sub with a parameter default
    assert role.arn == f"arn:aws:iam::{UNKNOWN_ACCOUNT}:role/ml/dev-sagemaker-training"
    assert role.max_session_duration == 3600  # !FindInMap [SessionLength, !Ref Environment, Seconds]
    assert role.tags == (("team", "ml-platform"),)
    trust = role.trust_policy
    assert trust is not None and trust.policy is not None and not trust.symbolic
    assert trust.policy.version == "2012-10-17"  # an unquoted YAML date stays text
    assert trust.policy.statements[0].condition[0].values == (UNKNOWN_ACCOUNT,)
    read = _policy(role.inline_policies, "read-training-data")
    assert read.policy is not None
    statements = read.policy.statements
    assert statements[0].resource == (
        "arn:aws:s3:::acme-ml-training-data",  # !Sub
        "arn:aws:s3:::acme-ml-training-data/*",  # !Join
        "arn:aws:s3:::acme-feature-store/*",  # !Sub list form, !Select over a CommaDelimitedList
    )
    # !If IsProd is false with the default Environment: the statement is AWS::NoValue
    assert [s.sid for s in statements] == ["ReadData", "DecryptArtifacts"]
    assert statements[1].resource == ("${KmsKeyArn}",)  # a parameter without default
    assert read.symbolic and "KmsKeyArn" in role.unresolved


def test_managed_policies_boundary_and_role_policy(pipeline: Inventory) -> None:
    role = _principal(pipeline, "role", "dev-sagemaker-training")
    labels = [r.label for r in role.managed_policies]
    assert labels == [
        "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
        f"arn:aws:iam::{UNKNOWN_ACCOUNT}:policy/dev-artifact-write",
    ]
    artifact = role.managed_policies[1]
    assert artifact.kind == "managed" and artifact.policy is not None
    assert artifact.policy.statements[0].resource == ("arn:aws:s3:::acme-dev-model-artifacts/models/*",)
    boundary = role.permissions_boundary
    assert boundary is not None and boundary.kind == "boundary" and boundary.symbolic
    invoke = _policy(role.inline_policies, "invoke-endpoints")  # AWS::IAM::RolePolicy
    assert invoke.symbolic and invoke.policy is not None
    assert invoke.policy.statements[0].resource == ("${Fn::ImportValue:shared-endpoint-arn}",)


def test_user_group_key_and_policies(pipeline: Inventory) -> None:
    user = _principal(pipeline, "user", "ml-pipeline-ci")
    assert user.password_enabled is True
    assert user.groups == ("data-scientists",)
    assert [(k.key_id, k.active) for k in user.access_keys] == [("PipelineUserKey", True)]
    passrole = _policy(user.inline_policies, "pass-training-role")
    assert passrole.policy is not None
    assert passrole.policy.statements[0].resource == (
        f"arn:aws:iam::{UNKNOWN_ACCOUNT}:role/ml/dev-sagemaker-training",
    )  # !GetAtt TrainingRole.Arn
    assert "notebook-access" in [r.name for r in user.inline_policies]  # AWS::IAM::Policy Users
    group = _principal(pipeline, "group", "data-scientists")
    assert [r.name for r in group.inline_policies] == ["notebook-access"]
    assert [r.label for r in group.managed_policies] == ["arn:aws:iam::aws:policy/AmazonSageMakerReadOnly"]
    assert [g.name for g in pipeline.groups_of(user)] == ["data-scientists"]


def test_generated_names_and_outside_principals(pipeline: Inventory) -> None:
    inference = _principal(pipeline, "role", "InferenceRole")
    assert any("generated by CloudFormation" in u for u in inference.unresolved)
    assert inference.trust_policy is not None and inference.trust_policy.policy is not None
    assert inference.trust_policy.policy.statements[0].principal.aws == (  # type: ignore[union-attr]
        f"arn:aws:iam::{UNKNOWN_ACCOUNT}:root",
    )
    etl = _principal(pipeline, "role", "existing-etl-role")
    assert any("outside" in u for u in etl.unresolved)
    analyst = _principal(pipeline, "user", "existing-analyst")  # UserToGroupAddition
    assert analyst.groups == ("data-scientists",)


def test_yaml_locations(pipeline: Inventory) -> None:
    lines = PIPELINE.read_text().splitlines()
    role = _principal(pipeline, "role", "dev-sagemaker-training")
    assert role.location is not None and role.location.line is not None
    assert lines[role.location.line - 1].strip() == "TrainingRole:"
    read = _policy(role.inline_policies, "read-training-data")
    assert read.policy is not None
    where = read.policy.locate(read.policy.statements[0].path)
    assert where.file == str(PIPELINE) and where.line is not None
    assert lines[where.line - 1].strip() == "- Sid: ReadData"
    assert where.path == "Resources.TrainingRole.Properties.Policies[0].PolicyDocument.Statement[0]"


def test_json_template_and_locations() -> None:
    inventory = load_inventory([str(BATCH)])
    role = _principal(inventory, "role", "batch-inference")
    read = _policy(role.inline_policies, "read-models")
    assert read.policy is not None
    assert read.policy.statements[0].resource == ("arn:aws:s3:::acme-models/*",)
    everything = read.policy.statements[1]
    where = read.policy.locate(everything.path)
    lines = BATCH.read_text().splitlines()
    assert where.line is not None and '"Sid": "Everything"' in lines[where.line]
    assert [r.name for r in _principal(inventory, "group", "ml-readers").inline_policies] == ["describe-jobs"]
    assert [r.name for r in _principal(inventory, "user", "auditor").inline_policies] == ["list-roles"]
    assert [p.name for p in inventory.policies] == ["UnattachedPolicy"]


def test_bad_tag_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  R:\n    Type: AWS::IAM::Role\n"
        "    Properties:\n      RoleName: !NotATag x\n"
    )
    with pytest.raises(InputError, match="NotATag") as raised:
        load_inventory([str(path)])
    assert raised.value.location is not None
    assert raised.value.location.file == str(path) and raised.value.location.line == 6


def test_python_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: !!python/object/apply:os.system ['true']\n"
    )
    with pytest.raises(InputError, match="YAML"):
        load_inventory([str(path)])


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = [
        "AWSTemplateFormatVersion: '2010-09-09'",
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    lines.append("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Tags: *i")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="refused") as raised:
        load_inventory([str(path)])
    assert raised.value.location is not None and raised.value.location.file == str(path)


def test_recursive_alias_and_deep_nesting(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="recursive"):
        load_cfn_yaml("a: &a [*a]\n", "r.yaml")
    with pytest.raises(InputError):
        load_cfn_yaml("a: " + "[" * 3000 + "]" * 3000 + "\n", "deep.yaml")


def test_huge_template_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("w") as handle:
        handle.write("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
        handle.write("# padding\n" * 900_000)
    with pytest.raises(InputError, match="too large"):
        load_inventory([str(path)])


def test_odd_templates_give_problems_not_crashes(tmp_path: Path) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text("""AWSTemplateFormatVersion: '2010-09-09'
Conditions:
  Loop: !Condition Loop
Resources:
  NotAnObject: 5
  A:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Ref B
      AssumeRolePolicyDocument: "not json"
      Policies:
        - PolicyName: p
        - !If
          - Loop
          - {PolicyName: q, PolicyDocument: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}}
          - !Ref AWS::NoValue
      ManagedPolicyArns: [5, !GetAZs "", !Split [",", "arn:aws:iam::aws:policy/ReadOnlyAccess,x"]]
      MaxSessionDuration: lots
  B:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Ref A
  K:
    Type: AWS::IAM::AccessKey
    Properties: {}
  1: {Type: AWS::IAM::Group}
""")
    inventory = load_inventory([str(path)])
    messages = " | ".join(p.message for p in inventory.problems)
    assert "not an object" in messages and "without a PolicyDocument" in messages
    assert "without a UserName" in messages
    role_a = next(p for p in inventory.principals if p.location and p.location.path == "Resources.A")
    assert role_a.trust_policy is not None and role_a.trust_policy.policy is None
    assert [r.name for r in role_a.inline_policies] == ["q"]  # the undecidable condition is taken as true
    assert any("Condition Loop" in u for u in role_a.unresolved)
