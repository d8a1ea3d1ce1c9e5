"""Terraform: ``.tf`` (HCL, with ``jsonencode`` policies) or ``.tf.json``; one file per identity.

Each identity gets an ``aws_iam_role`` (trust, session duration, boundary, tags) and an
``aws_iam_role_policy``; an EKS capability adds an ``aws_eks_access_entry`` mapping the role to a
Kubernetes group, and an ``aws_eks_access_policy_association`` scoped to the namespace when the
manifest asks for an access policy. The OIDC identity providers are expected to exist (one per account).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from polp.generate import hcl
from polp.generate.compile import CompiledIdentity, Plan
from polp.generate.emit_common import (
    access_policy_arn,
    description,
    header,
    kubernetes_group,
    label,
    policy_name,
    role_tags,
    with_role_references,
)
from polp.generate.emit_kubernetes import kubernetes_files
from polp.manifest.model import EksServiceAccount


def _role(plan: Plan, compiled: CompiledIdentity, policy: Any) -> list[tuple[str, Any]]:
    identity = compiled.identity
    body: list[tuple[str, Any]] = [("name", identity.role_name)]
    if identity.role_path != "/":
        body.append(("path", identity.role_path))
    body += [("description", description(compiled)), ("max_session_duration", identity.max_session_duration)]
    if identity.permissions_boundary:
        body.append(("permissions_boundary", identity.permissions_boundary))
    body += [("assume_role_policy", policy(compiled.trust)), ("tags", role_tags(plan, compiled))]
    return body


Reference = Callable[[str], Any]


def _eks(
    plan: Plan, compiled: CompiledIdentity, value: Reference, address: Reference
) -> list[tuple[str, str, list[tuple[str, Any]]]]:
    """(resource type, label, body) of the EKS resources of an identity. ``value`` turns a Terraform
    address into an expression, ``address`` into a ``depends_on`` entry."""
    role_arn = value(f"aws_iam_role.{label(compiled.name)}.arn")
    out: list[tuple[str, str, list[tuple[str, Any]]]] = []
    trust = compiled.identity.trust
    if isinstance(trust, EksServiceAccount) and trust.pod_identity:
        out.append(
            (
                "aws_eks_pod_identity_association",
                label(compiled.name),
                [
                    ("cluster_name", str(trust.cluster)),
                    ("namespace", trust.namespace),
                    ("service_account", trust.service_account),
                    ("role_arn", role_arn),
                ],
            )
        )
    for eks in compiled.eks:
        name = label(f"{compiled.name}_{eks.cluster}_{eks.namespace}")
        out.append(
            (
                "aws_eks_access_entry",
                name,
                [
                    ("cluster_name", eks.cluster),
                    ("principal_arn", role_arn),
                    ("kubernetes_groups", [kubernetes_group(plan, compiled)]),
                    ("type", "STANDARD"),
                ],
            )
        )
        policy_arn = access_policy_arn(plan, eks)
        if policy_arn is not None:
            out.append(
                (
                    "aws_eks_access_policy_association",
                    name,
                    [
                        ("cluster_name", eks.cluster),
                        ("policy_arn", policy_arn),
                        ("principal_arn", role_arn),
                        ("block:access_scope", [[("type", "namespace"), ("namespaces", [eks.namespace])]]),
                        ("depends_on", [address(f"aws_eks_access_entry.{name}")]),
                    ],
                )
            )
    return out


def _referenced(plan: Plan, compiled: CompiledIdentity) -> dict[str, Any]:
    return with_role_references(plan, compiled, lambda name: hcl.Raw(f"aws_iam_role.{label(name)}.arn"))


def _tf(plan: Plan, compiled: CompiledIdentity) -> str:
    name = label(compiled.name)
    blocks = [
        hcl.block("resource", ("aws_iam_role", name), _role(plan, compiled, lambda d: hcl.jsonencode(d, 1))),
        hcl.block(
            "resource",
            ("aws_iam_role_policy", name),
            [
                ("name", policy_name(compiled)),
                ("role", hcl.Raw(f"aws_iam_role.{name}.id")),
                ("policy", hcl.jsonencode(_referenced(plan, compiled), 1)),
            ],
        ),
    ]
    for kind, resource, body in _eks(plan, compiled, hcl.Raw, hcl.Raw):
        blocks.append(hcl.block("resource", (kind, resource), body))
    intro = f"# {compiled.name}: {description(compiled)}\n\n"
    return header(plan, "#") + "\n" + intro + "\n\n".join(blocks) + "\n"


def _nested(body: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in body:
        if key.startswith("block:"):
            out[key.removeprefix("block:")] = [_nested(b) for b in value]
        else:
            out[key] = value
    return out


def _escape(text: str) -> str:
    return text.replace("${", "$${").replace("%{", "%%{")


def _policy_template(plan: Plan, compiled: CompiledIdentity) -> str:
    """The policy as a JSON string template: literal text, with ``${...}`` only for role references."""
    marked = json.dumps(with_role_references(plan, compiled, lambda name: f"@@polp-role:{label(name)}@@"))
    return re.sub(r"@@polp-role:([A-Za-z0-9_]+)@@", r"${aws_iam_role.\1.arn}", _escape(marked))


def _tf_json(plan: Plan, compiled: CompiledIdentity) -> str:
    name = label(compiled.name)
    resources: dict[str, dict[str, Any]] = {
        "aws_iam_role": {name: _nested(_role(plan, compiled, lambda d: _escape(json.dumps(d))))},
        "aws_iam_role_policy": {
            name: {
                "name": policy_name(compiled),
                "role": f"${{aws_iam_role.{name}.id}}",
                "policy": _policy_template(plan, compiled),
            }
        },
    }
    for kind, resource, body in _eks(plan, compiled, lambda a: f"${{{a}}}", str):
        resources.setdefault(kind, {})[resource] = _nested(body)
    document = {"//": header(plan, "").strip().replace("\n ", " "), "resource": resources}
    return json.dumps(document, indent=2) + "\n"


def terraform_files(plan: Plan, *, as_json: bool = False) -> dict[str, str]:
    files = {
        (f"{c.name}.tf.json" if as_json else f"{c.name}.tf"): (_tf_json if as_json else _tf)(plan, c)
        for c in plan.identities
    }
    files.update(kubernetes_files(plan))
    return files
