"""The publicly documented AWS privilege-escalation methods, as data.

Sources: Rhino Security Labs' original 21 methods, the pathfinding.cloud catalog (ids such as
``iam-001`` or ``sagemaker-002`` are pathfinding.cloud's), and HackTricks for a few SageMaker and
Auto Scaling variants (ids starting with ``x-``). Every action named here exists in polp's catalog
(a test checks it).

Kinds, and when a method fires (:mod:`polp.checks.rules._escalation` implements it):

* ``iam``: every action allowed on *every* resource of ``target`` (a user, group, role or
  customer-managed policy); bounded grants on the principal itself are POLP-ADMIN-002's business.
  With ``needs_target`` a privileged target must also exist (a group to join, a role to re-trust).
* ``passrole``: ``iam:PassRole`` on at least one role that trusts one of ``services`` (and is not
  restricted by ``iam:PassedToService`` to another service), plus the other actions.
* ``existing``: the actions on *every* existing resource (``scope`` narrows the resource types): the
  code runs as whatever role those resources already have, that is, as a role trusting ``services``.

Methods whose single action mints credentials (``iam:CreateAccessKey``, ``ssm:StartSession``, presigned
SageMaker URLs...) are reported by POLP-CRED-001 instead (``covered_by``), so one grant gives one finding.
Supersets of a listed method (``ecs-001`` = ``ecs-003`` + ``ecs:CreateCluster``) are left out: they
never fire alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["iam", "passrole", "existing"]
Target = Literal["", "user", "group", "role", "policy"]

PATHFINDING = "https://pathfinding.cloud/paths/"
HACKTRICKS_SAGEMAKER = (
    "https://cloud.hacktricks.wiki/en/pentesting-cloud/aws-security/"
    "aws-privilege-escalation/aws-sagemaker-privesc/index.html"
)
HACKTRICKS_EC2 = (
    "https://cloud.hacktricks.wiki/en/pentesting-cloud/aws-security/"
    "aws-privilege-escalation/aws-ec2-privesc/index.html"
)

EC2 = ("ec2.amazonaws.com",)
LAMBDA = ("lambda.amazonaws.com",)
SAGEMAKER = ("sagemaker.amazonaws.com",)
AGENTCORE = ("bedrock-agentcore.amazonaws.com",)
CLOUDFORMATION = ("cloudformation.amazonaws.com",)
CODEBUILD = ("codebuild.amazonaws.com",)
ECS_TASKS = ("ecs-tasks.amazonaws.com",)
GLUE = ("glue.amazonaws.com",)
APPRUNNER = ("tasks.apprunner.amazonaws.com", "build.apprunner.amazonaws.com")


@dataclass(frozen=True, slots=True)
class EscalationMethod:
    id: str
    title: str
    kind: Kind
    actions: tuple[str, ...]
    source: str
    #: iam methods: the kind of resource every action must cover in full.
    target: Target = ""
    #: passrole and existing methods: service principals the role must trust.
    services: tuple[str, ...] = ()
    critical: bool = False
    #: iam methods that only pay off when a privileged target exists (a group, a role).
    needs_target: bool = False
    #: Subject kinds the method escalates (a role gains nothing from attaching a policy to a user).
    applies_to: tuple[str, ...] = ("user", "role", "group", "policy")
    #: Resource types an ``existing`` action must cover in full: ``(action, (type, ...))`` pairs.
    scope: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: The rule that reports this method instead (its single action mints credentials).
    covered_by: str = ""

    def url(self) -> str:
        return self.source if self.source != PATHFINDING else PATHFINDING + self.id


_USERS_GROUPS = ("user", "group", "policy")
_CRED = "POLP-CRED-001"


_ALL = ("user", "role", "group", "policy")


def _iam(
    id_: str,
    title: str,
    actions: tuple[str, ...],
    target: Target,
    *,
    critical: bool = True,
    needs_target: bool = False,
    applies_to: tuple[str, ...] = _ALL,
    covered_by: str = "",
) -> EscalationMethod:
    return EscalationMethod(
        id_,
        title,
        "iam",
        actions,
        PATHFINDING,
        target=target,
        critical=critical,
        needs_target=needs_target,
        applies_to=applies_to,
        covered_by=covered_by,
    )


def _pass(
    id_: str, title: str, actions: tuple[str, ...], services: tuple[str, ...], source: str = PATHFINDING
) -> EscalationMethod:
    return EscalationMethod(id_, title, "passrole", ("iam:PassRole", *actions), source, services=services)


def _existing(
    id_: str,
    title: str,
    actions: tuple[str, ...],
    services: tuple[str, ...],
    source: str = PATHFINDING,
    *,
    scope: tuple[tuple[str, tuple[str, ...]], ...] = (),
    covered_by: str = "",
) -> EscalationMethod:
    return EscalationMethod(
        id_, title, "existing", actions, source, services=services, scope=scope, covered_by=covered_by
    )


_HT_SM = HACKTRICKS_SAGEMAKER
_AC = "bedrock-agentcore:"
_SM = "sagemaker:"

METHODS: tuple[EscalationMethod, ...] = (
    # --- IAM: change what an identity may do ------------------------------------------------------
    _iam(
        "iam-001",
        "rewrite any customer-managed policy (new default version)",
        ("iam:CreatePolicyVersion",),
        "policy",
    ),
    _iam(
        "iam-002",
        "roll any customer-managed policy back to an older, broader version",
        ("iam:SetDefaultPolicyVersion",),
        "policy",
        critical=False,
    ),
    _iam(
        "iam-004",
        "create access keys for a privileged user",
        ("iam:CreateAccessKey",),
        "user",
        needs_target=True,
        covered_by=_CRED,
    ),
    _iam(
        "iam-005",
        "create a console password for a privileged user",
        ("iam:CreateLoginProfile",),
        "user",
        needs_target=True,
        covered_by=_CRED,
    ),
    _iam(
        "iam-006",
        "change a privileged user's console password",
        ("iam:UpdateLoginProfile",),
        "user",
        needs_target=True,
        covered_by=_CRED,
    ),
    _iam(
        "iam-007",
        "attach any managed policy to any user",
        ("iam:AttachUserPolicy",),
        "user",
        applies_to=_USERS_GROUPS,
    ),
    _iam(
        "iam-008",
        "attach any managed policy to any group",
        ("iam:AttachGroupPolicy",),
        "group",
        applies_to=_USERS_GROUPS,
    ),
    _iam("iam-009", "attach any managed policy to any role", ("iam:AttachRolePolicy",), "role"),
    _iam(
        "iam-010",
        "write an inline policy on any user",
        ("iam:PutUserPolicy",),
        "user",
        applies_to=_USERS_GROUPS,
    ),
    _iam(
        "iam-011",
        "write an inline policy on any group",
        ("iam:PutGroupPolicy",),
        "group",
        applies_to=_USERS_GROUPS,
    ),
    _iam("iam-012", "write an inline policy on any role", ("iam:PutRolePolicy",), "role"),
    _iam(
        "iam-013",
        "add a user to a privileged group",
        ("iam:AddUserToGroup",),
        "group",
        needs_target=True,
        applies_to=_USERS_GROUPS,
    ),
    # Rhino's method 14 pairs it with sts:AssumeRole; a trust policy that names the principal's own ARN
    # needs no identity permission in the same account, so pathfinding.cloud lists it alone.
    _iam(
        "iam-014",
        "rewrite the trust policy of a privileged role, then assume it",
        ("iam:UpdateAssumeRolePolicy",),
        "role",
        needs_target=True,
    ),
    _iam(
        "iam-019",
        "make any role an administrator and trust itself in it",
        ("iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"),
        "role",
    ),
    _iam(
        "iam-021",
        "write an administrator inline policy on any role and trust itself in it",
        ("iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"),
        "role",
    ),
    # --- pass a role to a service that runs attacker-chosen code ----------------------------------
    _pass("ec2-001", "launch an EC2 instance with a privileged instance profile", ("ec2:RunInstances",), EC2),
    _pass(
        "ec2-003",
        "request a spot instance with a privileged instance profile",
        ("ec2:RequestSpotInstances",),
        EC2,
    ),
    _pass(
        "x-autoscaling-001",
        "launch instances with a privileged role through a launch configuration",
        ("autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup"),
        EC2,
        HACKTRICKS_EC2,
    ),
    _pass(
        "x-autoscaling-002",
        "launch instances with a privileged role through a launch template",
        ("ec2:CreateLaunchTemplate", "autoscaling:CreateAutoScalingGroup"),
        EC2,
        HACKTRICKS_EC2,
    ),
    _pass(
        "lambda-001",
        "create a Lambda function with a privileged role and invoke it",
        ("lambda:CreateFunction", "lambda:InvokeFunction"),
        LAMBDA,
    ),
    _pass(
        "lambda-002",
        "create a Lambda function with a privileged role and trigger it from an event source",
        ("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        LAMBDA,
    ),
    _pass(
        "lambda-006",
        "create a Lambda function with a privileged role and let anyone invoke it",
        ("lambda:CreateFunction", "lambda:AddPermission"),
        LAMBDA,
    ),
    _pass(
        "glue-001",
        "create a Glue development endpoint with a privileged role",
        ("glue:CreateDevEndpoint",),
        GLUE,
    ),
    _pass(
        "cloudformation-001",
        "create a CloudFormation stack that runs as a privileged role",
        ("cloudformation:CreateStack",),
        CLOUDFORMATION,
    ),
    _pass(
        "cloudformation-003",
        "create a StackSet that runs as a privileged role",
        ("cloudformation:CreateStackSet", "cloudformation:CreateStackInstances"),
        CLOUDFORMATION,
    ),
    _pass(
        "cloudformation-004",
        "point an existing StackSet at a privileged role",
        ("cloudformation:UpdateStackSet",),
        CLOUDFORMATION,
    ),
    _pass(
        "datapipeline-001",
        "create a Data Pipeline that runs commands as a privileged role",
        (
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline",
        ),
        ("datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com", "ec2.amazonaws.com"),
    ),
    _pass(
        "codebuild-001",
        "create a CodeBuild project with a privileged role and start a build",
        ("codebuild:CreateProject", "codebuild:StartBuild"),
        CODEBUILD,
    ),
    _pass(
        "codebuild-004",
        "create a CodeBuild project with a privileged role and start a batch build",
        ("codebuild:CreateProject", "codebuild:StartBuildBatch"),
        CODEBUILD,
    ),
    _pass(
        "ecs-003",
        "register an ECS task definition with a privileged task role and create a service",
        ("ecs:RegisterTaskDefinition", "ecs:CreateService"),
        ECS_TASKS,
    ),
    _pass(
        "ecs-004",
        "register an ECS task definition with a privileged task role and run it",
        ("ecs:RegisterTaskDefinition", "ecs:RunTask"),
        ECS_TASKS,
    ),
    _pass(
        "ecs-005",
        "register an ECS task definition with a privileged task role and start it",
        ("ecs:RegisterTaskDefinition", "ecs:StartTask"),
        ECS_TASKS,
    ),
    _pass(
        "batch-001",
        "register a Batch job definition with a privileged role and submit a job",
        ("batch:RegisterJobDefinition", "batch:SubmitJob"),
        ECS_TASKS,
    ),
    _pass(
        "apprunner-001",
        "create an App Runner service with a privileged instance role",
        ("apprunner:CreateService",),
        APPRUNNER,
    ),
    _pass(
        "sagemaker-001",
        "create a SageMaker notebook instance with a privileged execution role",
        (_SM + "CreateNotebookInstance",),
        SAGEMAKER,
    ),
    _pass(
        "sagemaker-002",
        "create a SageMaker training job with a privileged execution role",
        (_SM + "CreateTrainingJob",),
        SAGEMAKER,
    ),
    _pass(
        "sagemaker-003",
        "create a SageMaker processing job with a privileged execution role",
        (_SM + "CreateProcessingJob",),
        SAGEMAKER,
    ),
    _pass(
        "x-sagemaker-001",
        "create a SageMaker hyperparameter tuning job with a privileged execution role",
        (_SM + "CreateHyperParameterTuningJob",),
        SAGEMAKER,
        _HT_SM,
    ),
    _pass(
        "x-sagemaker-002",
        "create a SageMaker Studio profile with a privileged execution role and open it",
        (_SM + "CreateUserProfile", _SM + "CreatePresignedDomainUrl"),
        SAGEMAKER,
        _HT_SM,
    ),
    _pass(
        "bedrock-001",
        "create a Bedrock AgentCore code interpreter with a privileged role and run code",
        (_AC + "CreateCodeInterpreter", _AC + "StartCodeInterpreterSession", _AC + "InvokeCodeInterpreter"),
        AGENTCORE,
    ),
    _pass(
        "bedrock-003",
        "create a Bedrock AgentCore runtime with a privileged role and run commands in it",
        (
            _AC + "CreateAgentRuntime",
            _AC + "CreateAgentRuntimeEndpoint",
            _AC + "CreateWorkloadIdentity",
            _AC + "InvokeAgentRuntimeCommand",
        ),
        AGENTCORE,
    ),
    _pass(
        "bedrock-006",
        "create a Bedrock AgentCore browser with a privileged role and drive it",
        (_AC + "CreateBrowser", _AC + "StartBrowserSession", _AC + "ConnectBrowserAutomationStream"),
        AGENTCORE,
    ),
    # --- run code inside existing resources, as their roles ---------------------------------------
    _existing(
        "lambda-003", "replace the code of any Lambda function", ("lambda:UpdateFunctionCode",), LAMBDA
    ),
    _existing(
        "glue-002", "add an SSH key to any Glue development endpoint", ("glue:UpdateDevEndpoint",), GLUE
    ),
    _existing(
        "cloudformation-002",
        "update any CloudFormation stack that has a service role",
        ("cloudformation:UpdateStack",),
        CLOUDFORMATION,
    ),
    _existing(
        "cloudformation-005",
        "change any CloudFormation stack through a change set",
        ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"),
        CLOUDFORMATION,
    ),
    _existing(
        "codebuild-002",
        "start a build of any CodeBuild project with an overridden buildspec",
        ("codebuild:StartBuild",),
        CODEBUILD,
    ),
    _existing(
        "codebuild-003",
        "start a batch build of any CodeBuild project with an overridden buildspec",
        ("codebuild:StartBuildBatch",),
        CODEBUILD,
    ),
    _existing(
        "apprunner-002",
        "change the image or start command of any App Runner service",
        ("apprunner:UpdateService",),
        APPRUNNER,
    ),
    _existing(
        "ec2-002",
        "replace the user data of any EC2 instance and restart it",
        ("ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"),
        EC2,
    ),
    _existing(
        "ec2-004",
        "add a malicious version to any launch template and make it the default",
        ("ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"),
        EC2,
    ),
    _existing(
        "ssm-002",
        "run commands on any EC2 instance with SSM Run Command",
        ("ssm:SendCommand",),
        EC2,
        scope=(("ssm:SendCommand", ("instance", "managed-instance")),),
    ),
    _existing(
        "ssm-001",
        "open a shell on any EC2 instance with Session Manager",
        ("ssm:StartSession",),
        EC2,
        covered_by=_CRED,
    ),
    _existing(
        "sagemaker-004",
        "open any SageMaker notebook instance through a presigned URL",
        (_SM + "CreatePresignedNotebookInstanceUrl",),
        SAGEMAKER,
        covered_by=_CRED,
    ),
    _existing(
        "sagemaker-005",
        "inject a lifecycle script into any SageMaker notebook instance",
        (
            _SM + "CreateNotebookInstanceLifecycleConfig",
            _SM + "StopNotebookInstance",
            _SM + "UpdateNotebookInstance",
            _SM + "StartNotebookInstance",
        ),
        SAGEMAKER,
    ),
    _existing(
        "x-sagemaker-003",
        "rewrite the lifecycle script of any SageMaker notebook instance, restart it",
        (
            _SM + "UpdateNotebookInstanceLifecycleConfig",
            _SM + "StopNotebookInstance",
            _SM + "StartNotebookInstance",
        ),
        SAGEMAKER,
        _HT_SM,
    ),
    _existing(
        "bedrock-002",
        "run code in any existing Bedrock AgentCore code interpreter",
        (_AC + "StartCodeInterpreterSession", _AC + "InvokeCodeInterpreter"),
        AGENTCORE,
    ),
    _existing(
        "bedrock-004",
        "run shell commands in any existing Bedrock AgentCore runtime",
        (_AC + "InvokeAgentRuntimeCommand",),
        AGENTCORE,
    ),
)

#: Rhino Security Labs' 21 methods and where each is in :data:`METHODS` (documentation and tests).
RHINO_METHODS = {
    1: "iam-001",
    2: "iam-002",
    3: "ec2-001",
    4: "iam-004",
    5: "iam-005",
    6: "iam-006",
    7: "iam-007",
    8: "iam-008",
    9: "iam-009",
    10: "iam-010",
    11: "iam-011",
    12: "iam-012",
    13: "iam-013",
    14: "iam-014",
    15: "lambda-001",
    16: "lambda-002",
    17: "lambda-003",
    18: "glue-001",
    19: "glue-002",
    20: "cloudformation-001",
    21: "datapipeline-001",
}


def by_id(method_id: str) -> EscalationMethod | None:
    for method in METHODS:
        if method.id == method_id:
            return method
    return None
