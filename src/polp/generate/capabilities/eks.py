"""EKS: update workloads in one namespace of one cluster.

On the AWS side this is ``eks:DescribeCluster`` on the cluster (to build a kubeconfig). Inside the
cluster, the role is mapped by an EKS access entry to a Kubernetes group that a Role in the namespace
binds; an EKS access policy scoped to the namespace can be added. IAM verification covers the AWS side.
"""

from __future__ import annotations

from collections.abc import Mapping

from polp.generate.capabilities.base import (
    RESOURCE_TAG,
    Access,
    Built,
    CapabilitySpec,
    EksAccess,
    Param,
    Params,
    RbacRule,
    Scope,
    text,
    texts,
)

#: What a deployer does to a Deployment: read it, and patch its image (a rolling update).
DEFAULT_RULES = (RbacRule(("apps",), ("deployments",), ("get", "list", "watch", "patch", "update")),)
ACCESS_POLICIES = ("AmazonEKSViewPolicy", "AmazonEKSEditPolicy")


def _rule(raw: Mapping[str, object]) -> RbacRule:
    return RbacRule(
        texts(raw, "api_groups"), texts(raw, "resources"), texts(raw, "verbs"), texts(raw, "resource_names")
    )


def _rules(params: Params) -> tuple[RbacRule, ...]:
    raw = params.get("rules")
    if isinstance(raw, list) and raw:
        return tuple(_rule(item) for item in raw if isinstance(item, Mapping))
    return DEFAULT_RULES


def _deploy(params: Params, scope: Scope) -> Built:
    cluster, namespace = text(params, "cluster"), text(params, "namespace")
    policy = text(params, "access_policy") or None
    return Built(
        (
            Access(
                "DescribeCluster",
                ("eks:DescribeCluster",),
                (scope.arn("eks", f"cluster/{cluster}"),),
                tag_keys=(RESOURCE_TAG,),
            ),
        ),
        (EksAccess(cluster, namespace, _rules(params), policy),),
    )


SPECS = (
    CapabilitySpec(
        "eks_deploy",
        "Update Kubernetes workloads in one namespace of one EKS cluster.",
        (
            Param("cluster", "name", "The EKS cluster name."),
            Param("namespace", "name", "The Kubernetes namespace."),
            Param(
                "rules",
                "rules",
                "Kubernetes RBAC rules in the namespace (default: get, list, watch, patch "
                "and update Deployments).",
                required=False,
            ),
            Param(
                "access_policy",
                "access_policy",
                "Also associate this EKS access policy, scoped to the namespace (default: none, RBAC only).",
                required=False,
            ),
        ),
        _deploy,
        {"cluster": "ml-serving", "namespace": "demand-forecast"},
    ),
)
