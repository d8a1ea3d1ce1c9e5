"""Plain IAM JSON: each identity's permissions and trust policies as files to paste or pass to the AWS
CLI, and ``roles.json`` in the shape of ``aws iam get-account-authorization-details`` (which
``polp audit`` and ``polp verify`` read)."""

from __future__ import annotations

import json
from typing import Any

from polp.generate.compile import CompiledIdentity, Plan
from polp.generate.emit_common import description, policy_name, role_tags
from polp.generate.emit_kubernetes import kubernetes_files


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2) + "\n"


def _role_detail(plan: Plan, compiled: CompiledIdentity) -> dict[str, Any]:
    identity = compiled.identity
    detail: dict[str, Any] = {
        "Path": identity.role_path,
        "RoleName": identity.role_name,
        "Arn": compiled.role_arn,
        "Description": description(compiled),
        "AssumeRolePolicyDocument": compiled.trust,
        "RolePolicyList": [{"PolicyName": policy_name(compiled), "PolicyDocument": compiled.permissions}],
        "AttachedManagedPolicies": [],
        "InstanceProfileList": [],
        "MaxSessionDuration": identity.max_session_duration,
        "Tags": [{"Key": k, "Value": v} for k, v in role_tags(plan, compiled).items()],
    }
    if identity.permissions_boundary:
        detail["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": identity.permissions_boundary,
        }
    return detail


def json_files(plan: Plan) -> dict[str, str]:
    files: dict[str, str] = {}
    for compiled in plan.identities:
        files[f"{compiled.name}/permissions-policy.json"] = _dump(compiled.permissions)
        files[f"{compiled.name}/trust-policy.json"] = _dump(compiled.trust)
    files["roles.json"] = _dump(
        {
            "UserDetailList": [],
            "GroupDetailList": [],
            "RoleDetailList": [_role_detail(plan, c) for c in plan.identities],
            "Policies": [],
        }
    )
    files.update(kubernetes_files(plan))
    return files
