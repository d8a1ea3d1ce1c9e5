"""SageMaker: run training and processing jobs as a named execution role, register model packages in
one group, roll out one endpoint, schedule monitoring of it.

Jobs and models are named with a prefix (default: the pipeline's name), so that the identity can
create new ones without reaching anyone else's. Creating passes the execution role to SageMaker; the
compiler adds ``iam:PassRole`` on that role only, with ``iam:PassedToService``.
"""

from __future__ import annotations

from polp.generate.capabilities.base import (
    REQUEST_TAG,
    RESOURCE_TAG,
    Access,
    Builder,
    Built,
    CapabilitySpec,
    Param,
    Params,
    Scope,
    flag,
    text,
)

_ROLE = Param(
    "execution_role",
    "role",
    "The execution role SageMaker runs as: an ARN, or path/name in the "
    "pipeline's account (service-role/DemandForecastSageMakerExecution).",
)
_JOB_PREFIX = Param(
    "name_prefix",
    "name",
    "Names of the jobs it creates start with this (default: the pipeline name and a dash).",
    required=False,
)


def _prefix(params: Params, scope: Scope, name: str, default: str) -> str:
    return text(params, name) or default


def _jobs(kind: str, create: str, describe: str, stop: str) -> Builder:
    def build(params: Params, scope: Scope) -> Built:
        prefix = _prefix(params, scope, "name_prefix", f"{scope.pipeline}-")
        jobs = scope.arn("sagemaker", f"{kind}/{prefix}*")
        role = scope.role_arn(text(params, "execution_role"))
        label = kind.title().replace("-", "")
        return Built(
            (
                Access(f"Start{label}s", (create,), (jobs,), tag_keys=(REQUEST_TAG,), passes_role=role),
                Access(f"Watch{label}s", (describe, stop), (jobs,), tag_keys=(RESOURCE_TAG,)),
            )
        )

    return build


def _register(params: Params, scope: Scope) -> Built:
    group = text(params, "model_package_group")
    packages = scope.arn("sagemaker", f"model-package/{group}/*")
    return Built(
        (
            Access(
                "RegisterModelVersions",
                ("sagemaker:CreateModelPackage",),
                (packages,),
                tag_keys=(REQUEST_TAG,),
            ),
            Access(
                "ReadModelPackageGroup",
                ("sagemaker:DescribeModelPackageGroup",),
                (scope.arn("sagemaker", f"model-package-group/{group}"),),
                tag_keys=(RESOURCE_TAG,),
            ),
            Access(
                "ApproveModelVersions",
                ("sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"),
                (packages,),
                tag_keys=(RESOURCE_TAG,),
            ),
        )
    )


def _deploy(params: Params, scope: Scope) -> Built:
    endpoint = text(params, "endpoint")
    prefix = _prefix(params, scope, "name_prefix", f"{endpoint}-")
    role = scope.role_arn(text(params, "execution_role"))
    models = scope.arn("sagemaker", f"model/{prefix}*")
    configs = scope.arn("sagemaker", f"endpoint-config/{prefix}*")
    endpoint_arn = scope.arn("sagemaker", f"endpoint/{endpoint}")
    accesses = [
        Access(
            "CreateModelAndEndpointConfig",
            ("sagemaker:CreateEndpointConfig", "sagemaker:CreateModel"),
            (configs, models),
            tag_keys=(REQUEST_TAG,),
            passes_role=role,
        ),
        Access(
            "RollOutEndpoint",
            ("sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint"),
            (endpoint_arn,),
            tag_keys=(RESOURCE_TAG,),
        ),
        Access(
            "UseNewEndpointConfig",
            ("sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint")
            if flag(params, "create_endpoint")
            else ("sagemaker:UpdateEndpoint",),
            (configs,),
            tag_keys=(RESOURCE_TAG,),
        ),
    ]
    if flag(params, "create_endpoint"):
        accesses.append(
            Access("CreateEndpoint", ("sagemaker:CreateEndpoint",), (endpoint_arn,), tag_keys=(REQUEST_TAG,))
        )
    return Built(tuple(accesses))


