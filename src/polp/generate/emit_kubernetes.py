"""The Kubernetes side of EKS capabilities: a Role in the namespace and a RoleBinding to the group the
EKS access entry maps the IAM role to."""

from __future__ import annotations

import re
from typing import Any

import yaml

from polp.generate.capabilities.base import EksAccess
from polp.generate.compile import CompiledIdentity, Plan
from polp.generate.emit_common import header, kubernetes_group
from polp.manifest.model import EksServiceAccount

RBAC_API = "rbac.authorization.k8s.io"


def _name(plan: Plan, compiled: CompiledIdentity) -> str:
    return re.sub(r"[^a-z0-9-]", "-", f"polp-{plan.manifest.pipeline}-{compiled.name}".lower())


def _documents(plan: Plan, compiled: CompiledIdentity, eks: EksAccess) -> list[dict[str, Any]]:
    name = _name(plan, compiled)
    metadata = {
        "name": name,
        "namespace": eks.namespace,
        "labels": {"app.kubernetes.io/managed-by": "polp", "polp/pipeline": plan.manifest.pipeline},
    }
    rules = []
    for rule in eks.rules:
        entry: dict[str, Any] = {"apiGroups": list(rule.api_groups), "resources": list(rule.resources)}
        if rule.resource_names:
            entry["resourceNames"] = list(rule.resource_names)
        entry["verbs"] = list(rule.verbs)
        rules.append(entry)
    role = {"apiVersion": f"{RBAC_API}/v1", "kind": "Role", "metadata": metadata, "rules": rules}
    binding = {
        "apiVersion": f"{RBAC_API}/v1",
        "kind": "RoleBinding",
        "metadata": metadata,
        "subjects": [{"kind": "Group", "name": kubernetes_group(plan, compiled), "apiGroup": RBAC_API}],
        "roleRef": {"kind": "Role", "name": name, "apiGroup": RBAC_API},
    }
    return [role, binding]


def _service_account(compiled: CompiledIdentity, trust: EksServiceAccount) -> dict[str, Any]:
    """IRSA: the service account names the role it may assume."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": trust.service_account,
            "namespace": trust.namespace,
            "annotations": {"eks.amazonaws.com/role-arn": compiled.role_arn},
        },
    }


def kubernetes_files(plan: Plan) -> dict[str, str]:
    files: dict[str, str] = {}
    for compiled in plan.identities:
        trust = compiled.identity.trust
        if isinstance(trust, EksServiceAccount) and not trust.pod_identity:
            text = yaml.safe_dump(
                _service_account(compiled, trust), sort_keys=False, default_flow_style=False
            )
            files[f"kubernetes/{compiled.name}-serviceaccount.yaml"] = header(plan, "#") + text
        for eks in compiled.eks:
            documents = _documents(plan, compiled, eks)
            text = yaml.safe_dump_all(documents, sort_keys=False, default_flow_style=False, width=100)
            path = f"kubernetes/{compiled.name}-{eks.cluster}-{eks.namespace}.yaml"
            files[path] = header(plan, "#") + text
    return files
