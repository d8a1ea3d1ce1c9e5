"""CloudFormation: one YAML template with an ``AWS::IAM::Role`` per identity (inline policy, trust,
session duration, boundary, tags) and an ``AWS::EKS::AccessEntry`` per EKS capability. Intrinsics are
written in their long form (``Fn::GetAtt``) so that the template is plain YAML."""

from __future__ import annotations

from typing import Any

import yaml

from polp.generate.compile import CompiledIdentity, Plan
from polp.generate.emit_common import (
    access_policy_arn,
    description,
    header,
    kubernetes_group,
    logical_id,
    policy_name,
    role_tags,
    with_role_references,
)
from polp.generate.emit_kubernetes import kubernetes_files
from polp.manifest.model import EksServiceAccount


def _role(plan: Plan, compiled: CompiledIdentity) -> dict[str, Any]:
    identity = compiled.identity
    properties: dict[str, Any] = {
        "RoleName": identity.role_name,
        "Path": identity.role_path,
        "Description": description(compiled),
        "MaxSessionDuration": identity.max_session_duration,
    }
    if identity.permissions_boundary:
        properties["PermissionsBoundary"] = identity.permissions_boundary
    properties["AssumeRolePolicyDocument"] = compiled.trust
    properties["Tags"] = [{"Key": k, "Value": v} for k, v in role_tags(plan, compiled).items()]
    return {"Type": "AWS::IAM::Role", "Properties": properties}


def _policy(plan: Plan, compiled: CompiledIdentity, role_id: str) -> dict[str, Any]:
    """The permissions, as their own resource: roles that pass each other cannot form a cycle."""
    document = with_role_references(
        plan, compiled, lambda name: {"Fn::GetAtt": [logical_id(name, "Role"), "Arn"]}
    )
    return {
        "Type": "AWS::IAM::RolePolicy",
        "Properties": {
            "RoleName": {"Ref": role_id},
            "PolicyName": policy_name(compiled),
            "PolicyDocument": document,
        },
    }


def _access_entries(plan: Plan, compiled: CompiledIdentity, role_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    trust = compiled.identity.trust
    if isinstance(trust, EksServiceAccount) and trust.pod_identity:
        out[logical_id(compiled.name, "PodIdentityAssociation")] = {
            "Type": "AWS::EKS::PodIdentityAssociation",
            "Properties": {
                "ClusterName": trust.cluster,
                "Namespace": trust.namespace,
                "ServiceAccount": trust.service_account,
                "RoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
            },
        }
    for eks in compiled.eks:
        properties: dict[str, Any] = {
            "ClusterName": eks.cluster,
            "PrincipalArn": {"Fn::GetAtt": [role_id, "Arn"]},
            "KubernetesGroups": [kubernetes_group(plan, compiled)],
            "Type": "STANDARD",
        }
        policy_arn = access_policy_arn(plan, eks)
        if policy_arn is not None:
            properties["AccessPolicies"] = [
                {"PolicyArn": policy_arn, "AccessScope": {"Type": "namespace", "Namespaces": [eks.namespace]}}
            ]
        out[logical_id(compiled.name, eks.cluster, eks.namespace, "AccessEntry")] = {
            "Type": "AWS::EKS::AccessEntry",
            "Properties": properties,
        }
    return out


def cloudformation_files(plan: Plan) -> dict[str, str]:
    resources: dict[str, Any] = {}
    for compiled in plan.identities:
        role_id = logical_id(compiled.name, "Role")
        resources[role_id] = _role(plan, compiled)
        resources[logical_id(compiled.name, "Policy")] = _policy(plan, compiled, role_id)
        resources.update(_access_entries(plan, compiled, role_id))
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Task-specific roles of the {plan.manifest.pipeline} pipeline (polp plan)",
        "Resources": resources,
    }
    text = yaml.safe_dump(template, sort_keys=False, default_flow_style=False, width=110, allow_unicode=True)
    files = {"template.yaml": header(plan, "#") + text}
    files.update(kubernetes_files(plan))
    return files