def _monitor(params: Params, scope: Scope) -> Built:
    endpoint = text(params, "endpoint")
    prefix = _prefix(params, scope, "name_prefix", f"{endpoint}-")
    role = scope.role_arn(text(params, "execution_role"))
    schedules = scope.arn("sagemaker", f"monitoring-schedule/{prefix}*")
    definitions = scope.arn("sagemaker", f"data-quality-job-definition/{prefix}*")
    return Built(
        (
            Access(
                "CreateMonitoring",
                ("sagemaker:CreateDataQualityJobDefinition", "sagemaker:CreateMonitoringSchedule"),
                (definitions, schedules),
                tag_keys=(REQUEST_TAG,),
                passes_role=role,
            ),
            Access(
                "WatchMonitoring",
                ("sagemaker:DescribeMonitoringSchedule",),
                (schedules,),
                tag_keys=(RESOURCE_TAG,),
            ),
            Access(
                "ReadMonitoredEndpoint",
                ("sagemaker:DescribeEndpoint",),
                (scope.arn("sagemaker", f"endpoint/{endpoint}"),),
                tag_keys=(RESOURCE_TAG,),
            ),
        )
    )


_ROLE_EXAMPLE = "service-role/DemandForecastSageMakerExecution"
_ENDPOINT = Param("endpoint", "name", "The endpoint name.")
_NAME_PREFIX = Param(
    "name_prefix",
    "name",
    "Names of the models and endpoint configurations it creates "
    "start with this (default: the endpoint name and a dash).",
    required=False,
)

SPECS = (
    CapabilitySpec(
        "sagemaker_training",
        "Create, watch and stop training jobs that run as one execution role.",
        (_ROLE, _JOB_PREFIX),
        _jobs(
            "training-job",
            "sagemaker:CreateTrainingJob",
            "sagemaker:DescribeTrainingJob",
            "sagemaker:StopTrainingJob",
        ),
        {"execution_role": _ROLE_EXAMPLE},
    ),
    CapabilitySpec(
        "sagemaker_processing",
        "Create, watch and stop processing jobs that run as one execution role.",
        (_ROLE, _JOB_PREFIX),
        _jobs(
            "processing-job",
            "sagemaker:CreateProcessingJob",
            "sagemaker:DescribeProcessingJob",
            "sagemaker:StopProcessingJob",
        ),
        {"execution_role": _ROLE_EXAMPLE},
    ),
    CapabilitySpec(
        "sagemaker_register_model",
        "Register and approve model versions in one model package group.",
        (Param("model_package_group", "name", "The model package group name."),),
        _register,
        {"model_package_group": "demand-forecast"},
    ),
    CapabilitySpec(
        "sagemaker_deploy_endpoint",
        "Roll out one endpoint: create models and endpoint configurations, then UpdateEndpoint.",
        (
            _ENDPOINT,
            _ROLE,
            _NAME_PREFIX,
            Param(
                "create_endpoint",
                "boolean",
                "Also allow creating the endpoint (default: only update an existing one).",
                required=False,
            ),
        ),
        _deploy,
        {"endpoint": "demand-forecast", "execution_role": _ROLE_EXAMPLE, "create_endpoint": True},
    ),
    CapabilitySpec(
        "sagemaker_monitoring",
        "Schedule data-quality monitoring of one endpoint.",
        (
            _ENDPOINT,
            _ROLE,
            Param(
                "name_prefix",
                "name",
                "Names of the schedules and job definitions "
                "start with this (default: the endpoint name and a dash).",
                required=False,
            ),
        ),
        _monitor,
        {"endpoint": "demand-forecast", "execution_role": _ROLE_EXAMPLE},
    ),
)
