"""Build the manifest's JSON Schema from the capability library, so that the two never disagree.

The published copies (``src/polp/data/manifest.schema.json``, read at run time, and
``docs/manifest.schema.json``) are written by ``python -m polp.manifest.schema_build``; a test checks
that they are up to date. ``x-expected`` is ours: the phrase an error message uses for what was expected.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from polp.generate.capabilities import ALL
from polp.generate.capabilities.base import CapabilitySpec, Param
from polp.generate.capabilities.eks import ACCESS_POLICIES
from polp.manifest.model import MAX_SESSION_SECONDS
from polp.manifest.never import CATEGORIES

SCHEMA_ID = "https://polp.dev/schemas/manifest-1.json"
Schema = dict[str, Any]


def _string(pattern: str, expected: str, max_length: int = 256) -> Schema:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": pattern,
        "x-expected": expected,
    }


def _list(item: Schema, min_items: int = 1) -> Schema:
    return {"type": "array", "items": item, "minItems": min_items, "uniqueItems": True}


def _object(properties: dict[str, Schema], required: tuple[str, ...] = (), description: str = "") -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


def _one_of_keys(options: dict[str, Schema], expected: str) -> Schema:
    """An object with exactly one of ``options`` as its key (reads as ``- ecr_push: {...}``)."""
    return {
        "type": "object",
        "properties": options,
        "additionalProperties": False,
        "minProperties": 1,
        "maxProperties": 1,
        "x-expected": expected,
    }


NAME = _string(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", "a name (letters, digits, . _ / -; no wildcards)")
TEXT = {
    "type": "string",
    "maxLength": 1024,
    "pattern": r"^[^*?$\s]*$",
    "x-expected": "text without wildcards, $ or spaces",
}
K8S_NAME = _string(
    r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "a Kubernetes name (lower case, digits, - and .)", 253
)
ARN = _string(
    r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$",
    "an ARN (arn:aws:service:region:account:...)",
    2048,
)
ROLE = _string(
    r"^(arn:aws[a-z-]*:iam::\d{12}:role/)?[\w+=,.@/-]+$",
    "a role ARN, or path/name of a role in the pipeline's account",
)
ACTION = _string(
    r"^[a-z0-9-]+:[A-Za-z0-9]+$", "an exact action name (service:Action), without wildcards", 128
)
TAGS: Schema = {
    "type": "object",
    "propertyNames": _string(r"^[\w .:/=+@-]{1,128}$", "a tag key", 128),
    "additionalProperties": {
        "type": "string",
        "maxLength": 256,
        "pattern": r"^[\w .:/=+@-]*$",
        "x-expected": "a tag value (no wildcards)",
    },
    "x-expected": "a map of tag keys to values",
}
DURATION: Schema = {
    "type": ["integer", "string"],
    "pattern": r"^[0-9]+[smh]$",
    "x-expected": f"seconds (3600 to {MAX_SESSION_SECONDS}), or a duration such as 1h or 90m",
}
REF = _string(r"^[A-Za-z0-9._/-]+\*?$", "a branch or tag name (a trailing * matches a prefix)")
AUDIENCE = _string(r"^[^*?\s]+$", "an audience without wildcards")
ISSUER = _string(r"^[a-z0-9.-]+(/[A-Za-z0-9._-]+)*$", "an issuer host and path, without https://")
RULE = _object(
    {
        "api_groups": _list({"type": "string", "pattern": r"^[a-z0-9.-]*$"}, 0),
        "resources": _list(_string(r"^[a-z0-9./-]+$", "a Kubernetes resource (deployments)")),
        "verbs": _list({"enum": ["get", "list", "watch", "create", "update", "patch", "delete"]}),
        "resource_names": _list(K8S_NAME),
    },
    ("api_groups", "resources", "verbs"),
)
CONDITIONS: Schema = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "additionalProperties": {
            "type": ["string", "boolean", "integer", "array"],
            "items": {"type": ["string", "boolean", "integer"]},
        },
    },
    "x-expected": "{operator: {key: value}}",
}

_PARAM_SCHEMAS: dict[str, Schema] = {
    "name": NAME,
    "text": TEXT,
    "role": ROLE,
    "boolean": {"type": "boolean"},
    "rules": _list(RULE),
    "conditions": CONDITIONS,
    "access_policy": {"enum": list(ACCESS_POLICIES)},
    "actions": _list(ACTION),
    "arns": _list({"anyOf": [{"const": "*"}, ARN], "x-expected": "an ARN or *"}),
    "sid": _string(r"^[A-Za-z0-9]+$", "letters and digits", 100),
}


def _param(param: Param) -> Schema:
    return {**_PARAM_SCHEMAS[param.kind], "description": param.description}


def capability_schema(spec: CapabilitySpec) -> Schema:
    return _object(
        {p.name: _param(p) for p in spec.params},
        tuple(p.name for p in spec.params if p.required),
        spec.summary,
    )


def _trust() -> Schema:
    refs = {"branches": _list(REF), "tags": _list(REF)}
    return _one_of_keys(
        {
            "github_actions": _object(
                {
                    "repository": _string(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", "OWNER/REPOSITORY"),
                    **refs,
                    "environments": _list(_string(r"^[A-Za-z0-9._ -]+$", "an environment name")),
                    "audience": AUDIENCE,
                    "issuer": ISSUER,
                },
                ("repository",),
                "GitHub Actions OIDC: the repository, and its branches, tags or environments",
            ),
            "gitlab_ci": _object(
                {
                    "project_path": _string(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$", "GROUP/PROJECT"),
                    **refs,
                    "audience": AUDIENCE,
                    "issuer": ISSUER,
                },
                ("project_path",),
                "GitLab CI ID tokens: the project, and its branches or tags",
            ),
            "oidc": _object(
                {
                    "issuer": ISSUER,
                    "subjects": _list(_string(r"^[^*?]+$", "an exact subject")),
                    "audience": AUDIENCE,
                },
                ("issuer", "subjects", "audience"),
                "Another OIDC issuer registered as an IAM identity provider",
            ),
            "aws_service": _object(
                {
                    "service": _string(r"^[a-z0-9.-]+\.amazonaws\.com$", "a service principal"),
                    "source_arns": _list(ARN),
                },
                ("service",),
                "An AWS service acting for this account (aws:SourceAccount, aws:SourceArn)",
            ),
            "eks_service_account": _object(
                {
                    "issuer": _string(
                        r"^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/id/[A-Za-z0-9]+$",
                        "the cluster's OIDC issuer (oidc.eks.REGION.amazonaws.com/id/ID)",
                    ),
                    "namespace": K8S_NAME,
                    "service_account": K8S_NAME,
                },
                ("issuer", "namespace", "service_account"),
                "IAM roles for service accounts (IRSA)",
            ),
            "eks_pod_identity": _object(
                {"cluster": NAME, "namespace": K8S_NAME, "service_account": K8S_NAME},
                ("cluster", "namespace", "service_account"),
                "EKS Pod Identity",
            ),
        },
        "one way to authenticate, such as {github_actions: {repository: OWNER/REPO, branches: [main]}}",
    )


def _never_item() -> Schema:
    return {
        "if": {"type": "string"},
        "then": {"enum": sorted(CATEGORIES), "x-expected": f"one of {', '.join(sorted(CATEGORIES))}"},
        "else": _object(
            {
                "actions": _list(_string(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$", "an action pattern", 128)),
                "resources": _list({"anyOf": [{"const": "*"}, ARN], "x-expected": "an ARN or *"}),
            },
            ("actions",),
        ),
    }


def _shared() -> dict[str, Schema]:
    """What an identity may declare and ``defaults`` may give every identity."""
    return {
        "max_session_duration": DURATION,
        "network": _object(
            {
                "vpc_endpoints": _list(_string(r"^vpce-[0-9a-f]{8,17}$", "a VPC endpoint id (vpce-...)")),
                "vpcs": _list(_string(r"^vpc-[0-9a-f]{8,17}$", "a VPC id (vpc-...)")),
                "cidrs": _list(_string(r"^[0-9a-fA-F.:]+/[0-9]{1,3}$", "a CIDR block (203.0.113.0/24)")),
            },
            description="Where calls may come from (except calls AWS services make on the identity's behalf)",
        ),
        "abac": _object(
            {"resource_tags": TAGS, "principal_tags": TAGS},
            description="Tags that gate the identity (attribute-based access control)",
        ),
        "never": _list(_never_item()),
        "deny_never": {
            "type": "boolean",
            "description": "Also emit explicit Deny statements for never items",
        },
        "permissions_boundary": _string(
            r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/.+$", "a managed policy ARN", 2048
        ),
        "tags": TAGS,
    }


def _identity() -> Schema:
    capability = _one_of_keys(
        {spec.name: capability_schema(spec) for spec in ALL},
        "a single capability such as {ecr_push: {repository: NAME}}",
    )
    return _object(
        {
            "description": {"type": "string", "maxLength": 1000},
            "role_name": _string(r"^[\w+=,.@-]+$", "a role name (letters, digits, +=,.@_-)", 64),
            "role_path": _string(r"^/([\w+=,.@-]+/)*$", "a role path such as / or /ml/", 512),
            "maps_to": _string(r"^[\w+=,.@:/-]+$", "a role or user ARN, or a role name", 2048),
            "trust": _trust(),
            "capabilities": _list(capability),
            **_shared(),
        },
        ("trust", "capabilities"),
    )


def build_schema() -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "polp pipeline manifest (polp.yaml)",
        "description": "A pipeline and its task-specific identities: what each does, how it authenticates, "
        "where it may call from, which tags gate it, and what it must never reach.",
        **_object(
            {
                "version": {"const": 1, "x-expected": "1"},
                "pipeline": _string(
                    r"^[A-Za-z0-9][A-Za-z0-9_-]*$", "a pipeline name (letters, digits, - and _)", 40
                ),
                "account": _string(r"^[0-9]{12}$", "a 12-digit account id, in quotes", 12),
                "region": _string(r"^[a-z]{2}(-[a-z]+)+-[0-9]$", "a region such as us-east-1", 32),
                "partition": {"enum": ["aws", "aws-cn", "aws-us-gov"]},
                "defaults": _object(
                    _shared(), description="Settings every identity gets unless it declares its own"
                ),
                "identities": {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": _string(r"^[a-z][a-z0-9_-]*$", "an identity name (lower case)", 40),
                    "additionalProperties": _identity(),
                },
            },
            ("version", "pipeline", "account", "region", "identities"),
        ),
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    """Write the schema to each path given (the data copy and the docs copy)."""
    for path in argv:
        Path(path).write_text(schema_text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
