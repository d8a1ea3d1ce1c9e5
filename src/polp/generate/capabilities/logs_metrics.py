"""CloudWatch: write logs to one log group, publish metrics to one namespace, read one log group."""

from __future__ import annotations

from polp.generate.capabilities.base import Access, Built, CapabilitySpec, Param, Params, Scope, flag, text

_GROUP = Param("log_group", "text", "The log group name (/aws/sagemaker/TrainingJobs).")


def _write_logs(params: Params, scope: Scope) -> Built:
    group = text(params, "log_group")
    accesses = [
        Access(
            "WriteLogs",
            ("logs:CreateLogStream", "logs:PutLogEvents"),
            (scope.arn("logs", f"log-group:{group}:log-stream:*"),),
        )
    ]
    if flag(params, "create_group"):
        accesses.append(
            Access("CreateLogGroup", ("logs:CreateLogGroup",), (scope.arn("logs", f"log-group:{group}"),))
        )
    return Built(tuple(accesses))


def _read_logs(params: Params, scope: Scope) -> Built:
    group = text(params, "log_group")
    return Built(
        (
            Access(
                "ReadLogs",
                ("logs:FilterLogEvents", "logs:GetLogEvents"),
                (
                    scope.arn("logs", f"log-group:{group}"),
                    scope.arn("logs", f"log-group:{group}:log-stream:*"),
                ),
            ),
        )
    )


def _metrics(params: Params, scope: Scope) -> Built:
    namespace = text(params, "namespace")
    return Built(
        (
            Access(
                "PublishMetrics",
                ("cloudwatch:PutMetricData",),
                ("*",),
                (("StringEquals", "cloudwatch:namespace", (namespace,)),),
            ),
        )
    )


SPECS = (
    CapabilitySpec(
        "logs_write",
        "Write log streams in one log group.",
        (_GROUP, Param("create_group", "boolean", "Also create the log group.", required=False)),
        _write_logs,
        {"log_group": "/aws/sagemaker/TrainingJobs", "create_group": True},
    ),
    CapabilitySpec(
        "logs_read",
        "Read the log streams of one log group.",
        (_GROUP,),
        _read_logs,
        {"log_group": "/aws/sagemaker/Endpoints/demand-forecast"},
    ),
    CapabilitySpec(
        "metrics_write",
        "Publish CloudWatch metrics in one namespace.",
        (Param("namespace", "text", "The metric namespace."),),
        _metrics,
        {"namespace": "DemandForecast"},
    ),
)
